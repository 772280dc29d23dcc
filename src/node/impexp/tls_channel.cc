#include "node/impexp/tls_channel.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

#include "base/errors.h"

namespace herd::impexp {
namespace {

using std::chrono::steady_clock;

// A peer that connects but does not finish its handshake is dropped after this.
constexpr auto kHandshakeTimeout = std::chrono::seconds(10);
// The exporter's write buffer below TLS.
constexpr int kWriteBuffer = 256 * 1024;

struct CtxFree {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
struct SslFree {
  void operator()(SSL* s) const { SSL_free(s); }
};
using CtxPtr = std::unique_ptr<SSL_CTX, CtxFree>;
using SslPtr = std::unique_ptr<SSL, SslFree>;

// The oldest queued OpenSSL error, with the certificate verdict if there is one.
std::string OpenSslError(SSL* ssl = nullptr) {
  std::string out;
  unsigned long e;
  while ((e = ERR_get_error()) != 0) {
    if (out.empty()) {
      char buf[256];
      ERR_error_string_n(e, buf, sizeof(buf));
      out = buf;
    }
  }
  if (ssl) {
    const long verdict = SSL_get_verify_result(ssl);
    if (verdict != X509_V_OK) {
      out += std::string(out.empty() ? "" : " (") +
             "certificate: " + X509_verify_cert_error_string(verdict) + (out.empty() ? "" : ")");
    }
  }
  return out.empty() ? "unknown TLS error" : out;
}

CtxPtr MakeContext(const TlsCredentials& c, bool server) {
  CtxPtr ctx(SSL_CTX_new(server ? TLS_server_method() : TLS_client_method()));
  if (!ctx) throw GenericError("cannot create a TLS context: " + OpenSslError());
  // TLS 1.2: there the client's handshake only completes once the server has
  // accepted its certificate, so an exporter with a refused certificate
  // fails at once with the reason (a TLS 1.3 client finishes first).
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  SSL_CTX_set_max_proto_version(ctx.get(), TLS1_2_VERSION);
  // Ganeti's HIGH:-DES:-3DES:-EXPORT:-DH, AES-GCM first (AES-NI makes it cheapest).
  if (SSL_CTX_set_cipher_list(ctx.get(),
                              "ECDHE+AESGCM:ECDHE+CHACHA20:HIGH:!aNULL:!DES:!3DES:!DH:"
                              "!EXPORT:!MD5:!RC4") != 1) {
    throw GenericError("cannot set the TLS ciphers: " + OpenSslError());
  }
  SSL_CTX_set_options(ctx.get(),
                      SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION | SSL_OP_NO_TICKET);
  SSL_CTX_set_session_cache_mode(ctx.get(), SSL_SESS_CACHE_OFF);
  if (SSL_CTX_use_certificate_chain_file(ctx.get(), c.cert_file.c_str()) != 1) {
    throw GenericError("cannot load the certificate " + c.cert_file + ": " + OpenSslError());
  }
  if (SSL_CTX_use_PrivateKey_file(ctx.get(), c.key_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_check_private_key(ctx.get()) != 1) {
    throw GenericError("cannot load the key " + c.key_file + ": " + OpenSslError());
  }
  if (SSL_CTX_load_verify_locations(ctx.get(), c.ca_file.c_str(), nullptr) != 1) {
    throw GenericError("cannot load the CA " + c.ca_file + ": " + OpenSslError());
  }
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  // Fewer, larger reads from the socket.
  SSL_CTX_set_read_ahead(ctx.get(), 1);
  SSL_CTX_set_default_read_buffer_len(ctx.get(), 256 * 1024);
  return ctx;
}

void SetTimeouts(int fd, std::chrono::milliseconds t) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(t.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((t.count() % 1000) * 1000);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

// Ganeti's keepalive (keepidle=60, keepintvl=10, keepcnt=5): a vanished peer
// ends the transfer instead of hanging it.
void SetKeepalive(int fd) {
  int on = 1, idle = 60, interval = 10, count = 5;
  ::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof(interval));
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof(count));
}

struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;
  int family = AF_INET;
};

SocketAddress ParseAddress(const std::string& host, int port, bool ipv6) {
  SocketAddress a;
  if (ipv6) {
    auto* s6 = reinterpret_cast<sockaddr_in6*>(&a.storage);
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons(static_cast<uint16_t>(port));
    if (::inet_pton(AF_INET6, host.c_str(), &s6->sin6_addr) != 1) {
      throw GenericError("'" + host + "' is not an IPv6 address");
    }
    a.length = sizeof(sockaddr_in6);
    a.family = AF_INET6;
  } else {
    auto* s4 = reinterpret_cast<sockaddr_in*>(&a.storage);
    s4->sin_family = AF_INET;
    s4->sin_port = htons(static_cast<uint16_t>(port));
    if (::inet_pton(AF_INET, host.c_str(), &s4->sin_addr) != 1) {
      throw GenericError("'" + host + "' is not an IPv4 address");
    }
    a.length = sizeof(sockaddr_in);
  }
  return a;
}

std::string Describe(const sockaddr_storage& s) {
  char buf[INET6_ADDRSTRLEN] = "?";
  int port = 0;
  if (s.ss_family == AF_INET6) {
    const auto* s6 = reinterpret_cast<const sockaddr_in6*>(&s);
    ::inet_ntop(AF_INET6, &s6->sin6_addr, buf, sizeof(buf));
    port = ntohs(s6->sin6_port);
    return "[" + std::string(buf) + "]:" + std::to_string(port);
  }
  const auto* s4 = reinterpret_cast<const sockaddr_in*>(&s);
  ::inet_ntop(AF_INET, &s4->sin_addr, buf, sizeof(buf));
  port = ntohs(s4->sin_port);
  return std::string(buf) + ":" + std::to_string(port);
}

std::chrono::milliseconds Until(Deadline deadline) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady_clock::now());
}

}  // namespace

