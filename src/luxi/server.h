// LUXI server on a Unix socket: one thread per client connection (calls such
// as WaitForJobChange block), messages dispatched to one handler.
#pragma once

#include <boost/json/fwd.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace herd::luxi {

// Answers one call; throw GanetiError to answer with success=false.
using CallHandler =
    std::function<boost::json::value(const std::string& method, const boost::json::array& args)>;

class Server {
 public:
  Server(std::vector<std::string> socket_paths, CallHandler handler);
  ~Server();
  void Start();  // binds (replacing stale sockets) and accepts in the background
  void Stop();   // stops accepting; running calls finish

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Parses one request message and runs the handler; returns the wire response
// (without ETX). Exposed for tests: malformed requests become error answers.
std::string HandleMessage(const std::string& message, const CallHandler& handler);

}  // namespace herd::luxi
