// An HTTPS server (OpenSSL on asio sockets, Beast's request parser) calling
// one synchronous handler per request; keep-alive, body size limit, optional client-certificate
// check.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "net/http_types.h"

namespace herd::net {

struct HttpsServerOptions;

// For a process about to fork many servers: loads OpenSSL's algorithms and
// builds the TLS context of `options` once. A server of this process (or of
// a child forked after) whose certificate files hold the same contents
// starts with that context instead of building its own.
void PrepareTlsForServers(const HttpsServerOptions& options);

struct HttpsServerOptions {
  std::string address;  // IPv4 address to bind
  uint16_t port = 0;
  std::string pem_file;                     // certificate and key
  bool require_client_certificate = false;  // peer must present `pem_file`'s certificate
  // Further certificates accepted from clients, where these files exist (a
  // certificate renewal under way).
  std::vector<std::string> extra_trusted_files;
  // Before each new connection, the certificate files are looked at again and
  // reloaded when they changed: a renewed certificate is served at once.
  bool reload_on_change = false;
  size_t max_body_bytes = 64 * 1024 * 1024;
  // How long a kept-alive connection may wait for its next request. A
  // client that keeps connections to many servers (the master to every
  // node) needs them open longer than it idles between calls: a new
  // connection costs both ends a TLS handshake.
  std::chrono::seconds idle_timeout{120};
  int threads = 1;
  // Requests for which this returns true (an OS script, say) are handled on
  // a thread of their own, so that they do not hold up the others; all other
  // handlers run on the I/O thread, which is cheapest.
  std::function<bool(const HttpRequest&)> runs_long;
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

class HttpsServer {
 public:
  HttpsServer(HttpsServerOptions options, HttpHandler handler);
  ~HttpsServer();
  HttpsServer(const HttpsServer&) = delete;
  HttpsServer& operator=(const HttpsServer&) = delete;

  // Binds (throws GanetiError if the address is taken), then serves until
  // Stop(). Run blocks SIGPIPE on its thread (see BlockSigpipeOnThisThread).
  void Bind();
  void Run();
  void Stop();  // safe from a signal-watching thread
  uint16_t bound_port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace herd::net
