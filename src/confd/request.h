// A confd request: its inner message, and the checks a datagram must pass
// before it is answered (signature, timestamp salt, known request type).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "confd/protocol.h"

namespace herd::confd {

// The "query" of a request: absent/null, a plain string, or a dictionary
// with the keys "0" (link), "1" (ip), "2" (ip list), "3" (fields).
struct Query {
  enum class Kind { kNone, kString, kDict };
  Kind kind = Kind::kNone;
  std::string text;  // kString
  std::optional<std::string> link, ip;
  std::vector<std::string> ip_list;
  std::vector<MasterField> fields;
};

struct Request {
  int protocol = kProtocolVersion;
  RequestType type = RequestType::kPing;
  Query query;
  std::string rsalt;  // the reply's salt
};

// Parses an inner request message; std::nullopt (and `why`) when malformed
// or of an unknown type.
std::optional<Request> ParseRequestMessage(std::string_view msg, std::string* why);

// Opens, authenticates and parses a request datagram received at Unix time
// `now`; std::nullopt (and `why`) when it must be dropped unanswered.
std::optional<Request> ParseRequestDatagram(std::string_view datagram, std::string_view key,
                                            int64_t now, std::string* why);

// The inner message of `request` (as a client sends it).
std::string RequestMessage(const Request& request);

}  // namespace herd::confd