struct TlsChannel::Impl {
  SslPtr ssl;
  int fd = -1;
  std::string peer;
  Cancellation* cancellation = nullptr;

  ~Impl() {
    ssl.reset();
    if (fd >= 0) {
      cancellation->RemoveSocket(fd);
      ::close(fd);
    }
  }
};

TlsChannel::TlsChannel(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TlsChannel::~TlsChannel() = default;

const std::string& TlsChannel::peer() const { return impl_->peer; }

std::string TlsChannel::cipher() const {
  return std::string(SSL_get_version(impl_->ssl.get())) + " " +
         SSL_CIPHER_get_name(SSL_get_current_cipher(impl_->ssl.get()));
}

size_t TlsChannel::Read(char* buffer, size_t size) {
  size_t n = 0;
  if (SSL_read_ex(impl_->ssl.get(), buffer, size, &n) == 1) return n;
  const int saved_errno = errno;
  const int err = SSL_get_error(impl_->ssl.get(), 0);
  impl_->cancellation->ThrowIfRequested();
  if (err == SSL_ERROR_ZERO_RETURN) return 0;
  if (err == SSL_ERROR_SYSCALL && saved_errno != 0) {
    ERR_clear_error();
    throw SystemError("receiving from " + impl_->peer, saved_errno);
  }
  const std::string detail = OpenSslError();
  if (err == SSL_ERROR_SYSCALL || detail.find("unexpected eof") != std::string::npos) {
    throw GenericError("Connection from " + impl_->peer +
                       " closed before the end of the data (no TLS close_notify)");
  }
  throw GenericError("receiving from " + impl_->peer + ": " + detail);
}

bool TlsChannel::Readable() const {
  // Read-ahead data OpenSSL holds already: no system call needed.
  if (SSL_has_pending(impl_->ssl.get()) == 1) return true;
  pollfd p{impl_->fd, POLLIN, 0};
  return ::poll(&p, 1, 0) > 0;
}

void TlsChannel::Write(const char* data, size_t size) {
  while (size > 0) {
    size_t n = 0;
    if (SSL_write_ex(impl_->ssl.get(), data, size, &n) != 1) {
      const int saved_errno = errno;
      impl_->cancellation->ThrowIfRequested();
      const int err = SSL_get_error(impl_->ssl.get(), 0);
      if (err == SSL_ERROR_SYSCALL && saved_errno != 0) {
        ERR_clear_error();
        throw SystemError("sending to " + impl_->peer, saved_errno);
      }
      throw GenericError("sending to " + impl_->peer + ": " + OpenSslError());
    }
    data += n;
    size -= n;
  }
  Flush();
}

void TlsChannel::Flush() {
  if (BIO_flush(SSL_get_wbio(impl_->ssl.get())) != 1) {
    const int saved_errno = errno;
    impl_->cancellation->ThrowIfRequested();
    ERR_clear_error();
    throw SystemError("sending to " + impl_->peer, saved_errno ? saved_errno : EPIPE);
  }
}

void TlsChannel::Close(bool await_peer, std::chrono::seconds timeout) {
  SSL* ssl = impl_->ssl.get();
  int rc = SSL_shutdown(ssl);
  if (rc >= 0 && BIO_flush(SSL_get_wbio(ssl)) != 1) rc = -1;
  if (!await_peer) {
    // The importer's confirmation: everything has arrived whether or not
    // the exporter still listens.
    ERR_clear_error();
    return;
  }
  if (rc < 0) {
    impl_->cancellation->ThrowIfRequested();
    throw GenericError("ending the stream to " + impl_->peer + ": " + OpenSslError());
  }
  if (rc == 1) return;
  SetTimeouts(impl_->fd, timeout);
  char scratch[4096];
  for (;;) {
    size_t n = 0;
    if (SSL_read_ex(ssl, scratch, sizeof(scratch), &n) == 1) continue;  // nothing is expected
    const int saved_errno = errno;
    const int err = SSL_get_error(ssl, 0);
    impl_->cancellation->ThrowIfRequested();
    if (err == SSL_ERROR_ZERO_RETURN) return;
    ERR_clear_error();
    if (err == SSL_ERROR_SYSCALL && (saved_errno == EAGAIN || saved_errno == EWOULDBLOCK)) {
      throw GenericError("The importer at " + impl_->peer + " did not confirm the end of the " +
                         "data within " + std::to_string(timeout.count()) + " seconds");
    }
    throw GenericError("The importer at " + impl_->peer +
                       " closed the connection without confirming the end of the data");
  }
}

struct TlsListener::Context {
  CtxPtr ctx;
};

TlsListener::TlsListener(const TlsCredentials& credentials, const std::string& address, bool ipv6,
                         Cancellation& cancellation)
    : context_(std::make_unique<Context>()), cancellation_(cancellation) {
  context_->ctx = MakeContext(credentials, /*server=*/true);
  SocketAddress a = ParseAddress(address, 0, ipv6);
  fd_ = ::socket(a.family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw SystemError("socket", errno);
  int on = 1;
  ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&a.storage), a.length) != 0) {
    const int err = errno;
    ::close(fd_);
    throw SystemError("binding to " + address, err);
  }
  if (::listen(fd_, 8) != 0) {
    const int err = errno;
    ::close(fd_);
    throw SystemError("listening on " + address, err);
  }
  sockaddr_storage bound{};
  socklen_t length = sizeof(bound);
  ::getsockname(fd_, reinterpret_cast<sockaddr*>(&bound), &length);
  port_ = bound.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
                                      : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
}

