#include "net/tls_connection.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>

#include <boost/asio/use_awaitable.hpp>

namespace herd::net {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

void BlockSigpipeOnThisThread() {
  sigset_t pipe;
  sigemptyset(&pipe);
  sigaddset(&pipe, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
}

TlsConnection::TlsConnection(tcp::socket socket, SSL_CTX* context)
    : socket_(std::move(socket)), ssl_(SSL_new(context)) {
  if (!ssl_) throw TlsError("cannot create a TLS connection");
}

TlsConnection::TlsConnection(const asio::any_io_executor& executor, SSL_CTX* context)
    : TlsConnection(tcp::socket(executor), context) {}

TlsConnection::~TlsConnection() { SSL_free(ssl_); }

void TlsConnection::Attach(Role role) {
  socket_.non_blocking(true);
  // Kept for long between requests: probes keep a stateful firewall's entry
  // alive and reveal a peer that went away without a word. Best effort:
  // without them a dead peer still fails the request at its deadline, and an
  // idle server connection still ends at its idle time.
  const int fd = socket_.native_handle();
  const int on = 1, idle_seconds = 120, interval_seconds = 20, probes = 3;
  ::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle_seconds, sizeof idle_seconds);
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval_seconds, sizeof interval_seconds);
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &probes, sizeof probes);
  if (SSL_set_fd(ssl_, fd) != 1) throw TlsError("cannot attach TLS to the socket");
  // One read() takes a whole record (most calls are one) instead of its
  // header and then its body.
  SSL_set_read_ahead(ssl_, 1);
  // A peer closing without a TLS close_notify is an ordinary end: HTTP's
  // own framing tells a cut message from a whole one.
  SSL_set_options(ssl_, SSL_OP_IGNORE_UNEXPECTED_EOF);
  if (role == Role::kClient) {
    SSL_set_connect_state(ssl_);
  } else {
    SSL_set_accept_state(ssl_);
  }
}

TlsConnection::Wait TlsConnection::AfterFailedCall(int rc) {
  switch (SSL_get_error(ssl_, rc)) {
    case SSL_ERROR_WANT_READ:
      return Wait::kRead;
    case SSL_ERROR_WANT_WRITE:
      return Wait::kWrite;
    case SSL_ERROR_ZERO_RETURN:
      return Wait::kClosed;
    case SSL_ERROR_SYSCALL:
      if (ERR_peek_error() == 0) return Wait::kClosed;  // closed without a TLS alert
      [[fallthrough]];
    default: {
      char text[256];
      ERR_error_string_n(ERR_get_error(), text, sizeof(text));
      throw TlsError(text);
    }
  }
}

asio::awaitable<void> TlsConnection::WaitFor(Wait wait) {
  co_await socket_.async_wait(
      wait == Wait::kRead ? tcp::socket::wait_read : tcp::socket::wait_write, asio::use_awaitable);
}

asio::awaitable<bool> TlsConnection::WriteAll(const char* data, size_t size) {
  size_t written = 0;
  while (written < size) {
    size_t n = 0;
    const char* from = data + written;
    const size_t left = size - written;
    if (co_await Drive([&] { return SSL_write_ex(ssl_, from, left, &n); }) == 0) co_return false;
    written += n;
  }
  co_return true;
}

asio::awaitable<bool> TlsConnection::WriteMessage(std::string head, const std::string& body) {
  constexpr size_t kOneRecordBody = 4096;
  if (body.size() <= kOneRecordBody) {
    head += body;
    co_return co_await WriteAll(head.data(), head.size());
  }
  co_return co_await WriteAll(head.data(), head.size()) &&
      co_await WriteAll(body.data(), body.size());
}

}  // namespace herd::net
