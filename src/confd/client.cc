#include "confd/client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <random>
#include <sstream>

#include "base/errors.h"
#include "base/files.h"
#include "base/uuid.h"
#include "confd/daemon_options.h"
#include "confd/envelope.h"

namespace herd::confd {
namespace {

// Ganeti's CONFD_DEFAULT_REQ_COVERAGE and MAX_UDP_DATA_SIZE.
constexpr size_t kDefaultCoverage = 6;
constexpr size_t kMaxDatagramBytes = 61440;

GanetiError ClientError(std::string message) {
  return GanetiError("ConfdClientError", {std::move(message)});
}

std::mt19937_64& Random() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng;
}

// The socket address of a peer; family 0 when `address` is no numeric IP.
struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;
  int family() const { return length ? storage.ss_family : 0; }
};

SocketAddress ToSocketAddress(const ConfdPeer& peer) {
  SocketAddress out;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&out.storage);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&out.storage);
  if (::inet_pton(AF_INET, peer.address.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(peer.port);
    out.length = sizeof(sockaddr_in);
  } else if (::inet_pton(AF_INET6, peer.address.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(peer.port);
    out.length = sizeof(sockaddr_in6);
  }
  return out;
}

ConfdPeer FromSocketAddress(const sockaddr_storage& from) {
  char text[INET6_ADDRSTRLEN] = {};
  if (from.ss_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&from);
    ::inet_ntop(AF_INET, &v4->sin_addr, text, sizeof(text));
    return {text, ntohs(v4->sin_port)};
  }
  const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&from);
  ::inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof(text));
  return {text, ntohs(v6->sin6_port)};
}

// Addresses compare as the kernel reports them ("::1" and "0::1" are one).
bool SamePeer(const ConfdPeer& a, const ConfdPeer& b) {
  if (a.port != b.port) return false;
  const SocketAddress x = ToSocketAddress(a), y = ToSocketAddress(b);
  if (!x.family() || x.family() != y.family()) return a.address == b.address;
  return FromSocketAddress(x.storage).address == FromSocketAddress(y.storage).address;
}

bool SameAnswer(const Reply& a, const Reply& b) {
  return a.status == b.status && a.answer == b.answer;
}

