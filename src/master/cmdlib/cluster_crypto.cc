// OP_CLUSTER_RENEW_CRYPTO: Ganeti's part in the master (the master
// candidates' certificate digests recorded again, and SSH keys, which Herd
// does not manage), and what Ganeti's gnt-cluster does over SSH while the
// daemons are stopped, which Herd does over node RPC with the daemons
// running: the cluster certificate replaced on every node, and the files
// gnt-cluster renewed on the master copied to every node.
#include <set>

#include "base/errors.h"
#include "base/files.h"
#include "master/cmdlib/cluster.h"
#include "master/cmdlib/common.h"
#include "net/tls.h"

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

std::string NodeList(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// The cluster certificate (server.pem), replaced on every node while the
// node daemons serve: at each step every node accepts the certificate the
// master presents and presents one the master accepts.
//  1. the next certificate, made on the master, staged on every node (each
//     node daemon then accepts clients with the current or the next one);
//  2. the master's node daemon switches to it, then the master's RPC client
//     presents it (accepting nodes with the previous or the new one);
//  3. every other node switches (still accepting the previous one);
//  4. the master's client accepts only the new one, and the nodes forget
//     the previous one.
// A node that misses a step keeps the old certificate and is unreachable
// afterwards: the user is told how to bring it back.
void RenewClusterCertificate(LuContext& ctx) {
  const Paths& paths = ctx.paths;
  std::string cluster_name;
  std::optional<rpc::NodeAddress> master;
  std::vector<rpc::NodeAddress> others;
  std::vector<std::string> offline;
  ctx.config.Read([&](const objects::ConfigData& d) {
    cluster_name = d.cluster.cluster_name;
    for (const auto& [uuid, node] : d.nodes) {
      if (uuid == d.cluster.master_node) {
        master = AddressOf(node);
      } else if (node.offline) {
        offline.push_back(node.name);
      } else {
        others.push_back(AddressOf(node));
      }
    }
  });
  if (!master) throw OpExecError("The configuration names no master node");
  const auto certificate = paths.NodedCertFile();
  const auto next = paths.NodedNextCertFile();
  const auto previous = paths.NodedPreviousCertFile();
  const auto call = [&](const std::vector<rpc::NodeAddress>& nodes, const char* action,
                        json::array args) {
    args.insert(args.begin(), json::value(action));
    return ctx.rpc.CallParallel(nodes, rpc::procedures::kHerdClusterCertificate, args);
  };
  std::vector<std::string> missed;  // "node: why"

  // 1. Stage.
  net::GenerateSelfSignedCertificate(next, cluster_name);
  const std::string pem = ReadFile(next);
  std::vector<rpc::NodeAddress> staged;
  for (const auto& r : call(others, "stage", json::array{json::value(pem)})) {
    if (r.ok) {
      for (const auto& n : others) {
        if (n.name == r.node) staged.push_back(n);
      }
    } else {
      missed.push_back(r.node + ": " + r.error);
    }
  }
  ctx.rpc.ReloadCertificates(certificate, {certificate, next});

  // 2. The master first: without it nothing else can proceed.
  const auto activated_master = call({*master}, "activate", {}).front();
  if (!activated_master.ok) {
    call(staged, "abort", {});
    RemoveFile(next);
    ctx.rpc.ReloadCertificates(certificate, {certificate});
    throw OpExecError("Cannot install the new cluster certificate on the master node: " +
                      activated_master.error + "; the old certificate stays in use");
  }
  ctx.rpc.ReloadCertificates(certificate, {certificate, previous});

  // 3. The other nodes.
  std::vector<rpc::NodeAddress> activated{*master};
  for (const auto& r : call(staged, "activate", {})) {
    if (r.ok) {
      for (const auto& n : staged) {
        if (n.name == r.node) activated.push_back(n);
      }
    } else {
      missed.push_back(r.node + ": " + r.error);
    }
  }

  // 4. Only the new certificate from now on.
  ctx.rpc.ReloadCertificates(certificate, {certificate});
  for (const auto& r : call(activated, "finish", {})) {
    if (!r.ok) {
      ctx.Feedback("Warning: node " + r.node +
                   " could not forget the previous cluster certificate: " + r.error + "; remove " +
                   paths.Unprefixed(previous) + " there");
    }
  }
  ctx.Feedback("New cluster certificate installed on " + std::to_string(activated.size()) +
               " node(s)");
  if (!missed.empty()) {
    std::string text =
        "Warning: these nodes did not get the new cluster certificate and cannot be reached "
        "until they do:\n";
    for (const auto& m : missed) text += "  " + m + "\n";
    text += "Copy " + paths.Unprefixed(certificate) +
            " from the master node to each of them, restart their node daemon, then run "
            "\"gnt-cluster renew-crypto --new-node-certificates\"";
    ctx.Feedback(text);
  }
  if (!offline.empty()) {
    ctx.Feedback("Offline nodes (not updated; copy " + paths.Unprefixed(certificate) +
                 " there before bringing them back online): " + NodeList(offline));
  }
}

// Files gnt-cluster renewed on the master, copied to every other node, whose
// daemons read them again when they change.
void DistributeFiles(LuContext& ctx, const std::vector<std::string>& files) {
  std::vector<rpc::NodeAddress> others;
  std::vector<std::string> offline;
  ctx.config.Read([&](const objects::ConfigData& d) {
    for (const auto& [uuid, node] : d.nodes) {
      if (uuid == d.cluster.master_node) continue;
      if (node.offline) {
        offline.push_back(node.name);
      } else {
        others.push_back(AddressOf(node));
      }
    }
  });
  std::string names;
  for (const auto& f : files) names += (names.empty() ? "" : ", ") + ctx.paths.Unprefixed(f);
  ctx.Feedback("Copying " + names + " to " + std::to_string(others.size()) + " node(s)");
  std::set<std::string> failed;
  std::string errors;
  for (const auto& file : files) {
    if (!FileExists(file)) {
      throw OpExecError("The master has no " + ctx.paths.Unprefixed(file) +
                        "; run gnt-cluster renew-crypto on the master node");
    }
    // Sent as the master names it; each node maps it onto its own root.
    const json::array args{json::value(file), json::array{0, json::value(ReadFile(file))}, 0600};
    for (const auto& r : ctx.rpc.CallParallel(others, rpc::procedures::kUploadFile, args)) {
      if (!r.ok && failed.insert(r.node).second) errors += "  " + r.node + ": " + r.error + "\n";
    }
  }
  if (!errors.empty()) {
    ctx.Feedback("Warning: could not copy the new files to these nodes:\n" + errors +
                 "Run \"gnt-cluster redist-conf\" once they are reachable");
  }
  if (!offline.empty()) {
    ctx.Feedback(
        "Offline nodes (not updated; run \"gnt-cluster redist-conf\" after bringing "
        "them back online): " +
        NodeList(offline));
  }
}

}  // namespace

json::value ClusterRenewCrypto(LuContext& ctx, const json::object& op) {
  const bool node_certificates = BoolParam(op, "node_certificates", false);
  const bool renew_ssh_keys = BoolParam(op, "renew_ssh_keys", false);
  // Herd's own parameters (gnt-cluster's options of the same names).
  const bool new_cluster_certificate = BoolParam(op, "new_cluster_certificate", false);
  std::vector<std::string> renewed_files;
  if (BoolParam(op, "new_rapi_certificate", false)) {
    renewed_files.push_back(ctx.paths.RapiCertFile());
  }
  if (BoolParam(op, "new_confd_hmac_key", false)) renewed_files.push_back(ctx.paths.ConfdHmacKey());
  if (BoolParam(op, "new_cluster_domain_secret", false)) {
    renewed_files.push_back(ctx.paths.ClusterDomainSecretFile());
  }
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
  if (!renewed_files.empty()) DistributeFiles(ctx, renewed_files);
  if (new_cluster_certificate) {
    ctx.Feedback("Updating the cluster SSL certificate.");
    RenewClusterCertificate(ctx);
  }
  if (node_certificates || new_cluster_certificate) {
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
