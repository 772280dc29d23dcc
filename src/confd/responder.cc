#include "confd/responder.h"

#include <boost/json.hpp>

#include "confd/answers.h"
#include "confd/request.h"

namespace herd::confd {

std::optional<std::string> Respond(std::string_view datagram, std::string_view key, int64_t now,
                                   const ServedConfig* config, const std::string& no_config_reason,
                                   std::string* why) {
  std::optional<Request> request = ParseRequestDatagram(datagram, key, now, why);
  if (!request) return std::nullopt;
  Reply reply;
  try {
    reply = config ? Answer(*config, *request) : ErrorReply(no_config_reason);
  } catch (const std::exception& e) {
    reply = ErrorReply(std::string("Internal error: ") + e.what());
  }
  return ReplyDatagram(reply, key, request->rsalt);
}

}  // namespace herd::confd
