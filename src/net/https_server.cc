#include "net/https_server.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <time.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>
#include <map>
#include <thread>
#include <vector>

#include "base/errors.h"
#include "base/files.h"
#include "net/certificate_pinning.h"
#include "net/tls_connection.h"

namespace herd::net {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {
// Contexts built ahead by PrepareTlsForServers, by the contents they were built from.
std::map<std::string, std::shared_ptr<asio::ssl::context>>& PreparedContexts() {
  static auto* prepared = new std::map<std::string, std::shared_ptr<asio::ssl::context>>();
  return *prepared;
}

std::vector<std::string> CertificateFiles(const HttpsServerOptions& options) {
  std::vector<std::string> files{options.pem_file};
  files.insert(files.end(), options.extra_trusted_files.begin(), options.extra_trusted_files.end());
  return files;
}

// What a context is built from: the certificate files' contents (those
// present) and whether peers must present one.
std::string ContentKey(const HttpsServerOptions& options) {
  std::string key = options.require_client_certificate ? "verify;" : "plain;";
  for (const auto& file : CertificateFiles(options)) {
    // Absent as BuildContext sees it (a renewal's next or previous one).
    if (!FileExists(file)) {
      key += "-;";
      continue;
    }
    const std::string contents = ReadFile(file);
    key += std::to_string(contents.size()) + ":" + contents + ";";
  }
  return key;
}

std::shared_ptr<asio::ssl::context> BuildContext(const HttpsServerOptions& options) {
  auto context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  auto& c = *context;
  const auto& pem = options.pem_file;
  try {
    c.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                  asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                  asio::ssl::context::no_tlsv1_1);
    c.use_certificate_chain_file(pem);
    c.use_private_key_file(pem, asio::ssl::context::pem);
    // Clients resume sessions (one ticket each) instead of full handshakes.
    SSL_CTX* native = c.native_handle();
    // An idle kept-alive connection gives its record buffers back (~34 KiB).
    SSL_CTX_set_mode(native, SSL_MODE_RELEASE_BUFFERS);
    SSL_CTX_set_num_tickets(native, 1);
    static const unsigned char kSessionContext[] = "herd";
    SSL_CTX_set_session_id_context(native, kSessionContext, sizeof(kSessionContext) - 1);
    if (options.require_client_certificate) {
      // Only peers holding the cluster certificate itself (or, during a
      // renewal, the next or previous one) are accepted.
      std::vector<std::string> trusted{pem};
      for (const auto& extra : options.extra_trusted_files) {
        struct stat st {};
        if (::stat(extra.c_str(), &st) == 0) trusted.push_back(extra);
      }
      for (const auto& file : trusted) c.load_verify_file(file);
      PinPeerCertificates(c, PinnedCertificates(trusted));
      c.set_verify_mode(asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert);
    }
  } catch (const boost::system::system_error& e) {
    throw GenericError("cannot load certificate " + pem + ": " + e.code().message());
  }
  return context;
}

using Millis = std::chrono::milliseconds;
constexpr Millis kHandshakeTime{30'000};
// A deadline meaning "a handler runs": no idle time counts meanwhile.
constexpr Millis kBusy = Millis::max();

// The kernel's coarse clock: a request reads it once or twice, and a
// deadline needs no better than its few milliseconds.
Millis CoarseNow() {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
  return Millis(now.tv_sec * 1000 + now.tv_nsec / 1'000'000);
}

// What a connection's one timer checks when it fires. Requests only move
// the deadline (no timer operation per request); a timer that fires early
// sleeps again, never longer than the idle time, so that it wakes by any
// deadline set meanwhile (which is at least that far off).
struct IdleWatch {
  TlsConnection* connection = nullptr;  // null once the session ended
  Millis deadline{0};
  Millis idle_time{0};
};

void Watch(asio::steady_timer& timer, std::shared_ptr<IdleWatch> watch, Millis wait) {
  timer.expires_after(std::min(wait, watch->idle_time));
  timer.async_wait([&timer, watch](boost::system::error_code ec) {
    // Cancelled when the session's frame (and the timer) went away.
    if (ec || !watch->connection) return;
    const Millis left = watch->deadline == kBusy ? watch->idle_time : watch->deadline - CoarseNow();
    if (left > Millis(0)) return Watch(timer, watch, left);
    boost::system::error_code ignored;
    watch->connection->socket().cancel(ignored);  // the session's wait ends
  });
}

// The status line and headers of `response` to a request of HTTP `version`
// (10 or 11).
std::string ResponseHead(const HttpResponse& response, unsigned version, bool keep_alive) {
  const auto status = static_cast<http::status>(response.status);
  std::string head = (version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ") + std::to_string(response.status) +
                     " " + std::string(http::obsolete_reason(status)) +
                     "\r\nServer: Herd\r\nContent-Type: " + response.content_type + "\r\n";
  for (const auto& [name, value] : response.headers) {
    if (beast::iequals(name, "content-length") || beast::iequals(name, "content-type")) continue;
    head += name + ": " + value + "\r\n";
  }
  if (keep_alive && version == 10) head += "Connection: keep-alive\r\n";
  if (!keep_alive && version == 11) head += "Connection: close\r\n";
  return head + "Content-Length: " + std::to_string(response.body.size()) + "\r\n\r\n";
}

}  // namespace

struct HttpsServer::Impl {
  HttpsServerOptions options;
  HttpHandler handler;
  asio::io_context io{1};
  // Replaced (never changed) on a certificate reload; sessions keep theirs.
  std::shared_ptr<asio::ssl::context> ssl;
  std::string certificate_signature;  // of the files `ssl` was built from
  tcp::acceptor acceptor{io};

  // Identity, size and time of each certificate file: changes when one is replaced.
  std::string CertificateSignature() const {
    std::string out;
    for (const auto& file : CertificateFiles(options)) {
      struct stat st {};
      if (::stat(file.c_str(), &st) != 0) {
        out += "-;";
        continue;
      }
      out += std::to_string(st.st_ino) + ":" + std::to_string(st.st_size) + ":" +
             std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec) + ";";
    }
    return out;
  }

  // A certificate file replaced since the last connection: serve with the new one.
  void ReloadIfChanged() {
    std::string signature = CertificateSignature();
    if (signature == certificate_signature) return;
    try {
      ssl = BuildContext(options);
      certificate_signature = std::move(signature);
      spdlog::info("certificate {} reloaded", options.pem_file);
    } catch (const GanetiError& e) {
      // Half-written by someone else, say: keep serving with the last good one.
      spdlog::error("keeping the current certificate: {}", e.what());
    }
  }

  HttpResponse CallHandler(const HttpRequest& request) {
    try {
      return handler(request);
    } catch (const std::exception& e) {
      spdlog::error("handler failed for {} {}: {}", request.method, request.target, e.what());
      HttpResponse response;
      response.status = 500;
      response.body = std::string("{\"code\": 500, \"message\": \"Internal error\"}");
      return response;
    }
  }

  asio::awaitable<void> Session(tcp::socket socket, std::shared_ptr<asio::ssl::context> context) {
    std::string peer;
    boost::system::error_code ec;
    auto ep = socket.remote_endpoint(ec);
    if (!ec) peer = ep.address().to_string();
    TlsConnection conn(std::move(socket), context->native_handle());
    auto watch = std::make_shared<IdleWatch>();
    watch->connection = &conn;
    watch->idle_time = options.idle_timeout;
    watch->deadline = CoarseNow() + kHandshakeTime;
    asio::steady_timer timer(co_await asio::this_coro::executor);
    Watch(timer, watch, kHandshakeTime);
    struct EndWatch {
      IdleWatch& watch;
      ~EndWatch() { watch.connection = nullptr; }
    } end_watch{*watch};
    try {
      conn.Attach(TlsConnection::Role::kServer);
      if (co_await conn.Drive([&] { return SSL_do_handshake(conn.ssl()); }) == 0) co_return;
      beast::flat_buffer buffer;
      for (;;) {
        watch->deadline = CoarseNow() + options.idle_timeout;
        http::request_parser<http::string_body> parser;
        parser.body_limit(options.max_body_bytes);
        if (const auto read_error = co_await ReadHttpMessage(conn, parser, buffer)) {
          if (read_error == http::error::body_limit) {
            // Refuse an oversized body and drop the connection; the server keeps serving.
            spdlog::warn("request from {} refused: body larger than {} bytes", peer,
                         options.max_body_bytes);
            HttpResponse refusal;
            refusal.status = 413;
            refusal.body = "{\"code\": 413, \"message\": \"Request body too large\"}";
            co_await conn.WriteMessage(ResponseHead(refusal, 11, false), refusal.body);
          } else if (read_error != http::error::end_of_stream) {
            spdlog::info("connection from {} closed: {}", peer, read_error.message());
          }
          co_return;
        }
        auto& req = parser.get();
        HttpRequest request;
        request.method = std::string(req.method_string());
        request.target = std::string(req.target());
        request.body = std::move(req.body());
        request.peer_address = peer;
        for (const auto& field : req) {
          std::string name(field.name_string());
          for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
          request.headers[name] = std::string(field.value());
        }
        watch->deadline = kBusy;
        HttpResponse response;
        if (options.runs_long && options.runs_long(request)) {
          // A thread of its own; the session waits without blocking others.
          asio::thread_pool own_thread(1);
          response = co_await asio::co_spawn(
              own_thread.get_executor(),
              [this, &request]() -> asio::awaitable<HttpResponse> {
                co_return CallHandler(request);
              },
              asio::use_awaitable);
        } else {
          response = CallHandler(request);
        }
        const bool keep_alive = req.keep_alive();
        watch->deadline = CoarseNow() + options.idle_timeout;
        if (!co_await conn.WriteMessage(ResponseHead(response, req.version(), keep_alive),
                                        response.body) ||
            !keep_alive) {
          break;
        }
      }
      SSL_shutdown(conn.ssl());  // our close_notify; the peer's is not awaited
    } catch (const boost::system::system_error& e) {
      // The idle watch cancelled a wait (operation_aborted): a quiet end.
      if (e.code() != asio::error::operation_aborted) {
        spdlog::info("connection from {} closed: {}", peer, e.code().message());
      }
    } catch (const TlsError& e) {
      spdlog::info("connection from {} closed: {}", peer, e.what());
    }
  }

  asio::awaitable<void> AcceptLoop() {
    for (;;) {
      boost::system::error_code ec;
      tcp::socket socket =
          co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        if (ec == asio::error::operation_aborted) co_return;
        spdlog::warn("accept failed: {}", ec.message());
        continue;
      }
      if (options.reload_on_change) ReloadIfChanged();
      // A strand per connection: its idle watch and its I/O never run at once.
      asio::co_spawn(asio::make_strand(io), Session(std::move(socket), ssl), asio::detached);
    }
  }
};

