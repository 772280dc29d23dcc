#include "net/tls.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <cstdio>
#include <memory>

#include "base/errors.h"
#include "base/files.h"

namespace herd::net {
namespace {
template <typename T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using EvpKey = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;

std::string BioToString(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(len));
}
}  // namespace

void GenerateSelfSignedCertificate(const std::string& pem_path, const std::string& common_name,
                                   int days) {
  // ECDSA P-256: TLS handshakes cost a fraction of RSA-2048's, which matters
  // when the master talks to hundreds of node daemons at once.
  EvpKey key(EVP_EC_gen("P-256"));
  if (!key) throw GenericError("cannot generate EC key for " + pem_path);
  X509Ptr cert(X509_new());
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), static_cast<long>(time(nullptr)));
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(days) * 86400);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                             0);
  X509_set_issuer_name(cert.get(), name);
  if (!X509_sign(cert.get(), key.get(), EVP_sha256())) {
    throw GenericError("cannot sign certificate for " + pem_path);
  }
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  PEM_write_bio_X509(bio.get(), cert.get());
  WriteFileAtomic(pem_path, BioToString(bio.get()), 0600);
}

std::string CertificateDigest(const std::string& pem_path) {
  std::string pem = ReadFile(pem_path);
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) throw GenericError("no certificate found in " + pem_path);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  X509_digest(cert.get(), EVP_sha1(), md, &n);
  std::string out;
  char buf[4];
  for (unsigned i = 0; i < n; ++i) {
    std::snprintf(buf, sizeof(buf), "%02X", md[i]);
    if (i) out += ':';
    out += buf;
  }
  return out;
}

std::string CertificateProblem(const std::string& pem, bool need_key) {
  BioPtr cert_bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  X509Ptr cert(PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr));
  if (!cert) return "Unable to load certificate: no PEM certificate found";
  if (!need_key) return "";
  BioPtr key_bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  // No pass phrase prompt: an encrypted key is refused like a missing one.
  pem_password_cb* no_pass_phrase = [](char*, int, int, void*) -> int { return 0; };
  EvpKey key(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, no_pass_phrase, nullptr));
  if (!key) return "Unable to load private key: no PEM private key found";
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    return "Private key does not match the certificate";
  }
  return "";
}

}  // namespace herd::net
