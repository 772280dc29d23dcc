// HTTPS client for node RPC and other peers: many requests in parallel, each
// authenticated with a client certificate, over kept-alive connections.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "net/http_types.h"

namespace herd::net {

struct OutgoingRequest {
  std::string address;  // IPv4 address
  uint16_t port = 0;
  std::string method = "PUT";
  std::string target;
  // Shared: a call to a thousand nodes sends one body, not a thousand copies.
  std::shared_ptr<const std::string> body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra request headers
};

// How a request reached its server: over a kept-alive connection, a new
// connection resuming an earlier TLS session, or a full TLS handshake.
enum class ConnectionKind { kNone, kPooled, kResumed, kFull };

struct HttpResult {
  bool transport_ok = false;  // false: connection, TLS or timeout failure (see error)
  ConnectionKind connection = ConnectionKind::kNone;
  int status = 0;
  std::string body;
  std::string error;
};

class HttpsClient {
 public:
  // `pem_file` holds the certificate and key presented to servers; servers
  // must present a certificate signed by (or equal to) `ca_file`'s. An empty
  // `ca_file` disables server verification (RAPI clients of self-signed certs).
  // At most `max_idle_connections` connections stay open between requests,
  // each for at most `max_idle_time`: less than the servers' idle timeout,
  // so that a kept connection is not one the server is just closing.
  HttpsClient(std::string pem_file, std::string ca_file, size_t max_idle_connections = 64,
              std::chrono::seconds max_idle_time = std::chrono::seconds(50));
  ~HttpsClient();

  // From now on presents `pem_file` and accepts servers presenting any of
  // `ca_files`' certificates; kept connections and sessions are dropped.
  // Requests under way finish with the certificates they started with.
  void Reload(const std::string& pem_file, const std::vector<std::string>& ca_files);

  std::vector<HttpResult> RequestParallel(const std::vector<OutgoingRequest>& requests,
                                          std::chrono::milliseconds timeout) const;
  HttpResult Request(const OutgoingRequest& request, std::chrono::milliseconds timeout) const;

  struct Impl;  // the connection pool and its I/O threads (opaque)

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace herd::net
