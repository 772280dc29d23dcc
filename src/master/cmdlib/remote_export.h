// Ganeti's remote import/export protocol (moving an instance between two
// clusters that share a cluster domain secret): the handshake, the signed
// per-disk destinations and the signed X509 certificates the two clusters
// exchange, each an HMAC-SHA1 under the domain secret with a salt.
#pragma once

#include <boost/json/array.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "base/paths.h"

namespace herd::master {

inline constexpr int kRieVersion = 0;
inline constexpr int kRieCertValiditySeconds = 86400;
inline constexpr int kRieConnectTimeoutSeconds = 180;

// The cluster domain secret (its file's one line); OpPrereqError if missing.
std::string ClusterDomainSecret(const Paths& paths);
// Ganeti's Sha1Hmac: hex HMAC-SHA1 of salt + message.
std::string SaltedSha1Hmac(const std::string& key, const std::string& message,
                           const std::string& salt);
// Hex SHA-1 of `text`.
std::string Sha1Hex(const std::string& text);
// 2 * `bytes` random hex characters (Ganeti's GenerateSecret).
std::string RandomSecret(size_t bytes);

// [version, hmac, salt] (ComputeRemoteExportHandshake).
boost::json::array RemoteExportHandshake(const std::string& cds);
// Why a peer's handshake is refused, or nothing when it is good.
std::optional<std::string> CheckRemoteExportHandshake(const std::string& cds,
                                                      const boost::json::value& handshake);

// [host, port, magic, hmac, salt] for disk `index` (ComputeRemoteImportDiskInfo).
boost::json::array RemoteImportDiskInfo(const std::string& cds, const std::string& salt,
                                        size_t index, const std::string& host, int64_t port,
                                        const std::string& magic);
struct RemoteDiskDestination {
  std::string host;
  int64_t port = 0;
  std::string magic;
};
// Checks a destination received for disk `index`; GenericError when wrong.
RemoteDiskDestination CheckRemoteExportDiskInfo(const std::string& cds, size_t index,
                                                const boost::json::value& info);

// "X-Ganeti-Signature: salt/hmac", an empty line, then the certificate.
std::string SignX509Certificate(const std::string& cert_pem, const std::string& cds,
                                const std::string& salt);
// The certificate of a signed PEM after checking its signature;
// GenericError when it is missing or wrong.
std::string LoadSignedX509Certificate(const std::string& signed_pem, const std::string& cds);

}  // namespace herd::master
