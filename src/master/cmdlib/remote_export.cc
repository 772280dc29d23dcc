#include "master/cmdlib/remote_export.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <regex>

#include "base/errors.h"
#include "base/files.h"
#include "base/json.h"

namespace herd::master {
namespace json = boost::json;
namespace {

constexpr const char* kHandshakeText = "Hi, I'm Ganeti";
constexpr const char* kSignatureHeader = "X-Ganeti-Signature";

std::string Hex(const unsigned char* data, size_t size) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < size; ++i) {
    out += digits[data[i] >> 4];
    out += digits[data[i] & 15];
  }
  return out;
}

bool SameText(const std::string& a, const std::string& b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string HandshakeMessage(const std::string& version) { return version + ":" + kHandshakeText; }

std::string DiskInfoMessage(size_t index, const std::string& host, const std::string& port,
                            const std::string& magic) {
  return std::to_string(index) + ":" + host + ":" + port + ":" + magic;
}

// Python's str() of a handshake or disk-info element.
std::string Text(const json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  return SerializeJson(v);
}

// The certificate block of a PEM text (from its BEGIN line to its END line).
std::string CertificateBlock(const std::string& pem) {
  const auto begin = pem.find("-----BEGIN CERTIFICATE-----");
  const std::string end_marker = "-----END CERTIFICATE-----";
  const auto end = pem.find(end_marker, begin == std::string::npos ? 0 : begin);
  if (begin == std::string::npos || end == std::string::npos) {
    throw GenericError("No X509 certificate found in the PEM data");
  }
  return pem.substr(begin, end + end_marker.size() - begin) + "\n";
}

}  // namespace

std::string ClusterDomainSecret(const Paths& paths) {
  const std::string file = paths.ClusterDomainSecretFile();
  if (!FileExists(file)) {
    throw OpPrereqError("The cluster domain secret " + file +
                            " is missing; remote import/export needs it (the same on both "
                            "clusters)",
                        kEcodeEnviron);
  }
  std::string secret = ReadFile(file);
  const auto newline = secret.find('\n');
  if (newline != std::string::npos) secret.resize(newline);
  if (secret.empty()) throw OpPrereqError("The cluster domain secret is empty", kEcodeEnviron);
  return secret;
}

std::string SaltedSha1Hmac(const std::string& key, const std::string& message,
                           const std::string& salt) {
  const std::string text = salt + message;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (!HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()),
            reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest, &length)) {
    throw GenericError("HMAC-SHA1 computation failed");
  }
  return Hex(digest, length);
}

std::string Sha1Hex(const std::string& text) {
  unsigned char md[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(text.data()), text.size(), md);
  return Hex(md, sizeof(md));
}

std::string RandomSecret(size_t bytes) {
  std::string buf(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(buf.data()), static_cast<int>(bytes)) != 1) {
    throw GenericError("Could not generate random data");
  }
  return Hex(reinterpret_cast<const unsigned char*>(buf.data()), bytes);
}

json::array RemoteExportHandshake(const std::string& cds) {
  const std::string salt = RandomSecret(8);
  return json::array{
      kRieVersion, SaltedSha1Hmac(cds, HandshakeMessage(std::to_string(kRieVersion)), salt), salt};
}

std::optional<std::string> CheckRemoteExportHandshake(const std::string& cds,
                                                      const json::value& handshake) {
  const auto* parts = handshake.if_array();
  if (!parts || parts->size() != 3) return "Invalid data: expected [version, hmac, salt]";
  const std::string version = Text((*parts)[0]);
  if (!SameText(SaltedSha1Hmac(cds, HandshakeMessage(version), Text((*parts)[2])),
                Text((*parts)[1]))) {
    return "Hash didn't match, clusters don't share the same domain secret";
  }
  if (version != std::to_string(kRieVersion)) {
    return "Clusters don't have the same remote import/export protocol (local=" +
           std::to_string(kRieVersion) + ", remote=" + version + ")";
  }
  return std::nullopt;
}

json::array RemoteImportDiskInfo(const std::string& cds, const std::string& salt, size_t index,
                                 const std::string& host, int64_t port, const std::string& magic) {
  const std::string hmac =
      SaltedSha1Hmac(cds, DiskInfoMessage(index, host, std::to_string(port), magic), salt);
  return json::array{json::value(host), port, json::value(magic), json::value(hmac),
                     json::value(salt)};
}

RemoteDiskDestination CheckRemoteExportDiskInfo(const std::string& cds, size_t index,
                                                const json::value& info) {
  const auto* parts = info.if_array();
  if (!parts || parts->size() != 5) {
    throw GenericError("Invalid data: expected [host, port, magic, hmac, salt]");
  }
  RemoteDiskDestination d;
  d.host = Text((*parts)[0]);
  const std::string port = Text((*parts)[1]);
  d.magic = Text((*parts)[2]);
  if (d.host.empty() || port.empty() || d.magic.empty() || (*parts)[0].is_null()) {
    throw GenericError("Missing destination host, port or magic");
  }
  if (!SameText(
          SaltedSha1Hmac(cds, DiskInfoMessage(index, d.host, port, d.magic), Text((*parts)[4])),
          Text((*parts)[3]))) {
    throw GenericError("HMAC is wrong");
  }
  try {
    size_t used = 0;
    d.port = std::stoll(port, &used);
    if (used != port.size() || d.port <= 0 || d.port > 65535) throw std::invalid_argument(port);
  } catch (const std::exception&) {
    throw GenericError("Invalid port '" + port + "'");
  }
  return d;
}

std::string SignX509Certificate(const std::string& cert_pem, const std::string& cds,
                                const std::string& salt) {
  const std::string cert = CertificateBlock(cert_pem);
  return std::string(kSignatureHeader) + ": " + salt + "/" + SaltedSha1Hmac(cds, cert, salt) +
         "\n\n" + cert;
}

std::string LoadSignedX509Certificate(const std::string& signed_pem, const std::string& cds) {
  static const std::regex signature(std::string("^") + kSignatureHeader +
                                    ":\\s*([0-9a-fA-F]+)/([0-9a-fA-F]+)$");
  std::optional<std::pair<std::string, std::string>> found;
  size_t start = 0;
  while (start < signed_pem.size()) {
    size_t end = signed_pem.find('\n', start);
    std::string line = signed_pem.substr(start, end == std::string::npos ? end : end - start);
    if (line.rfind("---", 0) == 0) break;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    std::smatch m;
    if (std::regex_match(line, m, signature)) {
      found = std::make_pair(m[1].str(), m[2].str());
      break;
    }
    if (end == std::string::npos) break;
    start = end + 1;
  }
  if (!found) throw GenericError("X509 certificate signature is missing");
  const std::string cert = CertificateBlock(signed_pem);
  if (!SameText(SaltedSha1Hmac(cds, cert, found->first), found->second)) {
    throw GenericError("X509 certificate signature is invalid");
  }
  return cert;
}

}  // namespace herd::master
