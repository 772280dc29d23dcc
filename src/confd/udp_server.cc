#include "confd/udp_server.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <ctime>

#include "base/errors.h"
#include "base/files.h"
#include "confd/config_follower.h"
#include "confd/protocol.h"
#include "confd/responder.h"

namespace herd::confd {
namespace asio = boost::asio;
using udp = asio::ip::udp;

struct UdpServer::Impl {
  UdpServerOptions options;
  ConfigFollower& follower;
  asio::io_context io{1};
  udp::socket socket{io};
  asio::steady_timer poll_timer{io};
  std::unique_ptr<asio::signal_set> signals;
  // One byte more than Ganeti reads, so that a longer datagram is noticed.
  std::array<char, kMaxRequestBytes + 1> buffer{};
  udp::endpoint peer;

  Impl(UdpServerOptions o, ConfigFollower& f) : options(std::move(o)), follower(f) {}

  void Receive() {
    socket.async_receive_from(asio::buffer(buffer), peer,
                              [this](const boost::system::error_code& ec, size_t bytes) {
                                if (ec == asio::error::operation_aborted) return;
                                if (!ec) Handle(bytes);
                                Receive();
                              });
  }

  void Handle(size_t bytes) {
    if (bytes > kMaxRequestBytes) {
      spdlog::info("dropped an oversized datagram from {}", peer.address().to_string());
      return;
    }
    std::string why;
    auto reply = Respond(std::string_view(buffer.data(), bytes), options.hmac_key,
                         static_cast<int64_t>(std::time(nullptr)), follower.config(),
                         follower.error(), &why);
    if (!reply) {
      spdlog::info("dropped a request from {}: {}", peer.address().to_string(), why);
      return;
    }
    boost::system::error_code ec;
    socket.send_to(asio::buffer(*reply), peer, 0, ec);
    if (ec) spdlog::warn("cannot answer {}: {}", peer.address().to_string(), ec.message());
  }

  std::string key_signature;  // of hmac_key_file when the key was read

  static std::string FileSignature(const std::string& file) {
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0) return "";
    return std::to_string(st.st_ino) + ":" + std::to_string(st.st_size) + ":" +
           std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec);
  }

  void ReloadKeyIfChanged() {
    if (options.hmac_key_file.empty()) return;
    std::string signature = FileSignature(options.hmac_key_file);
    if (signature.empty() || signature == key_signature) return;
    std::string key = ReadFile(options.hmac_key_file);
    if (key.empty()) return;  // being replaced: keep the last key
    if (!key_signature.empty() && key != options.hmac_key) {
      spdlog::info("HMAC key {} reloaded", options.hmac_key_file);
    }
    options.hmac_key = std::move(key);
    key_signature = std::move(signature);
  }

  void PollConfig() {
    try {
      ReloadKeyIfChanged();
      follower.Poll();
    } catch (const std::exception& e) {
      spdlog::error("reading the configuration failed: {}", e.what());
    }
    poll_timer.expires_after(options.config_poll_interval);
    poll_timer.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) PollConfig();
    });
  }
};

UdpServer::UdpServer(UdpServerOptions options, ConfigFollower& follower)
    : impl_(std::make_unique<Impl>(std::move(options), follower)) {}

UdpServer::~UdpServer() = default;

void UdpServer::Bind() {
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(impl_->options.address, ec);
  if (ec) throw GenericError("invalid bind address " + impl_->options.address);
  const udp::endpoint endpoint(address, impl_->options.port);
  // No SO_REUSEADDR: on Linux it would let a second confd share the address.
  impl_->socket.open(endpoint.protocol(), ec);
  if (!ec) impl_->socket.bind(endpoint, ec);
  if (ec) {
    throw GenericError("cannot bind " + impl_->options.address + ":" +
                       std::to_string(impl_->options.port) + "/udp: " + ec.message());
  }
}

void UdpServer::AfterFork() { impl_->io.notify_fork(asio::execution_context::fork_child); }

uint16_t UdpServer::bound_port() const { return impl_->socket.local_endpoint().port(); }

void UdpServer::Run(bool handle_signals) {
  if (handle_signals) {
    impl_->signals = std::make_unique<asio::signal_set>(impl_->io, SIGTERM, SIGINT);
    impl_->signals->async_wait([this](const boost::system::error_code& ec, int sig) {
      if (ec) return;
      spdlog::info("received signal {}, shutting down", sig);
      impl_->io.stop();
    });
  }
  impl_->PollConfig();
  impl_->Receive();
  impl_->io.run();
}

void UdpServer::Stop() {
  asio::post(impl_->io, [this] { impl_->io.stop(); });
}

}  // namespace herd::confd