HttpsServer::HttpsServer(HttpsServerOptions options, HttpHandler handler)
    : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->handler = std::move(handler);
}

HttpsServer::~HttpsServer() = default;

void PrepareTlsForServers(const HttpsServerOptions& options) {
  PreparedContexts()[ContentKey(options)] = BuildContext(options);
}

void HttpsServer::Bind() {
  impl_->certificate_signature = impl_->CertificateSignature();
  const auto& prepared = PreparedContexts();
  if (auto it = prepared.empty() ? prepared.end() : prepared.find(ContentKey(impl_->options));
      it != prepared.end()) {
    impl_->ssl = it->second;
  } else {
    impl_->ssl = BuildContext(impl_->options);
  }
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(impl_->options.address, ec);
  if (ec) throw GenericError("invalid bind address '" + impl_->options.address + "'");
  tcp::endpoint ep(addr, impl_->options.port);
  impl_->acceptor.open(ep.protocol());
  impl_->acceptor.set_option(asio::socket_base::reuse_address(true));
  impl_->acceptor.bind(ep, ec);
  if (ec) {
    throw GenericError("cannot bind to " + impl_->options.address + ":" +
                       std::to_string(impl_->options.port) + ": " + ec.message());
  }
  impl_->acceptor.listen(asio::socket_base::max_listen_connections);
}

void HttpsServer::Run() {
  asio::co_spawn(impl_->io, impl_->AcceptLoop(), asio::detached);
  BlockSigpipeOnThisThread();
  std::vector<std::thread> extra;
  for (int i = 1; i < impl_->options.threads; ++i) {
    extra.emplace_back([this] {
      BlockSigpipeOnThisThread();
      impl_->io.run();
    });
  }
  impl_->io.run();
  for (auto& t : extra) t.join();
}

void HttpsServer::Stop() {
  asio::post(impl_->io, [this] {
    boost::system::error_code ec;
    impl_->acceptor.close(ec);
    impl_->io.stop();
  });
}

uint16_t HttpsServer::bound_port() const { return impl_->acceptor.local_endpoint().port(); }

}  // namespace herd::net
