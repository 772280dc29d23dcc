#include "confd/envelope.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <boost/json.hpp>
#include <cctype>

#include "base/errors.h"
#include "base/json.h"
#include "confd/protocol.h"

namespace herd::confd {

std::string HmacSha1Hex(std::string_view key, std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (!HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()),
            reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest, &length)) {
    throw GenericError("HMAC-SHA1 computation failed");
  }
  static const char* hex = "0123456789abcdef";
  std::string out;
  out.reserve(2 * length);
  for (unsigned int i = 0; i < length; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 15];
  }
  return out;
}

std::string Seal(std::string_view key, std::string_view salt, std::string_view msg) {
  std::string signed_text(salt);
  signed_text += msg;
  json::object envelope{{"msg", msg}, {"salt", salt}, {"hmac", HmacSha1Hex(key, signed_text)}};
  return std::string(kMagic) + SerializeJson(envelope);
}

std::optional<Envelope> Open(std::string_view datagram, std::string_view key, std::string* why) {
  auto reject = [why](std::string reason) -> std::optional<Envelope> {
    if (why) *why = std::move(reason);
    return std::nullopt;
  };
  if (datagram.substr(0, kMagic.size()) != kMagic) return reject("invalid magic code");
  boost::system::error_code ec;
  json::value parsed = json::parse(datagram.substr(kMagic.size()), ec);
  if (ec || !parsed.is_object()) return reject("the envelope is not a JSON object");
  const json::object& envelope = parsed.get_object();
  const json::value* msg = envelope.if_contains("msg");
  const json::value* salt = envelope.if_contains("salt");
  const json::value* hmac = envelope.if_contains("hmac");
  if (!msg || !msg->is_string() || !salt || !salt->is_string() || !hmac || !hmac->is_string()) {
    return reject("the envelope lacks msg, salt or hmac");
  }
  Envelope result{std::string(salt->get_string()), std::string(msg->get_string())};
  std::string received(hmac->get_string());
  for (char& c : received) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const std::string expected = HmacSha1Hex(key, result.salt + result.msg);
  if (received.size() != expected.size() ||
      CRYPTO_memcmp(received.data(), expected.data(), expected.size()) != 0) {
    return reject("bad HMAC");
  }
  return result;
}

}  // namespace herd::confd
