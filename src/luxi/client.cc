#include "luxi/client.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "base/errors.h"
#include "base/json.h"
#include "luxi/framing.h"

namespace herd::luxi {

Client::Client(std::string socket_path, double timeout_seconds)
    : socket_path_(std::move(socket_path)), timeout_seconds_(timeout_seconds) {}

Client::~Client() {
  if (fd_ >= 0) ::close(fd_);
}

void Client::Connect() {
  fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw LuxiError(std::string("cannot create socket: ") + std::strerror(errno));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path_.size() >= sizeof(addr.sun_path)) {
    throw LuxiError("socket path too long: " + socket_path_);
  }
  std::memcpy(addr.sun_path, socket_path_.c_str(), socket_path_.size() + 1);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    int err = errno;
    ::close(fd_);
    fd_ = -1;
    throw GanetiError("NoMasterError",
                      {"Cannot communicate with the master daemon (" + socket_path_ +
                       "): " + std::strerror(err) + ". Is the master daemon running?"});
  }
}

json::value Client::Call(std::string_view method, const json::array& args) {
  if (fd_ < 0) Connect();
  json::object request{{"method", method}, {"args", args}};
  std::string wire = SerializeJson(request);
  wire.push_back(kEndOfMessage);
  std::string_view rest = wire;
  while (!rest.empty()) {
    ssize_t n = ::send(fd_, rest.data(), rest.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw LuxiError(std::string("error sending request: ") + std::strerror(errno));
    }
    rest.remove_prefix(static_cast<size_t>(n));
  }
  MessageBuffer buffer;
  buffer.Append(pending_);
  pending_.clear();
  auto deadline = std::chrono::steady_clock::now() +
                  std::chrono::milliseconds(static_cast<int64_t>(timeout_seconds_ * 1000));
  std::optional<std::string> message;
  char chunk[65536];
  while (!(message = buffer.Next())) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0)
      throw GanetiError("TimeoutError", {"Timeout waiting for the master daemon's answer to " +
                                         std::string(method)});
    pollfd pfd{fd_, POLLIN, 0};
    int rc = ::poll(&pfd, 1, static_cast<int>(left));
    if (rc < 0 && errno != EINTR) throw LuxiError(std::string("poll: ") + std::strerror(errno));
    if (rc <= 0) continue;
    ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      throw GanetiError("ConnectionClosedError",
                        {"Connection closed by the master daemon while waiting for an answer"});
    buffer.Append(std::string_view(chunk, static_cast<size_t>(n)));
  }
  while (auto extra = buffer.Next()) pending_ += *extra + kEndOfMessage;
  json::value response = ParseJsonInArena(*message, "LUXI response");
  if (!response.is_object() || !response.as_object().contains("success") ||
      !response.as_object().contains("result")) {
    throw GanetiError("ProtocolError", {"Invalid response from server: " + *message});
  }
  auto& obj = response.as_object();
  if (obj.at("success").is_bool() && obj.at("success").get_bool()) {
    return std::move(obj.at("result"));  // a large answer is not copied
  }
  throw DecodeError(obj.at("result"));
}

void WaitUntilServing(const std::string& socket_path, double timeout_seconds) {
  auto deadline = std::chrono::steady_clock::now() +
                  std::chrono::milliseconds(static_cast<int64_t>(timeout_seconds * 1000));
  for (;;) {
    try {
      Client client(socket_path, 5);
      client.Call("QueryClusterInfo", json::array{});
      return;
    } catch (const GanetiError&) {
      if (std::chrono::steady_clock::now() > deadline) throw;
      ::usleep(20 * 1000);
    }
  }
}

}  // namespace herd::luxi
