// Peers accepted by their exact certificate. The cluster's certificates are
// self-signed and share one subject, so while a renewal has two of them in a
// trust store OpenSSL may pick the wrong one as "issuer" and fail; comparing
// the peer's certificate with each trusted one does not depend on that.
// Internal to net/: include only from .cc files.
#pragma once

#include <openssl/pem.h>
#include <openssl/x509.h>

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>
#include <vector>

#include "base/errors.h"
#include "base/files.h"

namespace herd::net {

// DER encodings of every certificate in the PEM files.
inline std::shared_ptr<const std::vector<std::string>> PinnedCertificates(
    const std::vector<std::string>& pem_files) {
  auto out = std::make_shared<std::vector<std::string>>();
  for (const auto& file : pem_files) {
    const std::string pem = ReadFile(file);
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    while (X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
      unsigned char* der = nullptr;
      const int n = i2d_X509(cert, &der);
      if (n > 0) out->emplace_back(reinterpret_cast<const char*>(der), static_cast<size_t>(n));
      OPENSSL_free(der);
      X509_free(cert);
    }
    BIO_free(bio);
  }
  if (out->empty()) throw GenericError("no certificate to trust in the given files");
  return out;
}

// Accepts a peer whose own certificate is one of `pinned`, or whose chain
// OpenSSL verified against the trust store (holding only those).
inline void PinPeerCertificates(boost::asio::ssl::context& context,
                                std::shared_ptr<const std::vector<std::string>> pinned) {
  context.set_verify_callback([pinned](bool preverified, boost::asio::ssl::verify_context& verify) {
    if (preverified) return true;
    X509_STORE_CTX* store = verify.native_handle();
    X509* peer = X509_STORE_CTX_get0_cert(store);  // the peer's own certificate
    if (!peer) return false;
    unsigned char* der = nullptr;
    const int n = i2d_X509(peer, &der);
    bool match = false;
    if (n > 0) {
      const std::string encoded(reinterpret_cast<const char*>(der), static_cast<size_t>(n));
      for (const auto& p : *pinned) match = match || p == encoded;
    }
    OPENSSL_free(der);
    if (match) X509_STORE_CTX_set_error(store, X509_V_OK);
    return match;
  });
}

}  // namespace herd::net
