// HTTPS client for node RPC and other peers: many requests in parallel, each
// authenticated with a client certificate, over kept-alive connections.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "net/http_types.h"

namespace herd::net {

struct OutgoingRequest {
  std::string address;  // IPv4 address
  uint16_t port = 0;
  std::string method = "PUT";
  std::string target;
  std::string body;
};

struct HttpResult {
  bool transport_ok = false;  // false: connection, TLS or timeout failure (see error)
  int status = 0;
  std::string body;
  std::string error;
};

class HttpsClient {
 public:
  // `pem_file` holds the certificate and key presented to servers; servers
  // must present a certificate signed by (or equal to) `ca_file`'s. An empty
  // `ca_file` disables server verification (RAPI clients of self-signed certs).
  HttpsClient(std::string pem_file, std::string ca_file);
  ~HttpsClient();

  std::vector<HttpResult> RequestParallel(const std::vector<OutgoingRequest>& requests,
                                          std::chrono::milliseconds timeout) const;
  HttpResult Request(const OutgoingRequest& request, std::chrono::milliseconds timeout) const;

  struct Impl;  // the connection pool and its I/O threads (opaque)

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace herd::net