TlsListener::~TlsListener() {
  if (fd_ >= 0) ::close(fd_);
}

std::unique_ptr<TlsChannel> TlsListener::AcceptOne(Deadline deadline, const LogLine& log) {
  for (;;) {
    cancellation_.ThrowIfRequested();
    const auto left = Until(deadline);
    if (left.count() <= 0) {
      throw GenericError("No verified connection arrived in time (connect timeout)");
    }
    pollfd p{fd_, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left.count(), 200)));
    if (ready < 0 && errno != EINTR) throw SystemError("waiting for a connection", errno);
    if (ready <= 0) continue;
    sockaddr_storage from{};
    socklen_t length = sizeof(from);
    const int fd = ::accept4(fd_, reinterpret_cast<sockaddr*>(&from), &length, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == ECONNABORTED) continue;
      throw SystemError("accepting a connection", errno);
    }
    auto impl = std::make_unique<TlsChannel::Impl>();
    impl->fd = fd;
    impl->peer = Describe(from);
    impl->cancellation = &cancellation_;
    cancellation_.AddSocket(fd);
    SetKeepalive(fd);
    SetTimeouts(fd, kHandshakeTimeout);
    impl->ssl.reset(SSL_new(context_->ctx.get()));
    if (!impl->ssl || SSL_set_fd(impl->ssl.get(), fd) != 1) {
      throw GenericError("cannot set up TLS: " + OpenSslError());
    }
    if (SSL_accept(impl->ssl.get()) != 1) {
      cancellation_.ThrowIfRequested();
      log("Refused connection from " + impl->peer + ": " + OpenSslError(impl->ssl.get()));
      continue;  // `impl` closes it
    }
    SetTimeouts(fd, std::chrono::milliseconds(0));
    ::close(fd_);  // one connection only
    fd_ = -1;
    return std::make_unique<TlsChannel>(std::move(impl));
  }
}

