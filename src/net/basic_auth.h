// HTTP basic authentication (RFC 7617): the header a client sends and the
// decoding a server does.
#pragma once

#include <optional>
#include <string>
#include <utility>

namespace herd::net {

std::string EncodeBase64(const std::string& data);
// Empty when `text` is not base64.
std::string DecodeBase64(const std::string& text);

// "Basic <base64(user:password)>", the Authorization header's value.
std::string BasicAuthorization(const std::string& user, const std::string& password);
// User and password of an Authorization header's value; nullopt unless it is
// a well-formed basic one.
std::optional<std::pair<std::string, std::string>> ParseBasicAuthorization(
    const std::string& value);

}  // namespace herd::net
