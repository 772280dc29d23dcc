// OP_CLUSTER_RENEW_CRYPTO: Ganeti's part in the master (gnt-cluster
// renew-crypto does the rest): the master candidates' certificate digests
// recorded again, and SSH keys (which Herd does not manage).
#include <set>

#include "base/errors.h"
#include "master/cmdlib/cluster.h"
#include "master/cmdlib/common.h"

namespace herd::master {
namespace json = boost::json;

namespace {

constexpr int kDigestAttempts = 3;  // Ganeti's _MAX_NUM_RETRIES

struct CandidateNode {
  std::string uuid, name;
  rpc::NodeAddress address;
};

// Ganeti's GetClientCertDigest: the node's own answer, retried.
std::optional<std::string> FetchDigest(LuContext& ctx, const CandidateNode& node,
                                       std::string* error) {
  const json::array request{json::array{"ssl", "get", json::object{}}};
  for (int attempt = 0; attempt < kDigestAttempts; ++attempt) {
    const auto r =
        ctx.rpc.Call(node.address, rpc::procedures::kNodeCryptoTokens, json::array{request});
    if (r.ok) {
      const auto& answer = r.payload.as_array();
      if (answer.size() == 1 && answer[0].is_array() && answer[0].as_array().size() == 2 &&
          answer[0].as_array()[1].is_string()) {
        return std::string(answer[0].as_array()[1].get_string());
      }
      *error = "Could not fetch the node's (uuid " + node.uuid +
               ") SSL client certificate: malformed answer";
      continue;
    }
    *error =
        "Could not fetch the node's (uuid " + node.uuid + ") SSL client certificate: " + r.error;
  }
  return std::nullopt;
}

void RenewNodeCertificateDigests(LuContext& ctx) {
  std::vector<CandidateNode> candidates;
  std::string master_uuid;
  ctx.config.Read([&](const objects::ConfigData& d) {
    master_uuid = d.cluster.master_node;
    for (const auto& [uuid, node] : d.nodes) {
      if (node.offline || !(node.master_candidate || uuid == master_uuid)) continue;
      candidates.push_back({uuid, node.name, AddressOf(node)});
    }
  });
  json::object digests;
  std::string errors;
  for (const auto& node : candidates) {
    std::string error;
    if (auto digest = FetchDigest(ctx, node, &error)) {
      digests[node.uuid] = *digest;
    } else if (node.uuid == master_uuid) {
      throw OpExecError(error);  // Ganeti reads the master's own certificate: it must be there
    } else {
      errors += "Node " + node.uuid + ": " + error + "\n";
    }
  }
  if (!errors.empty()) {
    ctx.Feedback(
        "Some nodes' SSL client certificates could not be fetched. Please make sure those nodes "
        "are reachable and rerun the operation. The affected nodes and their errors are:\n" +
        errors);
  }
  ctx.Commit([&](ConfigTxn& txn) { txn.MutableCluster().candidate_certs = digests; });
  ctx.services.ScheduleSsconfDistribution();  // ssconf_master_candidates_certs
}

}  // namespace

json::value ClusterRenewCrypto(LuContext& ctx, const json::object& op) {
  const bool node_certificates = BoolParam(op, "node_certificates", false);
  const bool renew_ssh_keys = BoolParam(op, "renew_ssh_keys", false);
  if (auto key_type = OptionalString(op, "ssh_key_type")) {
    static const std::set<std::string> kKeyTypes{"rsa", "dsa", "ecdsa"};
    if (!kKeyTypes.count(*key_type)) {
      throw OpPrereqError("Invalid SSH key type '" + *key_type + "'; use one of rsa, dsa, ecdsa",
                          kEcodeInval);
    }
  }
  AcquireBgl(ctx, true);
  std::vector<std::string> nodes;
  ctx.config.Read([&](const objects::ConfigData& d) {
    for (const auto& [uuid, node] : d.nodes) nodes.push_back(uuid);
  });
  ctx.locks.Acquire(ctx.owner, locking::Level::kNode, nodes, false);
  ctx.op.NotifyStart();
  if (node_certificates) {
    ctx.Feedback("Renewing Node SSL certificates");
    RenewNodeCertificateDigests(ctx);
  }
  if (renew_ssh_keys) {
    const bool modify_ssh_setup =
        ctx.config.Read([](const objects::ConfigData& d) { return d.cluster.modify_ssh_setup; });
    if (modify_ssh_setup) {
      throw OpExecError(
          "Herd reaches its nodes over node RPC only and keeps no SSH keys of its own to renew; "
          "renew the SSH keys of the nodes with your usual tools");
    }
    ctx.Feedback("Cannot renew SSH keys if the cluster is configured to not modify the SSH setup.");
  }
  return nullptr;
}

}  // namespace herd::master
