// X509 keys for transfers between clusters (Ganeti's x509_cert_create /
// x509_cert_remove): a self-signed key and certificate per transfer, in
// <run dir>/crypto/<name>/{key,cert}.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "base/paths.h"

namespace herd::impexp {

// Ganeti's _MAX_SSL_CERT_VALIDITY for these certificates: 7 days.
inline constexpr int64_t kMaxX509ValiditySeconds = 7 * 24 * 3600;

// A new key and certificate valid for `validity_seconds` (at most 7 days);
// returns its name ("x509-<unixtime>-<random6>") and the certificate PEM.
std::pair<std::string, std::string> CreateX509Certificate(const Paths& paths,
                                                          int64_t validity_seconds);
void RemoveX509Certificate(const Paths& paths, const std::string& name);

// The key and certificate files of the X509 key `name`.
std::string X509KeyFile(const Paths& paths, const std::string& name);
std::string X509CertFile(const Paths& paths, const std::string& name);

}  // namespace herd::impexp
