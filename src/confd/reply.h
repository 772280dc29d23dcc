// A confd reply: status, answer and the serial number of what it came from.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "confd/protocol.h"

namespace herd::confd {

struct Reply {
  ReplyStatus status = ReplyStatus::kOk;
  boost::json::value answer;
  int64_t serial = 0;  // 0 for errors and pings
};

// Status 1 with a message as the answer (no configuration, bad query shape,
// unknown object), as Ganeti's server words its internal failures.
Reply ErrorReply(std::string message);
// Status 1 with one of Ganeti's error codes as the answer.
Reply ErrorReply(ErrorCode code);

std::string ReplyMessage(const Reply& reply);
std::optional<Reply> ParseReplyMessage(std::string_view msg);
// The signed reply datagram; its salt is the request's rsalt.
std::string ReplyDatagram(const Reply& reply, std::string_view key, std::string_view rsalt);

}  // namespace herd::confd
