// Cluster certificates: a self-signed certificate + key in one PEM file, as
// Ganeti's server.pem / rapi.pem.
#pragma once

#include <string>

namespace herd::net {

// Writes a new self-signed (ECDSA P-256) certificate for `common_name` with its key to
// `pem_path` (crash-safe, mode 0400-ish), valid for `days`.
void GenerateSelfSignedCertificate(const std::string& pem_path, const std::string& common_name,
                                   int days = 365 * 5);
// SHA-1 digest of the certificate in `pem_path`, "AA:BB:..." as Ganeti prints it.
std::string CertificateDigest(const std::string& pem_path);

// Checks that `pem` holds a certificate and, with `need_key`, the private key
// that belongs to it; returns why not ("" when it does).
std::string CertificateProblem(const std::string& pem, bool need_key);

}  // namespace herd::net
