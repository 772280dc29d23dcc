#include "net/https_server.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <map>
#include <thread>
#include <vector>

#include "base/errors.h"
#include "base/files.h"
#include "net/certificate_pinning.h"

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
    beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), *context);
    std::string peer;
    boost::system::error_code ec;
    auto ep = beast::get_lowest_layer(stream).socket().remote_endpoint(ec);
    if (!ec) peer = ep.address().to_string();
    try {
      beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(30));
      co_await stream.async_handshake(asio::ssl::stream_base::server, asio::use_awaitable);
      beast::flat_buffer buffer;
      for (;;) {
        beast::get_lowest_layer(stream).expires_after(options.idle_timeout);
        http::request_parser<http::string_body> parser;
        parser.body_limit(options.max_body_bytes);
        co_await http::async_read(stream, buffer, parser, asio::use_awaitable);
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
        http::response<http::string_body> res{static_cast<http::status>(response.status),
                                              req.version()};
        res.set(http::field::server, "Herd");
        res.set(http::field::content_type, response.content_type);
        for (const auto& [k, v] : response.headers) res.set(k, v);
        res.keep_alive(req.keep_alive());
        res.body() = std::move(response.body);
        res.prepare_payload();
        co_await http::async_write(stream, res, asio::use_awaitable);
        if (!res.keep_alive()) break;
      }
      beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(5));
      co_await stream.async_shutdown(asio::use_awaitable);
    } catch (const boost::system::system_error& e) {
      if (e.code() == http::error::body_limit) {
        // Refuse an oversized body and drop the connection; the server keeps serving.
        spdlog::warn("request from {} refused: body larger than {} bytes", peer,
                     options.max_body_bytes);
        http::response<http::string_body> res{http::status::payload_too_large, 11};
        res.set(http::field::content_type, "application/json");
        res.body() = "{\"code\": 413, \"message\": \"Request body too large\"}";
        res.prepare_payload();
        res.keep_alive(false);
        boost::system::error_code ignored;
        http::write(stream, res, ignored);
      } else if (e.code() != http::error::end_of_stream && e.code() != asio::error::eof &&
                 e.code() != asio::ssl::error::stream_truncated &&
                 e.code() != beast::error::timeout) {
        spdlog::info("connection from {} closed: {}", peer, e.code().message());
      }
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
      asio::co_spawn(io, Session(std::move(socket), ssl), asio::detached);
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
  std::vector<std::thread> extra;
  for (int i = 1; i < impl_->options.threads; ++i) extra.emplace_back([this] { impl_->io.run(); });
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
