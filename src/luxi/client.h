// LUXI client: Ganeti's Unix-socket protocol to the master daemon
// ({"method", "args", "version"} -> {"success", "result"}).
#pragma once

#include <boost/json/fwd.hpp>
#include <string>
#include <string_view>

namespace herd::luxi {

class Client {
 public:
  explicit Client(std::string socket_path, double timeout_seconds = 60);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Sends one call and returns its result; a failure result is raised as the
  // GanetiError it encodes; connection problems raise LuxiError.
  boost::json::value Call(std::string_view method, const boost::json::array& args);
  void set_timeout(double seconds) { timeout_seconds_ = seconds; }

 private:
  void Connect();
  std::string socket_path_;
  double timeout_seconds_;
  int fd_ = -1;
  std::string pending_;
};

// Waits until a master daemon answers on `socket_path` (after a start);
// throws the last connection error after `timeout_seconds`.
void WaitUntilServing(const std::string& socket_path, double timeout_seconds);

}  // namespace herd::luxi
