// The transport of one transfer: a single TLS stream over TCP between the
// exporting and the importing helper, both sides presenting a certificate
// that the other verifies against its CA (Ganeti's socat OPENSSL-LISTEN /
// OPENSSL with verify=1). Blocking sockets; a Cancellation shuts them down.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "node/impexp/cancellation.h"

namespace herd::impexp {

struct TlsCredentials {
  std::string key_file, cert_file, ca_file;
};

using Deadline = std::chrono::steady_clock::time_point;
using LogLine = std::function<void(const std::string&)>;

// One established connection whose peer passed verification.
class TlsChannel {
 public:
  struct Impl;
  explicit TlsChannel(std::unique_ptr<Impl> impl);
  ~TlsChannel();
  TlsChannel(const TlsChannel&) = delete;
  TlsChannel& operator=(const TlsChannel&) = delete;

  // Up to `size` bytes; 0 once the peer has ended the stream cleanly
  // (close_notify). A connection that just drops is an error, so a
  // truncated stream is never taken for a complete one.
  size_t Read(char* buffer, size_t size);
  // Whether Read would return without waiting.
  bool Readable() const;
  // Sends `size` bytes (and everything before them) to the peer.
  void Write(const char* data, size_t size);
  // Ends the stream (close_notify). With `await_peer` (the exporter), also
  // waits up to `timeout` for the peer's close_notify, which the importer
  // sends once it has received everything: throws if it does not come.
  // Without (the importer), never throws.
  void Close(bool await_peer, std::chrono::seconds timeout);
  const std::string& peer() const;
  std::string cipher() const;  // "TLSv1.2 ECDHE-ECDSA-AES256-GCM-SHA384"

 private:
  void Flush();

  std::unique_ptr<Impl> impl_;
};

class TlsListener {
 public:
  // Binds `address` on a port the kernel chooses and listens.
  TlsListener(const TlsCredentials& credentials, const std::string& address, bool ipv6,
              Cancellation& cancellation);
  ~TlsListener();
  int port() const { return port_; }
  // Accepts connections until one completes a verified handshake (the others
  // are refused and reported to `log`); throws once `deadline` passes.
  std::unique_ptr<TlsChannel> AcceptOne(Deadline deadline, const LogLine& log);

 private:
  struct Context;
  std::unique_ptr<Context> context_;
  Cancellation& cancellation_;
  int fd_ = -1;
  int port_ = 0;
};

// Connects to host:port (an address), retrying refused or unreachable
// attempts until `deadline`; a failed handshake (a certificate either side
// refuses) fails at once.
std::unique_ptr<TlsChannel> TlsConnect(const TlsCredentials& credentials, const std::string& host,
                                       int port, bool ipv6, Deadline deadline,
                                       Cancellation& cancellation, const LogLine& log);

}  // namespace herd::impexp
