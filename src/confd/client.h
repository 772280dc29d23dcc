// A confd client as Ganeti's (lib/confd/client.py): one signed request sent
// to several master candidates' confd daemons, replies collected until
// enough of them agree, the newest answer kept.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/paths.h"
#include "confd/protocol.h"
#include "confd/reply.h"
#include "confd/request.h"

namespace herd::confd {

struct ConfdPeer {
  std::string address;  // numeric IPv4 or IPv6 address
  uint16_t port = kDefaultPort;
  bool operator==(const ConfdPeer&) const = default;
};

struct ConfdClientOptions {
  std::vector<ConfdPeer> peers;
  std::string hmac_key;  // hmac.key's full content, newline included
  // Ganeti's CONFD_CLIENT_EXPIRE_TIMEOUT.
  std::chrono::milliseconds timeout{10000};
};

struct PeerReply {
  ConfdPeer peer;
  Reply reply;
};

// What came back for one request.
struct ConfdOutcome {
  size_t asked = 0;                // peers the request was sent to
  std::vector<PeerReply> replies;  // arrival order, at most one per peer
  // As Ganeti's ConfdFilterCallback, a reply of the highest serial (the
  // answer most of those give); empty when nobody answered.
  std::optional<Reply> answer;
  // No two replies of the answer's serial disagree.
  bool consistent = true;
  // At least NeededReplies(asked) replies give the answer (same status and
  // value): only then is it to be trusted.
  bool agreed = false;
  // The time ran out before they did.
  bool timed_out = false;
};

// Ganeti's _NeededReplies: all of 1 or 2 peers, one less of 3 or 4, else a
// majority (1->1, 2->2, 3->2, 4->3, 5->3, 6->4).
size_t NeededReplies(size_t asked);

// The consolidated answer of `replies` (Ganeti's filter), how many of them
// give it, and whether any of the same serial disagrees.
struct Consolidated {
  std::optional<Reply> answer;
  size_t agreeing = 0;
  bool consistent = true;
};
Consolidated Consolidate(const std::vector<PeerReply>& replies);

class ConfdClient {
 public:
  // Throws ConfdClientError without peers or with peers of mixed address
  // families (one socket talks to all, as Ganeti's).
  explicit ConfdClient(ConfdClientOptions options);

  // The client of `node`, as Ganeti's GetConfdClient: the peers are its
  // ssconf master_candidates_ips, each on the port its own confd daemon
  // serves on (CONFD_ARGS, services database, 1814), the key its hmac.key.
  static ConfdClient ForNode(const Paths& node);

  // Ganeti's coverage: 0 asks min(peers, 6) of them, -1 all, n that many
  // (ConfdClientError if there are fewer). Peers are chosen at random.
  ConfdOutcome Ask(RequestType type, const Query& query, int coverage = 0) const;

  const std::vector<ConfdPeer>& peers() const { return options_.peers; }
  void set_timeout(std::chrono::milliseconds timeout) { options_.timeout = timeout; }

 private:
  ConfdClientOptions options_;
  int family_ = 0;
};

// A string query (a node or instance name, a link, a path).
Query TextQuery(const std::string& text);

}  // namespace herd::confd
