// The encodings of HTTP requests: basic authentication (RFC 7617) and the
// base64 and percent-encoding it and URLs use.
#pragma once

#include <optional>
#include <string>
#include <utility>

namespace herd::net {

std::string EncodeBase64(const std::string& data);
// nullopt when `text` is not base64 (padded to a multiple of 4 characters).
std::optional<std::string> DecodeBase64(const std::string& text);

// "a%20b" -> "a b", as in URLs; `plus_is_space` for query strings.
std::string PercentDecode(const std::string& text, bool plus_is_space = false);

// "Basic <base64(user:password)>", the Authorization header's value.
std::string BasicAuthorization(const std::string& user, const std::string& password);
// User and password of an Authorization header's value; nullopt unless it is
// a well-formed basic one.
std::optional<std::pair<std::string, std::string>> ParseBasicAuthorization(
    const std::string& value);

}  // namespace herd::net
