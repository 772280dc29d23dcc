#include "net/https_client.h"

#include <openssl/ssl.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <latch>
#include <list>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "base/errors.h"
#include "net/certificate_pinning.h"
#include "net/tls_connection.h"

namespace herd::net {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {
constexpr size_t kMaxIdlePerPeer = 8;
constexpr int kIoThreads = 2;
constexpr size_t kMaxResponseBody = 256 * 1024 * 1024;

struct ClientError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string RequestHead(const OutgoingRequest& req) {
  std::string head = req.method + " " + req.target + " HTTP/1.1\r\nHost: " + req.address +
                     "\r\nUser-Agent: Herd\r\nContent-Type: application/json\r\nContent-Length: " +
                     std::to_string(req.body ? req.body->size() : 0) + "\r\n";
  for (const auto& [name, value] : req.headers) head += name + ": " + value + "\r\n";
  return head + "\r\n";
}

// Writes the request and reads the answer on `conn`; throws ClientError
// (or asio's system_error) when the exchange fails.
asio::awaitable<void> Exchange(TlsConnection& conn, const OutgoingRequest& req, HttpResult& out,
                               bool& keep_alive) {
  static const std::string kNoBody;
  if (!co_await conn.WriteMessage(RequestHead(req), req.body ? *req.body : kNoBody)) {
    throw ClientError("connection closed by the server");
  }
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxResponseBody);
  parser.eager(true);
  beast::flat_buffer buffer;
  if (const auto ec = co_await ReadHttpMessage(conn, parser, buffer)) {
    if (ec == http::error::end_of_stream) throw ClientError("connection closed by the server");
    throw ClientError("malformed HTTP answer: " + ec.message());
  }
  out.status = parser.get().result_int();
  out.body = std::move(parser.get().body());
  out.transport_ok = true;
  keep_alive = parser.get().keep_alive() && buffer.size() == 0;
}

}  // namespace

// Connections are kept open between requests (HTTP keep-alive) so that
// repeated calls to a node skip the TCP and TLS handshakes; only the most
// recently used `max_idle_total` stay open, and a new connection to any
// other peer resumes its TLS session (a few hundred bytes kept per peer)
// instead of a full handshake.
struct HttpsClient::Impl {
  std::shared_ptr<asio::ssl::context> ssl;  // guarded by pool_mu; replaced on Reload
  // Contexts replaced by Reload, kept: a connection made with one may still
  // be verifying its peer through the context's callback.
  std::vector<std::shared_ptr<asio::ssl::context>> retired;
  size_t max_idle_total = 0;
  std::chrono::seconds max_idle_time{0};
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
  std::once_flag started;
  std::vector<std::thread> threads;

  std::mutex pool_mu;
  struct Idle {
    std::string peer;
    std::unique_ptr<TlsConnection> connection;
    Clock::time_point since;
  };
  std::list<Idle> idle;  // least recently used first
  std::unordered_map<std::string, std::vector<std::list<Idle>::iterator>> idle_by_peer;
  std::unordered_map<std::string, SSL_SESSION*> sessions;

  ~Impl() {
    work.reset();
    io.stop();
    for (auto& t : threads) t.join();
    idle.clear();
    for (auto& [peer, session] : sessions) SSL_SESSION_free(session);
  }

  // Threads start on first use: a daemon forks before it makes requests.
  void EnsureStarted() {
    std::call_once(started, [this] {
      for (int i = 0; i < kIoThreads; ++i) {
        threads.emplace_back([this] {
          BlockSigpipeOnThisThread();
          io.run();
        });
      }
    });
  }

  std::unique_ptr<TlsConnection> TakeIdle(const std::string& peer) {
    std::list<Idle> expired;  // closed outside the lock
    std::lock_guard lock(pool_mu);
    auto it = idle_by_peer.find(peer);
    if (it == idle_by_peer.end()) return nullptr;
    std::unique_ptr<TlsConnection> found;
    auto& entries = it->second;
    while (!entries.empty() && !found) {
      auto entry = entries.back();
      entries.pop_back();
      if (Clock::now() - entry->since < max_idle_time) found = std::move(entry->connection);
      expired.splice(expired.end(), idle, entry);
    }
    if (entries.empty()) idle_by_peer.erase(it);
    return found;
  }

  void PutIdle(const std::string& peer, std::unique_ptr<TlsConnection> connection) {
    std::list<Idle> evicted;  // closed outside the lock
    std::lock_guard lock(pool_mu);
    if (max_idle_total == 0) return;
    auto& entries = idle_by_peer[peer];
    if (entries.size() >= kMaxIdlePerPeer) return;
    entries.push_back(idle.insert(idle.end(), {peer, std::move(connection), Clock::now()}));
    if (idle.size() > max_idle_total) {
      auto oldest = idle.begin();
      auto& peer_entries = idle_by_peer[oldest->peer];
      std::erase(peer_entries, oldest);
      if (peer_entries.empty()) idle_by_peer.erase(oldest->peer);
      evicted.splice(evicted.end(), idle, oldest);
    }
  }

  std::shared_ptr<asio::ssl::context> Context() {
    std::lock_guard lock(pool_mu);
    return ssl;
  }

  // A new reference to the peer's last TLS session, or null.
  SSL_SESSION* Session(const std::string& peer) {
    std::lock_guard lock(pool_mu);
    auto it = sessions.find(peer);
    if (it == sessions.end()) return nullptr;
    SSL_SESSION_up_ref(it->second);
    return it->second;
  }

