#include "confd/reply.h"

#include <boost/json.hpp>

#include "base/json.h"
#include "confd/envelope.h"

namespace herd::confd {

Reply ErrorReply(std::string message) {
  return Reply{ReplyStatus::kError, json::value(std::move(message)), 0};
}

Reply ErrorReply(ErrorCode code) {
  return Reply{ReplyStatus::kError, json::value(static_cast<int>(code)), 0};
}

std::string ReplyMessage(const Reply& reply) {
  json::object msg{{"protocol", kProtocolVersion},
                   {"status", static_cast<int>(reply.status)},
                   {"answer", reply.answer},
                   {"serial", reply.serial}};
  return SerializeJson(msg);
}

std::optional<Reply> ParseReplyMessage(std::string_view msg) {
  boost::system::error_code ec;
  json::value parsed = json::parse(msg, ec);
  if (ec || !parsed.is_object()) return std::nullopt;
  const json::object& o = parsed.get_object();
  const json::value* status = o.if_contains("status");
  const json::value* serial = o.if_contains("serial");
  if (!status || !status->is_int64() || !serial || !serial->is_int64()) return std::nullopt;
  Reply reply{static_cast<ReplyStatus>(status->get_int64()), nullptr, serial->get_int64()};
  if (const json::value* answer = o.if_contains("answer")) reply.answer = *answer;
  return reply;
}

std::string ReplyDatagram(const Reply& reply, std::string_view key, std::string_view rsalt) {
  return Seal(key, rsalt, ReplyMessage(reply));
}

}  // namespace herd::confd