class UdpSocket {
 public:
  explicit UdpSocket(int family) : fd_(::socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {
    if (fd_ < 0) throw SystemError("confd client socket", errno);
  }
  ~UdpSocket() { ::close(fd_); }
  UdpSocket(const UdpSocket&) = delete;
  UdpSocket& operator=(const UdpSocket&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

}  // namespace

size_t NeededReplies(size_t asked) {
  if (asked < 3) return asked;
  if (asked < 5) return asked - 1;
  return asked / 2 + 1;
}

Consolidated Consolidate(const std::vector<PeerReply>& replies) {
  Consolidated out;
  if (replies.empty()) return out;
  int64_t newest = replies.front().reply.serial;
  for (const auto& r : replies) newest = std::max(newest, r.reply.serial);
  // Among the newest replies the answer most of them give (the earliest of
  // equals): Ganeti keeps the first, which is the same when they agree.
  auto agreeing = [&](const Reply& candidate) {
    return static_cast<size_t>(std::count_if(replies.begin(), replies.end(), [&](const auto& r) {
      return SameAnswer(r.reply, candidate);
    }));
  };
  for (const auto& r : replies) {
    if (r.reply.serial != newest) continue;
    if (out.answer && !(r.reply.answer == out.answer->answer)) out.consistent = false;
    const size_t count = agreeing(r.reply);
    if (!out.answer || count > out.agreeing) {
      out.answer = r.reply;
      out.agreeing = count;
    }
  }
  return out;
}

ConfdClient::ConfdClient(ConfdClientOptions options) : options_(std::move(options)) {
  if (options_.peers.empty()) throw ClientError("No confd peers (master candidates) known");
  for (const auto& peer : options_.peers) {
    const int family = ToSocketAddress(peer).family();
    if (!family) throw ClientError("Confd peer '" + peer.address + "' is not an IP address");
    if (family_ && family != family_) {
      throw ClientError("Confd peers must all be IPv4 or all IPv6 addresses");
    }
    family_ = family;
  }
}

ConfdClient ConfdClient::ForNode(const Paths& node) {
  const std::string candidates = node.SsconfFile("master_candidates_ips");
  if (!FileExists(candidates)) {
    throw ClientError("This node is not part of a cluster: " + candidates + " is missing");
  }
  if (!FileExists(node.ConfdHmacKey())) {
    throw ClientError("This node has no confd HMAC key (" + node.ConfdHmacKey() + ")");
  }
  ConfdClientOptions options;
  const uint16_t port = ConfdPortOfNode(node);
  for (const auto& ip : Lines(ReadFile(candidates))) options.peers.push_back({ip, port});
  options.hmac_key = ReadFile(node.ConfdHmacKey());
  return ConfdClient(std::move(options));
}

ConfdOutcome ConfdClient::Ask(RequestType type, const Query& query, int coverage) const {
  std::vector<ConfdPeer> targets = options_.peers;
  size_t count = 0;
  if (coverage == 0) {
    count = std::min(targets.size(), kDefaultCoverage);
  } else if (coverage == -1) {
    count = targets.size();
  } else if (coverage > 0 && static_cast<size_t>(coverage) <= targets.size()) {
    count = static_cast<size_t>(coverage);
  } else {
    throw ClientError("Not enough MCs known to provide the desired coverage");
  }
  std::shuffle(targets.begin(), targets.end(), Random());
  targets.resize(count);

  Request request;
  request.type = type;
  request.query = query;
  request.rsalt = RandomUuid();
  // The salt is the sending time: servers drop requests older than 5 minutes.
  const std::string datagram =
      Seal(options_.hmac_key, std::to_string(std::time(nullptr)), RequestMessage(request));
  if (datagram.size() > kMaxDatagramBytes) throw ClientError("Request too big");

  UdpSocket socket(family_);
  ConfdOutcome outcome;
  outcome.asked = targets.size();
  for (const auto& target : targets) {
    const SocketAddress to = ToSocketAddress(target);
    // A peer that cannot be sent to (no route, say) simply does not answer.
    (void)::sendto(socket.fd(), datagram.data(), datagram.size(), 0,
                   reinterpret_cast<const sockaddr*>(&to.storage), to.length);
  }

  const size_t needed = NeededReplies(outcome.asked);
  const auto deadline = std::chrono::steady_clock::now() + options_.timeout;
  std::string buffer(65536, '\0');
  for (;;) {
    const Consolidated now = Consolidate(outcome.replies);
    outcome.answer = now.answer;
    outcome.consistent = now.consistent;
    outcome.agreed = now.agreeing >= needed;
    if (outcome.agreed || outcome.replies.size() == outcome.asked) break;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      outcome.timed_out = true;
      break;
    }
    pollfd p{socket.fd(), POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno != EINTR) throw SystemError("poll on the confd client socket", errno);
    if (ready <= 0) continue;
    sockaddr_storage from{};
    socklen_t from_length = sizeof(from);
    const ssize_t n = ::recvfrom(socket.fd(), buffer.data(), buffer.size(), 0,
                                 reinterpret_cast<sockaddr*>(&from), &from_length);
    if (n <= 0) continue;  // an ICMP error of an unreachable peer, say
    const ConfdPeer sender = FromSocketAddress(from);
    const auto target = std::find_if(targets.begin(), targets.end(),
                                     [&](const ConfdPeer& t) { return SamePeer(t, sender); });
    if (target == targets.end()) continue;
    const bool seen = std::any_of(outcome.replies.begin(), outcome.replies.end(),
                                  [&](const PeerReply& r) { return r.peer == *target; });
    if (seen) continue;
    // Unsigned, forged or someone else's replies are dropped, as Ganeti's.
    const auto envelope =
        Open(std::string_view(buffer.data(), static_cast<size_t>(n)), options_.hmac_key, nullptr);
    if (!envelope || envelope->salt != request.rsalt) continue;
    auto reply = ParseReplyMessage(envelope->msg);
    if (!reply) continue;
    outcome.replies.push_back({*target, std::move(*reply)});
  }
  return outcome;
}

Query TextQuery(const std::string& text) {
  Query query;
  query.kind = Query::Kind::kString;
  query.text = text;
  return query;
}

}  // namespace herd::confd
