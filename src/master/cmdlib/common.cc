#include "master/cmdlib/common.h"

#include <algorithm>
#include <random>
#include <regex>

#include "base/errors.h"
#include "base/files.h"
#include "base/json.h"
#include "base/uuid.h"
#include "rpc/procedures.h"

namespace herd::master {

std::string RequiredString(const json::object& op, const char* name) {
  auto v = OptionalString(op, name);
  if (!v || v->empty()) {
    throw OpPrereqError(std::string("Parameter '") + name + "' is required", kEcodeInval);
  }
  return *v;
}

std::optional<std::string> OptionalString(const json::object& op, const char* name) {
  auto it = op.find(name);
  if (it == op.end() || it->value().is_null()) return std::nullopt;
  if (!it->value().is_string()) {
    throw OpPrereqError(std::string("Parameter '") + name + "' must be a string", kEcodeInval);
  }
  return std::string(it->value().get_string());
}

std::vector<std::string> StringListParam(const json::object& op, const char* name) {
  std::vector<std::string> out;
  auto it = op.find(name);
  if (it == op.end() || it->value().is_null()) return out;
  const auto* list = it->value().if_array();
  if (list) {
    for (const auto& v : *list) {
      if (!v.is_string()) break;
      out.emplace_back(v.get_string());
    }
  }
  if (!list || out.size() != list->size()) {
    throw OpPrereqError(std::string("Parameter '") + name + "' must be a list of strings",
                        kEcodeInval);
  }
  return out;
}

std::optional<bool> OptionalBool(const json::object& op, const char* name) {
  auto it = op.find(name);
  if (it == op.end() || it->value().is_null()) return std::nullopt;
  if (!it->value().is_bool()) {
    throw OpPrereqError(std::string("Parameter '") + name + "' must be a boolean", kEcodeInval);
  }
  return it->value().get_bool();
}

bool BoolParam(const json::object& op, const char* name, bool fallback) {
  return OptionalBool(op, name).value_or(fallback);
}

double NumberParam(const json::object& op, const char* name, double fallback) {
  auto it = op.find(name);
  if (it == op.end() || it->value().is_null()) return fallback;
  try {
    return ToNumber(it->value(), name);
  } catch (const GanetiError&) {
    throw OpPrereqError(std::string("Parameter '") + name + "' must be a number", kEcodeInval);
  }
}

const objects::Node& ExpandNode(const objects::ConfigData& config, const std::string& name) {
  if (const auto* n = config.FindNodeByName(name)) return *n;
  if (auto it = config.nodes.find(name); it != config.nodes.end()) return it->second;
  throw OpPrereqError("Node '" + name + "' not known", kEcodeNoEnt);
}

rpc::NodeAddress AddressOf(const objects::Node& node) {
  return {node.name, node.primary_ip, rpc::kDefaultNodedPort};
}

std::vector<rpc::NodeAddress> AddressesOf(const std::vector<const objects::Node*>& nodes) {
  std::vector<rpc::NodeAddress> out;
  for (const auto* n : nodes) out.push_back(AddressOf(*n));
  return out;
}

std::vector<const objects::Node*> OnlineNodes(const objects::ConfigData& config) {
  std::vector<const objects::Node*> out;
  for (const auto& [uuid, n] : config.nodes) {
    if (!n.offline) out.push_back(&n);
  }
  return out;
}

std::vector<const objects::Node*> MasterCandidates(const objects::ConfigData& config) {
  std::vector<const objects::Node*> out;
  for (const auto& [uuid, n] : config.nodes) {
    if (n.master_candidate && uuid != config.cluster.master_node) out.push_back(&n);
  }
  return out;
}

const objects::Node& MasterNode(const objects::ConfigData& config) {
  auto it = config.nodes.find(config.cluster.master_node);
  if (it == config.nodes.end()) throw ConfigurationError("master node is not in the configuration");
  return it->second;
}

namespace {
std::string Lines(std::vector<std::string> items) {
  std::sort(items.begin(), items.end());
  std::string out;
  for (const auto& i : items) out += i + "\n";
  return out;
}
}  // namespace

std::map<std::string, std::string> ComputeSsconf(const objects::ConfigData& config) {
  std::vector<std::string> names, ips, candidates, candidate_ips, online, offline, vm_capable,
      secondary;
  for (const auto& [uuid, n] : config.nodes) {
    names.push_back(n.name);
    ips.push_back(n.name + " " + n.primary_ip);
    secondary.push_back(n.name + " " + n.secondary_ip);
    vm_capable.push_back(n.name + "=" + (n.vm_capable ? "True" : "False"));
    if (n.master_candidate) {
      candidates.push_back(n.name);
      candidate_ips.push_back(n.primary_ip);
    }
    (n.offline ? offline : online).push_back(n.name);
  }
  std::vector<std::string> groups;
  for (const auto& [uuid, g] : config.nodegroups) groups.push_back(uuid + " " + g.name);
  std::vector<std::string> instances;
  for (const auto& [uuid, i] : config.instances) instances.push_back(i.name);
  const auto& c = config.cluster;
  std::vector<std::string> candidate_certs;
  for (const auto& [uuid, digest] : c.candidate_certs) {
    candidate_certs.push_back(std::string(uuid) + "=" +
                              (digest.is_string() ? std::string(digest.get_string()) : ""));
  }
  std::string master_name;
  if (auto it = config.nodes.find(c.master_node); it != config.nodes.end())
    master_name = it->second.name;
  return {{"cluster_name", c.cluster_name + "\n"},
          {"master_node", master_name + "\n"},
          {"master_ip", c.master_ip + "\n"},
          {"master_netdev", c.master_netdev + "\n"},
          {"node_list", Lines(names)},
          {"node_primary_ips", Lines(ips)},
          {"node_secondary_ips", Lines(secondary)},
          {"node_vm_capable", Lines(vm_capable)},
          {"master_candidates", Lines(candidates)},
          {"master_candidates_ips", Lines(candidate_ips)},
          {"master_candidates_certs", Lines(candidate_certs)},
          {"online_nodes", Lines(online)},
          {"offline_nodes", Lines(offline)},
          {"instance_list", Lines(instances)},
          {"nodegroups", Lines(groups)},
          {"file_storage_dir", c.file_storage_dir + "\n"},
          {"shared_file_storage_dir", c.shared_file_storage_dir + "\n"},
          {"release_version", "3.0.2\n"},
          {"primary_ip_family", "2\n"}};
}

void AcquireBgl(LuContext& ctx, bool shared) {
  ctx.locks.Acquire(ctx.owner, locking::Level::kCluster, {std::string(locking::kBgl)}, shared);
}

std::string NormalizedMacPrefix(const std::string& prefix) {
  static const std::regex kPrefix("^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){2}$");
  if (!std::regex_match(prefix, kPrefix)) {
    throw OpPrereqError("Invalid MAC address prefix '" + prefix + "'", kEcodeInval);
  }
  std::string out = prefix;
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string NewUuid() { return RandomUuid(); }

std::vector<std::string> UploadAncillaryFiles(const Paths& master_paths, rpc::NodeRpcClient& rpc,
                                              const std::vector<rpc::NodeAddress>& nodes) {
  // One request per node carries every file.
  std::vector<rpc::BatchCall> uploads;
  for (const auto& file : {master_paths.RapiCertFile(), master_paths.RapiUsersFile(),
                           master_paths.ConfdHmacKey(), master_paths.ClusterDomainSecretFile()}) {
    if (!FileExists(file)) continue;
    // Sent as the master names it (its root); each node maps it onto its own.
    uploads.push_back(
        {rpc::procedures::kUploadFile,
         json::array{json::value(file), json::array{0, json::value(ReadFile(file))}, 0600}});
  }
  std::vector<std::string> failures;
  if (uploads.empty()) return failures;
  for (const auto& node_results : rpc.CallBatchParallel(nodes, uploads)) {
    for (const auto& r : node_results) {
      if (!r.ok) failures.push_back(r.node + ": " + r.error);
    }
  }
  return failures;
}

void SetConfdRunning(LuContext& ctx, const std::vector<std::string>& node_uuids, bool run) {
  if (node_uuids.empty()) return;
  std::vector<rpc::NodeAddress> nodes;
  ctx.config.Read([&](const objects::ConfigData& d) {
    for (const auto& uuid : node_uuids) {
      auto it = d.nodes.find(uuid);
      if (it != d.nodes.end() && !it->second.offline) nodes.push_back(AddressOf(it->second));
    }
  });
  for (const auto& r :
       ctx.rpc.CallParallel(nodes, rpc::procedures::kHerdConfd, json::array{json::value(run)})) {
    if (!r.ok) {
      ctx.Feedback(std::string("Warning: could not ") + (run ? "start" : "stop") +
                   " ganeti-confd on node " + r.node + ": " + r.error +
                   "; its watcher will try again");
    }
  }
}

}  // namespace herd::master
