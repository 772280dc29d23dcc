// confd's UDP endpoint: one socket, one thread; answers each datagram at
// once and polls the configuration between datagrams.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace herd::confd {

class ConfigFollower;

struct UdpServerOptions {
  std::string address = "0.0.0.0";
  uint16_t port = 0;  // 0: any free port (tests)
  std::string hmac_key;
  // Where the key came from: read again when it changes (gnt-cluster
  // renew-crypto --new-confd-hmac-key), checked as often as the config.
  std::string hmac_key_file;
  std::chrono::milliseconds config_poll_interval{250};
};

class UdpServer {
 public:
  UdpServer(UdpServerOptions options, ConfigFollower& follower);
  ~UdpServer();
  UdpServer(const UdpServer&) = delete;
  UdpServer& operator=(const UdpServer&) = delete;

  // Binds the socket; throws GenericError when the address is taken.
  void Bind();
  // To be called in the child after the process forked (daemonizing).
  void AfterFork();
  uint16_t bound_port() const;
  // Serves until Stop() or SIGTERM/SIGINT (when `handle_signals`).
  void Run(bool handle_signals);
  // Thread-safe.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace herd::confd
