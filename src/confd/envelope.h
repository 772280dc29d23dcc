// The signed envelope around every confd message: "plj0" followed by
// {"msg": <inner JSON as a string>, "salt": ..., "hmac": HMAC-SHA1(key, salt + msg)}.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace herd::confd {

// Lowercase hex HMAC-SHA1 of `data` under `key`.
std::string HmacSha1Hex(std::string_view key, std::string_view data);

// Magic + signed envelope carrying `msg`.
std::string Seal(std::string_view key, std::string_view salt, std::string_view msg);

struct Envelope {
  std::string salt;
  std::string msg;
};

// The envelope's salt and message if `datagram` carries the magic, parses and
// its HMAC verifies under `key`; otherwise std::nullopt and `why` says why.
std::optional<Envelope> Open(std::string_view datagram, std::string_view key, std::string* why);

}  // namespace herd::confd
