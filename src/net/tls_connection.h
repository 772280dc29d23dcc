// One TLS connection over an asio TCP socket, OpenSSL reading and writing
// the socket itself (no BIO pair, no stream buffers), its record buffers
// given back while the connection is idle. A kept-alive connection costs a
// few KiB instead of the ~60 KiB of an asio ssl::stream, and a request runs
// through a handful of calls instead of layers of composed operations: what
// matters when one master keeps a connection to each of a thousand nodes,
// and each node daemon wakes only for a call now and then.
// Internal to the HTTPS client and server.
#pragma once

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <stdexcept>

namespace herd::net {

// OpenSSL writes to sockets with write(): on a connection the peer closed,
// that must fail with EPIPE rather than end the process with SIGPIPE. Called
// by each thread that drives connections.
void BlockSigpipeOnThisThread();

// A TLS or socket failure, worded by OpenSSL.
struct TlsError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class TlsConnection {
 public:
  enum class Role { kClient, kServer };

  TlsConnection(boost::asio::ip::tcp::socket socket, SSL_CTX* context);
  TlsConnection(const boost::asio::any_io_executor& executor, SSL_CTX* context);
  ~TlsConnection();
  TlsConnection(const TlsConnection&) = delete;
  TlsConnection& operator=(const TlsConnection&) = delete;

  boost::asio::ip::tcp::socket& socket() { return socket_; }
  SSL* ssl() { return ssl_; }

  // Attaches OpenSSL to the connected socket, which becomes non-blocking.
  void Attach(Role role);

  // Runs one OpenSSL call until it completes, waiting for the socket
  // whenever OpenSSL asks to. Returns the call's positive result, or 0 when
  // the peer closed the connection; throws TlsError on a failure.
  template <typename Call>
  boost::asio::awaitable<int> Drive(Call call) {
    for (;;) {
      ERR_clear_error();  // SSL_get_error reads this thread's queue
      const int rc = call();
      if (rc > 0) co_return rc;
      const Wait wait = AfterFailedCall(rc);
      if (wait == Wait::kClosed) co_return 0;
      co_await WaitFor(wait);
    }
  }

  // Writes an HTTP message: `head` (status or request line and headers),
  // then `body`. A small body goes out in the head's TLS record; a large
  // one is written from where it is, not copied. False when the peer closed.
  boost::asio::awaitable<bool> WriteMessage(std::string head, const std::string& body);

 private:
  enum class Wait { kRead, kWrite, kClosed };
  // Writes all of `size` bytes at `data`; false when the peer closed.
  boost::asio::awaitable<bool> WriteAll(const char* data, size_t size);
  // What the failed call `rc` waits for; throws TlsError on a failure.
  Wait AfterFailedCall(int rc);
  boost::asio::awaitable<void> WaitFor(Wait wait);

  boost::asio::ip::tcp::socket socket_;
  SSL* ssl_;
};

// Reads from `conn` until `parser` holds a whole HTTP message; bytes after
// it stay in `buffer`. Returns the parser's error, or end_of_stream when the
// peer closed the connection before the message was whole.
template <typename Parser>
boost::asio::awaitable<boost::beast::error_code> ReadHttpMessage(
    TlsConnection& conn, Parser& parser, boost::beast::flat_buffer& buffer) {
  // Small reads first: a call or an answer mostly fits in a few KiB, and a
  // large buffer would cost every call a large allocation. A read that
  // fills its space doubles the next one.
  size_t chunk = 4096;
  boost::beast::error_code ec;
  while (!parser.is_done()) {
    auto space = buffer.prepare(chunk);
    size_t n = 0;
    const int rc = co_await conn.Drive(
        [&] { return SSL_read_ex(conn.ssl(), space.data(), space.size(), &n); });
    if (rc == 0) {
      // Closed before a byte of the message (a kept connection the peer
      // dropped): Beast would take that for an empty whole message.
      if (!parser.got_some()) co_return boost::beast::http::error::end_of_stream;
      parser.put_eof(ec);
      co_return ec ? boost::beast::http::error::end_of_stream : ec;
    }
    buffer.commit(n);
    if (n == space.size()) chunk = std::min<size_t>(chunk * 2, 64 * 1024);
    while (buffer.size() > 0 && !parser.is_done()) {
      const size_t used = parser.put(buffer.data(), ec);
      buffer.consume(used);
      if (ec == boost::beast::http::error::need_more) break;
      if (ec) co_return ec;
    }
  }
  co_return boost::beast::error_code{};
}

}  // namespace herd::net
