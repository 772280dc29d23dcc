#include "node/crypto_tokens.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdio>
#include <memory>

#include "base/errors.h"
#include "base/files.h"

namespace herd {

std::string CertificateDigest(const std::string& file) {
  const std::string pem = ReadFile(file);
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), int(pem.size())),
                                                BIO_free);
  std::unique_ptr<X509, decltype(&X509_free)> cert(
      bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr, X509_free);
  if (!cert) throw GenericError("No certificate found in '" + file + "'");
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (X509_digest(cert.get(), EVP_sha1(), md, &length) != 1) {
    throw GenericError("Could not compute the digest of '" + file + "'");
  }
  std::string digest;
  char byte[4];
  for (unsigned int i = 0; i < length; ++i) {
    std::snprintf(byte, sizeof byte, "%02X", md[i]);
    digest += (i ? ":" : "") + std::string(byte);
  }
  return digest;
}

boost::json::array NodeCryptoTokens(const Paths& paths, const boost::json::array& requests) {
  boost::json::array answers;
  for (const auto& request : requests) {
    const auto* fields = request.if_array();
    if (!fields || fields->size() != 3 || !(*fields)[0].is_string() || !(*fields)[1].is_string()) {
      throw GenericError("node_crypto_tokens: each request is [type, action, options]");
    }
    const std::string type((*fields)[0].get_string()), action((*fields)[1].get_string());
    if (type != "ssl") {
      throw GenericError("Token type '" + type + "' not supported or not implemented yet.");
    }
    if (action == "create") {
      throw GenericError(
          "This node authenticates with the cluster certificate and has no client certificate "
          "of its own to create; replace the cluster certificate instead (gnt-cluster "
          "renew-crypto --new-cluster-certificate)");
    }
    if (action != "get") throw GenericError("Unknown action '" + action + "' for token 'ssl'");
    std::string file = paths.NodedCertFile();
    if (const auto* options = (*fields)[2].if_object()) {
      if (auto it = options->find("cert_file"); it != options->end() && it->value().is_string()) {
        file = std::string(it->value().get_string());
      }
    }
    answers.push_back(boost::json::array{type, CertificateDigest(file)});
  }
  return answers;
}

}  // namespace herd
