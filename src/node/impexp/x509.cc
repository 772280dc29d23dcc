#include "node/impexp/x509.h"

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include <cerrno>
#include <ctime>
#include <filesystem>
#include <functional>
#include <memory>

#include "base/errors.h"
#include "base/files.h"
#include "node/impexp/layout.h"

namespace herd::impexp {
namespace {

template <typename T, void (*F)(T*)>
struct Free {
  void operator()(T* p) const { F(p); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, Free<EVP_PKEY, EVP_PKEY_free>>;
using CertPtr = std::unique_ptr<X509, Free<X509, X509_free>>;
using BioPtr = std::unique_ptr<BIO, Free<BIO, BIO_free_all>>;

std::string Pem(const std::function<int(BIO*)>& write) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || write(bio.get()) != 1) throw GenericError("cannot encode PEM");
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(length));
}

void CheckName(const std::string& name) {
  if (name.rfind("x509-", 0) != 0 || name.find('/') != std::string::npos || name.size() > 100) {
    throw GenericError("Invalid X509 key name '" + name + "'");
  }
}

}  // namespace

std::string X509KeyFile(const Paths& paths, const std::string& name) {
  return CryptoKeysDir(paths) + "/" + name + "/key";
}

std::string X509CertFile(const Paths& paths, const std::string& name) {
  return CryptoKeysDir(paths) + "/" + name + "/cert";
}

std::pair<std::string, std::string> CreateX509Certificate(const Paths& paths,
                                                          int64_t validity_seconds) {
  if (validity_seconds <= 0) throw GenericError("The certificate validity must be positive");
  validity_seconds = std::min(validity_seconds, kMaxX509ValiditySeconds);

  KeyPtr key(EVP_EC_gen("P-256"));
  if (!key) throw GenericError("cannot generate a key for the X509 certificate");
  CertPtr cert(X509_new());
  X509_set_version(cert.get(), 2);
  unsigned char serial[8];
  if (RAND_bytes(serial, sizeof(serial)) != 1) throw GenericError("no randomness for a serial");
  serial[0] &= 0x7f;  // positive
  std::unique_ptr<BIGNUM, Free<BIGNUM, BN_free>> bn(BN_bin2bn(serial, sizeof(serial), nullptr));
  BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert.get()));
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(validity_seconds));
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* subject = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(paths.hostname().c_str()), -1,
                             -1, 0);
  X509_set_issuer_name(cert.get(), subject);
  if (!X509_sign(cert.get(), key.get(), EVP_sha256())) {
    throw GenericError("cannot sign the X509 certificate");
  }
  const std::string key_pem = Pem([&](BIO* b) {
    return PEM_write_bio_PrivateKey(b, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  });
  const std::string cert_pem = Pem([&](BIO* b) { return PEM_write_bio_X509(b, cert.get()); });

  const std::string dir = CryptoKeysDir(paths);
  MakeDirsWithMode(dir, 0700);
  static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  for (int attempt = 0; attempt < 10; ++attempt) {
    unsigned char random[6];
    if (RAND_bytes(random, sizeof(random)) != 1) throw GenericError("no randomness for a name");
    std::string name = "x509-" + std::to_string(std::time(nullptr)) + "-";
    for (unsigned char c : random) name += alphabet[c % 36];
    const std::string key_dir = dir + "/" + name;
    if (::mkdir(key_dir.c_str(), 0700) != 0) {
      if (errno == EEXIST) continue;
      throw SystemError("creating " + key_dir, errno);
    }
    WriteFileAtomic(X509KeyFile(paths, name), key_pem, 0400);
    WriteFileAtomic(X509CertFile(paths, name), cert_pem, 0400);
    return {name, cert_pem};
  }
  throw GenericError("cannot find a free name for an X509 certificate in " + dir);
}

void RemoveX509Certificate(const Paths& paths, const std::string& name) {
  CheckName(name);
  const std::string key_dir = CryptoKeysDir(paths) + "/" + name;
  if (!FileExists(key_dir)) throw GenericError("X509 certificate '" + name + "' does not exist");
  std::error_code ec;
  std::filesystem::remove_all(key_dir, ec);
  if (ec) throw GenericError("removing X509 certificate '" + name + "': " + ec.message());
}

}  // namespace herd::impexp
