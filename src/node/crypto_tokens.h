// Ganeti's node_crypto_tokens RPC: the digest of the node's SSL client
// certificate, which the master records for master candidates.
#pragma once

#include <boost/json/array.hpp>

#include "base/paths.h"

namespace herd {

// `requests` is Ganeti's [[type, action, options], ...] with type "ssl";
// answers [[type, digest], ...]. Action "get" reads the certificate (the
// option "cert_file", else the node's certificate); "create" is refused: a
// Herd node authenticates with the cluster certificate, which `gnt-cluster
// renew-crypto --new-cluster-certificate` replaces.
boost::json::array NodeCryptoTokens(const Paths& paths, const boost::json::array& requests);

// The SHA-1 digest of the PEM certificate in `file`, as pyOpenSSL's
// X509.digest("sha1") writes it ("AB:01:...").
std::string CertificateDigest(const std::string& file);

}  // namespace herd