  // Keeps the session `ssl` holds now (after an answer was read, so that a
  // TLS 1.3 ticket has arrived) for the next connection to `peer`.
  void KeepSession(const std::string& peer, SSL* ssl) {
    // A copy: OpenSSL marks a connection's own session unresumable when the
    // connection is dropped without a TLS shutdown, as idle ones are.
    SSL_SESSION* current = SSL_get_session(ssl);
    if (!current || !SSL_SESSION_is_resumable(current)) return;
    SSL_SESSION* session = SSL_SESSION_dup(current);
    if (!session) return;
    std::lock_guard lock(pool_mu);
    auto [it, inserted] = sessions.emplace(peer, session);
    if (!inserted) {
      SSL_SESSION_free(it->second);
      it->second = session;
    }
  }
};

namespace {

std::shared_ptr<asio::ssl::context> ClientContext(const std::string& pem_file,
                                                  const std::vector<std::string>& ca_files) {
  auto context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  auto& ssl = *context;
  SSL_CTX_set_mode(ssl.native_handle(), SSL_MODE_RELEASE_BUFFERS);
  std::string current = pem_file;
  try {
    if (!pem_file.empty()) {
      ssl.use_certificate_chain_file(pem_file);
      ssl.use_private_key_file(pem_file, asio::ssl::context::pem);
    }
    for (const auto& ca_file : ca_files) {
      current = ca_file;
      ssl.load_verify_file(ca_file);
    }
    if (!ca_files.empty()) PinPeerCertificates(ssl, PinnedCertificates(ca_files));
    ssl.set_verify_mode(ca_files.empty() ? asio::ssl::verify_none : asio::ssl::verify_peer);
  } catch (const boost::system::system_error& e) {
    throw GenericError("cannot load client certificate " + current + ": " + e.code().message());
  }
  return context;
}

}  // namespace

HttpsClient::HttpsClient(std::string pem_file, std::string ca_file, size_t max_idle_connections,
                         std::chrono::seconds max_idle_time)
    : impl_(std::make_unique<Impl>()) {
  impl_->max_idle_total = max_idle_connections;
  impl_->max_idle_time = max_idle_time;
  impl_->ssl = ClientContext(
      pem_file, ca_file.empty() ? std::vector<std::string>{} : std::vector<std::string>{ca_file});
}

void HttpsClient::Reload(const std::string& pem_file, const std::vector<std::string>& ca_files) {
  auto context = ClientContext(pem_file, ca_files);
  std::list<Impl::Idle> closed;  // closed outside the lock
  std::lock_guard lock(impl_->pool_mu);
  impl_->retired.push_back(std::move(impl_->ssl));
  impl_->ssl = std::move(context);
  closed.splice(closed.end(), impl_->idle);
  impl_->idle_by_peer.clear();
  for (auto& [peer, session] : impl_->sessions) SSL_SESSION_free(session);
  impl_->sessions.clear();
}

HttpsClient::~HttpsClient() = default;

namespace {

// One request, on its own strand: the timer that enforces the deadline
// cancels the socket's waits from the same strand.
asio::awaitable<void> DoRequest(HttpsClient::Impl& impl, const OutgoingRequest& req,
                                HttpResult& out, std::chrono::milliseconds timeout) {
  const std::string peer = req.address + ":" + std::to_string(req.port);
  auto executor = co_await asio::this_coro::executor;
  // Shared with the timer's handler, which may run after this frame ended.
  struct Deadline {
    bool timed_out = false;
    TlsConnection* active = nullptr;
  };
  auto state = std::make_shared<Deadline>();
  asio::steady_timer deadline(executor, timeout);
  deadline.async_wait([state](boost::system::error_code ec) {
    if (ec || !state->active) return;
    state->timed_out = true;
    state->active->socket().cancel();
  });
  bool& timed_out = state->timed_out;
  TlsConnection*& active = state->active;
  // A pooled connection the server has meanwhile closed fails at once; the
  // request is then sent again on a fresh connection.
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::unique_ptr<TlsConnection> conn = attempt == 0 ? impl.TakeIdle(peer) : nullptr;
    const bool reused = conn != nullptr;
    try {
      if (!conn) {
        conn = std::make_unique<TlsConnection>(executor, impl.Context()->native_handle());
        active = conn.get();
        tcp::endpoint ep(asio::ip::make_address(req.address), req.port);
        co_await conn->socket().async_connect(ep, asio::use_awaitable);
        conn->Attach(TlsConnection::Role::kClient);
        if (SSL_SESSION* session = impl.Session(peer)) {
          SSL_set_session(conn->ssl(), session);
          SSL_SESSION_free(session);
        }
        if (co_await conn->Drive([&] { return SSL_do_handshake(conn->ssl()); }) == 0) {
          throw ClientError("connection closed during the TLS handshake");
        }
      }
      active = conn.get();
      bool keep_alive = false;
      co_await Exchange(*conn, req, out, keep_alive);
      if (reused) {
        out.connection = ConnectionKind::kPooled;
      } else {
        out.connection =
            SSL_session_reused(conn->ssl()) ? ConnectionKind::kResumed : ConnectionKind::kFull;
        impl.KeepSession(peer, conn->ssl());
      }
      active = nullptr;
      deadline.cancel();
      if (keep_alive && !timed_out) impl.PutIdle(peer, std::move(conn));
      co_return;
    } catch (const std::exception& e) {
      active = nullptr;
      out = HttpResult{};
      if (timed_out) {
        out.error = "timed out";
        co_return;
      }
      if (reused) continue;
      const auto* system = dynamic_cast<const boost::system::system_error*>(&e);
      out.error = system ? system->code().message() : e.what();
      deadline.cancel();
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
    asio::co_spawn(asio::make_strand(impl_->io),
                   DoRequest(*impl_, requests[i], results[i], timeout),
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
