#include "net/https_client.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <latch>
#include <map>
#include <mutex>
#include <thread>

#include "base/errors.h"

namespace herd::net {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Stream = beast::ssl_stream<beast::tcp_stream>;
using Clock = std::chrono::steady_clock;

namespace {
// Idle connections are dropped well before a server would close them.
constexpr auto kMaxIdle = std::chrono::seconds(50);
constexpr size_t kMaxIdlePerPeer = 8;
constexpr int kIoThreads = 2;
}  // namespace

// Connections are kept open between requests (HTTP keep-alive), one pool per
// peer, so that repeated calls to a node skip the TCP and TLS handshakes.
struct HttpsClient::Impl {
  std::unique_ptr<asio::ssl::context> ssl;
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
  std::once_flag started;
  std::vector<std::thread> threads;

  std::mutex pool_mu;
  struct Idle {
    std::unique_ptr<Stream> stream;
    Clock::time_point since;
  };
  std::map<std::string, std::vector<Idle>> pool;

  ~Impl() {
    work.reset();
    io.stop();
    for (auto& t : threads) t.join();
  }

  // Threads start on first use: a daemon forks before it makes requests.
  void EnsureStarted() {
    std::call_once(started, [this] {
      for (int i = 0; i < kIoThreads; ++i) threads.emplace_back([this] { io.run(); });
    });
  }

  std::unique_ptr<Stream> TakeIdle(const std::string& peer) {
    std::lock_guard lock(pool_mu);
    auto it = pool.find(peer);
    if (it == pool.end()) return nullptr;
    auto& idle = it->second;
    while (!idle.empty()) {
      Idle entry = std::move(idle.back());
      idle.pop_back();
      if (Clock::now() - entry.since < kMaxIdle) return std::move(entry.stream);
    }
    return nullptr;
  }

  void PutIdle(const std::string& peer, std::unique_ptr<Stream> stream) {
    std::lock_guard lock(pool_mu);
    auto& idle = pool[peer];
    if (idle.size() < kMaxIdlePerPeer) idle.push_back({std::move(stream), Clock::now()});
  }
};

HttpsClient::HttpsClient(std::string pem_file, std::string ca_file)
    : impl_(std::make_unique<Impl>()) {
  impl_->ssl = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
  auto& ssl = *impl_->ssl;
  try {
    if (!pem_file.empty()) {
      ssl.use_certificate_chain_file(pem_file);
      ssl.use_private_key_file(pem_file, asio::ssl::context::pem);
    }
    if (!ca_file.empty()) {
      ssl.load_verify_file(ca_file);
      ssl.set_verify_mode(asio::ssl::verify_peer);
    } else {
      ssl.set_verify_mode(asio::ssl::verify_none);
    }
  } catch (const boost::system::system_error& e) {
    throw GenericError("cannot load client certificate " + pem_file + ": " + e.code().message());
  }
}

HttpsClient::~HttpsClient() = default;

namespace {

asio::awaitable<void> Exchange(Stream& stream, const OutgoingRequest& req, HttpResult& out,
                               bool& keep_alive, std::chrono::milliseconds timeout) {
  auto& lowest = beast::get_lowest_layer(stream);
  lowest.expires_after(timeout);
  http::request<http::string_body> r{http::string_to_verb(req.method), req.target, 11};
  r.set(http::field::host, req.address);
  r.set(http::field::content_type, "application/json");
  r.set(http::field::user_agent, "Herd");
  r.keep_alive(true);
  r.body() = req.body;
  r.prepare_payload();
  co_await http::async_write(stream, r, asio::use_awaitable);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(256 * 1024 * 1024);
  co_await http::async_read(stream, buffer, parser, asio::use_awaitable);
  out.status = parser.get().result_int();
  out.body = std::move(parser.get().body());
  out.transport_ok = true;
  keep_alive = parser.get().keep_alive();
}

asio::awaitable<void> DoRequest(HttpsClient::Impl& impl, const OutgoingRequest& req,
                                HttpResult& out, std::chrono::milliseconds timeout) {
  const std::string peer = req.address + ":" + std::to_string(req.port);
  // A pooled connection the server has meanwhile closed fails at once; the
  // request is then sent again on a fresh connection.
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::unique_ptr<Stream> stream = attempt == 0 ? impl.TakeIdle(peer) : nullptr;
    const bool reused = stream != nullptr;
    try {
      if (!stream) {
        auto executor = co_await asio::this_coro::executor;
        stream = std::make_unique<Stream>(executor, *impl.ssl);
        auto& lowest = beast::get_lowest_layer(*stream);
        lowest.expires_after(timeout);
        tcp::endpoint ep(asio::ip::make_address(req.address), req.port);
        co_await lowest.async_connect(ep, asio::use_awaitable);
        co_await stream->async_handshake(asio::ssl::stream_base::client, asio::use_awaitable);
      }
      bool keep_alive = false;
      co_await Exchange(*stream, req, out, keep_alive, timeout);
      if (keep_alive) {
        beast::get_lowest_layer(*stream).expires_never();
        impl.PutIdle(peer, std::move(stream));
      }
      co_return;
    } catch (const boost::system::system_error& e) {
      out = HttpResult{};
      if (reused && e.code() != beast::error::timeout) continue;
      out.error = e.code() == beast::error::timeout ? "timed out" : e.code().message();
      co_return;
    } catch (const std::exception& e) {
      out = HttpResult{};
      out.error = e.what();
      co_return;
    }
  }
}

}  // namespace

std::vector<HttpResult> HttpsClient::RequestParallel(const std::vector<OutgoingRequest>& requests,
                                                     std::chrono::milliseconds timeout) const {
  std::vector<HttpResult> results(requests.size());
  if (requests.empty()) return results;
  impl_->EnsureStarted();
  std::latch done(static_cast<std::ptrdiff_t>(requests.size()));
  for (size_t i = 0; i < requests.size(); ++i) {
    asio::co_spawn(impl_->io, DoRequest(*impl_, requests[i], results[i], timeout),
                   [&done](std::exception_ptr) { done.count_down(); });
  }
  done.wait();
  return results;
}

HttpResult HttpsClient::Request(const OutgoingRequest& request,
                                std::chrono::milliseconds timeout) const {
  return RequestParallel({request}, timeout).front();
}

}  // namespace herd::net
