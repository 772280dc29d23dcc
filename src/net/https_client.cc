#include "net/https_client.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "base/errors.h"

namespace herd::net {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct HttpsClient::Impl {
  std::unique_ptr<asio::ssl::context> ssl;
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
asio::awaitable<void> DoRequest(asio::ssl::context& ssl, const OutgoingRequest& req,
                                HttpResult& out, std::chrono::milliseconds timeout) {
  try {
    auto executor = co_await asio::this_coro::executor;
    beast::ssl_stream<beast::tcp_stream> stream(executor, ssl);
    auto& lowest = beast::get_lowest_layer(stream);
    lowest.expires_after(timeout);
    tcp::endpoint ep(asio::ip::make_address(req.address), req.port);
    co_await lowest.async_connect(ep, asio::use_awaitable);
    co_await stream.async_handshake(asio::ssl::stream_base::client, asio::use_awaitable);
    http::request<http::string_body> r{http::string_to_verb(req.method), req.target, 11};
    r.set(http::field::host, req.address);
    r.set(http::field::content_type, "application/json");
    r.set(http::field::user_agent, "Herd");
    r.keep_alive(false);
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
    boost::system::error_code ignored;
    lowest.socket().shutdown(tcp::socket::shutdown_both, ignored);
  } catch (const boost::system::system_error& e) {
    out.transport_ok = false;
    out.error = e.code() == beast::error::timeout ? "timed out" : e.code().message();
  } catch (const std::exception& e) {
    out.transport_ok = false;
    out.error = e.what();
  }
}
}  // namespace

std::vector<HttpResult> HttpsClient::RequestParallel(const std::vector<OutgoingRequest>& requests,
                                                     std::chrono::milliseconds timeout) const {
  std::vector<HttpResult> results(requests.size());
  asio::io_context io(1);
  for (size_t i = 0; i < requests.size(); ++i) {
    asio::co_spawn(io, DoRequest(*impl_->ssl, requests[i], results[i], timeout), asio::detached);
  }
  io.run();
  return results;
}

HttpResult HttpsClient::Request(const OutgoingRequest& request,
                                std::chrono::milliseconds timeout) const {
  return RequestParallel({request}, timeout).front();
}

}  // namespace herd::net