std::unique_ptr<TlsChannel> TlsConnect(const TlsCredentials& credentials, const std::string& host,
                                       int port, bool ipv6, Deadline deadline,
                                       Cancellation& cancellation, const LogLine& log) {
  CtxPtr ctx = MakeContext(credentials, /*server=*/false);
  const SocketAddress a = ParseAddress(host, port, ipv6);
  const std::string where =
      ipv6 ? "[" + host + "]:" + std::to_string(port) : host + ":" + std::to_string(port);
  auto pause = std::chrono::milliseconds(50);
  std::string last_error;
  for (int attempt = 1;; ++attempt) {
    cancellation.ThrowIfRequested();
    if (Until(deadline).count() <= 0) {
      throw GenericError("Could not connect to " + where + " in time: " + last_error);
    }
    const int fd = ::socket(a.family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) throw SystemError("socket", errno);
    auto impl = std::make_unique<TlsChannel::Impl>();
    impl->fd = fd;
    impl->peer = where;
    impl->cancellation = &cancellation;
    cancellation.AddSocket(fd);
    int err = 0;
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&a.storage), a.length) != 0) {
      err = errno;
      if (err == EINPROGRESS) {
        err = ETIMEDOUT;
        while (Until(deadline).count() > 0 && !cancellation.requested()) {
          pollfd p{fd, POLLOUT, 0};
          const int ready =
              ::poll(&p, 1, static_cast<int>(std::min<int64_t>(Until(deadline).count(), 200)));
          if (ready > 0) {
            socklen_t len = sizeof(err);
            ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
            break;
          }
        }
      }
    }
    if (err != 0) {
      last_error = std::strerror(err);
      if (attempt == 1) log("Connecting to " + where + " failed (" + last_error + "), retrying");
      const auto wait = std::min(pause, std::max(Until(deadline), std::chrono::milliseconds(0)));
      std::this_thread::sleep_for(wait);
      pause = std::min(pause * 2, std::chrono::milliseconds(1000));
      continue;  // `impl` closes the socket
    }
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    SetKeepalive(fd);
    SetTimeouts(fd, kHandshakeTimeout);
    impl->ssl.reset(SSL_new(ctx.get()));
    if (!impl->ssl) throw GenericError("cannot set up TLS: " + OpenSslError());
    // The exporter writes through a buffer: many TLS records per system call
    // instead of one each (Write flushes it).
    BIO* socket_bio = BIO_new_socket(fd, BIO_NOCLOSE);
    BIO* buffer_bio = BIO_new(BIO_f_buffer());
    if (!socket_bio || !buffer_bio || BIO_set_write_buffer_size(buffer_bio, kWriteBuffer) != 1) {
      BIO_free(socket_bio);
      BIO_free(buffer_bio);
      throw GenericError("cannot set up TLS: " + OpenSslError());
    }
    BIO_up_ref(socket_bio);  // held by the SSL as its read BIO and by the buffer
    BIO_push(buffer_bio, socket_bio);
    SSL_set_bio(impl->ssl.get(), socket_bio, buffer_bio);
    if (SSL_connect(impl->ssl.get()) != 1) {
      cancellation.ThrowIfRequested();
      throw GenericError("TLS handshake with " + where +
                         " failed: " + OpenSslError(impl->ssl.get()));
    }
    SetTimeouts(fd, std::chrono::milliseconds(0));
    return std::make_unique<TlsChannel>(std::move(impl));
  }
}

}  // namespace herd::impexp
