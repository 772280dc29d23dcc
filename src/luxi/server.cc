#include "luxi/server.h"

#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <thread>

#include "base/errors.h"
#include "base/json.h"
#include "luxi/framing.h"

namespace herd::luxi {

namespace {

// The answer made in the result's own storage: a query's rows, built in an
// arena, are moved into it rather than copied out element by element.
std::string Reply(bool success, json::value result, const json::value& version) {
  json::object response(result.storage());
  response["success"] = success;
  response["result"] = std::move(result);
  if (!version.is_null()) response["version"] = version;
  return SerializeJson(response);
}

}  // namespace

std::string HandleMessage(const std::string& message, const CallHandler& handler) {
  json::value version;
  try {
    json::value request;
    try {
      request = ParseJson(message, "LUXI request");
    } catch (const GanetiError& e) {
      throw GanetiError("ProtocolError",
                        {"Invalid RPC request (parsing error): " + std::string(e.args().at(0))});
    }
    if (!request.is_object())
      throw GanetiError("ProtocolError", {"Invalid RPC request (not a dict)"});
    const auto& obj = request.get_object();
    auto method = obj.find("method");
    auto args = obj.find("args");
    if (method == obj.end() || args == obj.end() || !method->value().is_string()) {
      throw GanetiError("ProtocolError",
                        {"Invalid RPC request (no method or arguments in request)"});
    }
    if (auto v = obj.find("version"); v != obj.end()) version = v->value();
    json::array arg_list;
    if (args->value().is_array()) {
      arg_list = std::move(request.get_object()["args"].get_array());
    } else {
      arg_list.push_back(args->value());  // Ganeti allows a bare single argument
    }
    return Reply(true, handler(std::string(method->value().get_string()), arg_list), version);
  } catch (const GanetiError& e) {
    return Reply(false, EncodeError(e), version);
  } catch (const std::exception& e) {
    spdlog::error("LUXI call failed unexpectedly: {}", e.what());
    return Reply(false, EncodeError(GenericError(std::string("Internal error: ") + e.what())),
                 version);
  }
}

struct Server::Impl {
  std::vector<std::string> paths;
  CallHandler handler;
  std::vector<int> listen_fds;
  std::atomic<bool> stopping{false};
  std::thread acceptor;
  std::mutex mu;
  std::vector<std::thread> sessions;

  void Session(int fd) {
    MessageBuffer buffer;
    char chunk[65536];
    for (;;) {
      ssize_t n = ::recv(fd, chunk, sizeof(chunk), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      buffer.Append(std::string_view(chunk, static_cast<size_t>(n)));
      if (buffer.pending_bytes() > kMaxMessageBytes) {
        spdlog::warn("LUXI client sent more than {} bytes without a message end; closing",
                     kMaxMessageBytes);
        break;
      }
      bool write_failed = false;
      while (auto msg = buffer.Next()) {
        std::string reply = HandleMessage(*msg, handler);
        reply.push_back(kEndOfMessage);
        std::string_view rest = reply;
        while (!rest.empty()) {
          ssize_t w = ::send(fd, rest.data(), rest.size(), MSG_NOSIGNAL);
          if (w < 0 && errno == EINTR) continue;
          if (w <= 0) {
            write_failed = true;
            break;
          }
          rest.remove_prefix(static_cast<size_t>(w));
        }
        if (write_failed) break;
      }
      if (write_failed) break;
    }
    ::close(fd);
  }

  void AcceptLoop() {
    std::vector<pollfd> pfds;
    for (int fd : listen_fds) pfds.push_back({fd, POLLIN, 0});
    while (!stopping) {
      int rc = ::poll(pfds.data(), pfds.size(), 200);
      if (rc <= 0) continue;
      for (auto& p : pfds) {
        if (!(p.revents & POLLIN)) continue;
        int fd = ::accept4(p.fd, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) continue;
        std::thread t([this, fd] { Session(fd); });
        t.detach();  // sessions end when their client disconnects
      }
    }
  }
};

Server::Server(std::vector<std::string> socket_paths, CallHandler handler)
    : impl_(std::make_unique<Impl>()) {
  impl_->paths = std::move(socket_paths);
  impl_->handler = std::move(handler);
}

Server::~Server() { Stop(); }

void Server::Start() {
  for (const auto& path : impl_->paths) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw SystemError("socket", errno);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof(addr.sun_path)) {
      throw GenericError("socket path too long (max " + std::to_string(sizeof(addr.sun_path) - 1) +
                         " bytes): " + path + "; use a shorter cluster directory");
    }
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    ::unlink(path.c_str());  // a stale socket from a killed daemon
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      throw SystemError("bind " + path, errno);
    }
    ::chmod(path.c_str(), 0660);
    if (::listen(fd, 128) != 0) throw SystemError("listen " + path, errno);
    impl_->listen_fds.push_back(fd);
  }
  impl_->acceptor = std::thread([this] { impl_->AcceptLoop(); });
}

void Server::Stop() {
  if (impl_->stopping.exchange(true)) return;
  if (impl_->acceptor.joinable()) impl_->acceptor.join();
  for (int fd : impl_->listen_fds) ::close(fd);
}

}  // namespace herd::luxi
