#include "master/cmdlib/backup.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>

#include "base/errors.h"
#include "base/json.h"
#include "master/cmdlib/common.h"
#include "master/cmdlib/disk_transfer.h"
#include "master/cmdlib/export_config.h"
#include "master/cmdlib/instance_common.h"
#include "master/cmdlib/remote_export.h"

namespace herd::master {
namespace json = boost::json;

json::value BackupRemove(LuContext& ctx, const json::object& op) {
  const std::string requested = RequiredString(op, "instance_name");
  std::string name = requested;
  bool known_instance = false;
  std::vector<std::string> node_uuids;
  ctx.config.Read([&](const objects::ConfigData& d) {
    if (const auto* inst = d.FindInstanceByName(requested)) {
      name = inst->name;
      known_instance = true;
    }
    for (const auto& [uuid, node] : d.nodes) node_uuids.push_back(uuid);
  });
  ctx.locks.Acquire(ctx.owner, locking::Level::kNode, node_uuids, false);
  ctx.op.NotifyStart();
  const auto nodes =
      ctx.config.Read([](const objects::ConfigData& d) { return AddressesOf(OnlineNodes(d)); });
  bool found = false;
  for (const auto& listed : ctx.rpc.CallParallel(nodes, rpc::procedures::kExportList, {})) {
    if (!listed.ok) {
      ctx.LogWarning("Failed to query node " + listed.node + " (continuing): " + listed.error);
      continue;
    }
    bool here = false;
    for (const auto& entry : listed.payload.as_array()) {
      here = here || (entry.is_string() && entry.get_string() == name);
    }
    if (!here) continue;
    found = true;
    const auto node = std::find_if(nodes.begin(), nodes.end(), [&](const rpc::NodeAddress& a) {
      return a.name == listed.node;
    });
    const auto removed = ctx.rpc.Call(*node, rpc::procedures::kExportRemove, json::array{name});
    if (!removed.ok) {
      spdlog::error("Could not remove export for instance {} on node {}: {}", name, listed.node,
                    removed.error);
      ctx.LogWarning("Could not remove export for instance " + name + " on node " + listed.node +
                     ": " + removed.error);
    }
  }
  if (!known_instance && !found) {
    ctx.Feedback(
        "Export not found. If trying to remove an export belonging to a deleted instance please "
        "use its Fully Qualified Domain Name.");
  }
  return nullptr;
}

namespace {

// An export's files on its node, as the master names them (the node maps
// them under its root): EXPORT_DIR/<instance>.new/<disk uuid> while it is
// written, EXPORT_DIR/<instance> once finalized.
std::string ExportImagePath(const std::string& instance_name, const std::string& disk_uuid) {
  return std::string(Paths::kExportDir) + "/" + instance_name + ".new/" + disk_uuid;
}

// Ganeti's _CleanupExports: the instance's older exports on other nodes go.
void RemoveOlderExports(LuContext& ctx, const std::string& instance_name,
                        const std::string& keep_node_uuid) {
  const auto nodes = ctx.config.Read([&](const objects::ConfigData& d) {
    std::vector<const objects::Node*> others;
    for (const auto* n : OnlineNodes(d)) {
      if (n->uuid != keep_node_uuid) others.push_back(n);
    }
    return AddressesOf(others);
  });
  if (nodes.empty()) return;
  ctx.Feedback("Removing old exports for instance " + instance_name);
  const auto listed = ctx.rpc.CallParallel(nodes, rpc::procedures::kExportList, {});
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (!listed[i].ok || !listed[i].payload.is_array()) continue;
    const auto& names = listed[i].payload.get_array();
    if (std::find(names.begin(), names.end(), json::value(instance_name)) == names.end()) continue;
    auto removed = ctx.rpc.Call(nodes[i], rpc::procedures::kExportRemove,
                                json::array{json::value(instance_name)});
    if (!removed.ok) {
      ctx.LogWarning("Could not remove older export for instance " + instance_name + " on node " +
                     nodes[i].name + ": " + removed.error);
    }
  }
}

struct ExportRequest {
  std::string instance_name, mode, target_node, compress;
  json::array remote_targets;  // remote mode: one signed destination per disk
  json::value x509_key_name;   // remote mode: [name, hmac, salt] from OP_BACKUP_PREPARE
  std::string destination_ca;  // remote mode: the destination's signed certificate
  bool shutdown = true, remove_instance = false, ignore_remove_failures = false;
  bool zero_free_space = false, long_sleep = false;
  int shutdown_timeout = 120;
};

ExportRequest ParseExport(const json::object& op) {
  ExportRequest r;
  r.instance_name = RequiredString(op, "instance_name");
  r.mode = OptionalString(op, "mode").value_or("local");
  if (r.mode != "local" && r.mode != "remote") {
    throw OpPrereqError("Invalid export mode '" + r.mode + "' (must be local or remote)",
                        kEcodeInval);
  }
  r.compress = OptionalString(op, "compress").value_or("none");
  r.shutdown = BoolParam(op, "shutdown", true);
  r.remove_instance = BoolParam(op, "remove_instance", false);
  r.ignore_remove_failures = BoolParam(op, "ignore_remove_failures", false);
  r.zero_free_space = BoolParam(op, "zero_free_space", false);
  r.long_sleep = BoolParam(op, "long_sleep", false);
  const double timeout = NumberParam(op, "shutdown_timeout", 120);
  if (timeout < 0) throw OpPrereqError("shutdown_timeout must not be negative", kEcodeInval);
  r.shutdown_timeout = static_cast<int>(timeout);
  if (r.mode == "remote") {
    if (!op.contains("x509_key_name") || op.at("x509_key_name").is_null()) {
      throw OpPrereqError("Missing X509 key name for encryption", kEcodeInval);
    }
    r.x509_key_name = op.at("x509_key_name");
    r.destination_ca = OptionalString(op, "destination_x509_ca").value_or("");
    if (r.destination_ca.empty()) {
      throw OpPrereqError("Missing destination X509 CA", kEcodeInval);
    }
    auto it = op.find("target_node");
    if (it == op.end() || !it->value().is_array()) {
      throw OpPrereqError("A remote export's target_node is a list of disk destinations",
                          kEcodeInval);
    }
    r.remote_targets = it->value().get_array();
  } else {
    r.target_node = RequiredString(op, "target_node");
  }
  if (r.zero_free_space && r.compress == "none") {
    throw OpPrereqError("Zeroing free space does not make sense unless compression is used",
                        kEcodeInval);
  }
  if (r.zero_free_space && !r.shutdown) {
    throw OpPrereqError("Unless the instance is shut down, zeroing cannot be used.", kEcodeInval);
  }
  const bool zeroing_timeouts =
      (op.contains("zeroing_timeout_fixed") && !op.at("zeroing_timeout_fixed").is_null()) ||
      (op.contains("zeroing_timeout_per_mib") && !op.at("zeroing_timeout_per_mib").is_null());
  if (!r.zero_free_space && zeroing_timeouts) {
    throw OpPrereqError(
        "Zeroing timeout options can only be used only with the --zero-free-space option",
        kEcodeInval);
  }
  if (r.long_sleep && !r.shutdown) {
    throw OpPrereqError(
        "The long sleep option only makes sense when the instance can be shut down.", kEcodeInval);
  }
  return r;
}

}  // namespace

json::value BackupPrepare(LuContext& ctx, const json::object& op) {
  objects::Instance instance = LockInstance(ctx, RequiredString(op, "instance_name"));
  const std::string mode = RequiredString(op, "mode");
  if (mode != "local" && mode != "remote") {
    throw OpPrereqError("Invalid export mode '" + mode + "' (must be local or remote)",
                        kEcodeInval);
  }
  ctx.op.NotifyStart();
  ctx.config.Read([&](const objects::ConfigData& d) {
    CheckNodeOnline(d.nodes.at(instance.primary_node), "as primary node");
  });
  if (mode == "local") return nullptr;  // a local export needs no preparation
  const std::string cds = ClusterDomainSecret(ctx.paths);
  const objects::Node pnode = ctx.config.Read(
      [&](const objects::ConfigData& d) { return d.nodes.at(instance.primary_node); });
  const std::string salt = RandomSecret(8);
  ctx.Feedback("Generating X509 certificate on " + pnode.name);
  const NodeX509Certificate cert = CreateNodeX509Certificate(ctx, pnode);
  const std::string& name = cert.name;
  return json::object{
      {"handshake", RemoteExportHandshake(cds)},
      {"x509_key_name", json::array{json::value(name), json::value(SaltedSha1Hmac(cds, name, salt)),
                                    json::value(salt)}},
      {"x509_ca", SignX509Certificate(cert.cert_pem, cds, salt)}};
}

namespace {

// The disks' sources on the instance's node.
std::vector<json::array> ExportSources(const objects::Instance& instance,
                                       const std::vector<objects::Disk>& disks) {
  std::vector<json::array> sources;
  for (size_t i = 0; i < disks.size(); ++i)
    sources.push_back(InstanceDiskIo(instance.os, disks[i], i));
  return sources;
}

// A remote export's checked destinations (Ganeti's CheckPrereq, remote mode).
struct RemoteDestination {
  std::vector<RemoteTarget> targets;
  std::string key_name, ca_pem;
};

RemoteDestination CheckRemoteDestination(const Paths& paths, const ExportRequest& req,
                                         const objects::Instance& instance) {
  RemoteDestination dest;
  if (req.remote_targets.size() != instance.disks.size()) {
    throw OpPrereqError("Received destination information for " +
                            std::to_string(req.remote_targets.size()) + " disks, but instance " +
                            instance.name + " has " + std::to_string(instance.disks.size()) +
                            " disks",
                        kEcodeInval);
  }
  const std::string cds = ClusterDomainSecret(paths);
  const auto* key = req.x509_key_name.if_array();
  if (!key || key->size() != 3 || !(*key)[0].is_string() || !(*key)[1].is_string() ||
      !(*key)[2].is_string()) {
    throw OpPrereqError("Invalid data for X509 key name: expected [name, hmac, salt]", kEcodeInval);
  }
  dest.key_name = std::string((*key)[0].get_string());
  if (SaltedSha1Hmac(cds, dest.key_name, std::string((*key)[2].get_string())) !=
      std::string((*key)[1].get_string())) {
    throw OpPrereqError("HMAC for X509 key name is wrong", kEcodeInval);
  }
  try {
    dest.ca_pem = LoadSignedX509Certificate(req.destination_ca, cds);
  } catch (const GanetiError& e) {
    throw OpPrereqError(std::string("Unable to load destination X509 CA (") + e.what() + ")",
                        kEcodeInval);
  }
  for (size_t i = 0; i < req.remote_targets.size(); ++i) {
    try {
      auto checked = CheckRemoteExportDiskInfo(cds, i, req.remote_targets[i]);
      dest.targets.push_back({checked.host, checked.port, checked.magic});
    } catch (const GanetiError& e) {
      throw OpPrereqError("Target info for disk " + std::to_string(i) + ": " + e.what(),
                          kEcodeInval);
    }
  }
  return dest;
}

// Local mode: the disks to files under the target's export directory, then
// its config.ini. Returns (finalized, per-disk success).
std::pair<bool, std::vector<bool>> ExportLocally(LuContext& ctx, const ExportRequest& req,
                                                 const objects::Instance& instance,
                                                 const objects::Node& pnode,
                                                 const objects::Node& target,
                                                 const std::vector<objects::Disk>& disks,
                                                 const rpc::InstanceSpec& spec) {
  // An export that does not finish leaves no directory behind on the target
  // (the node hides unfinished ones from export_list anyway).
  struct UnfinishedCleanup {
    LuContext& ctx;
    const objects::Node& target;
    std::string name;
    bool armed = true;
    ~UnfinishedCleanup() {
      if (!armed) return;
      auto removed = ctx.rpc.Call(AddressOf(target), rpc::procedures::kExportRemove,
                                  json::array{json::value(name)});
      if (!removed.ok) {
        spdlog::warn("Could not remove unfinished export {} on node {}: {}", name, target.name,
                     removed.error);
      }
    }
  } unfinished{ctx, target, instance.name + ".new"};

  const auto sources = ExportSources(instance, disks);
  std::vector<std::optional<DiskTransfer>> transfers;
  for (size_t i = 0; i < disks.size(); ++i) {
    DiskTransfer t;
    t.label = "disk/" + std::to_string(i);
    t.source_io = sources[i];
    t.dest_io =
        json::array{json::value("file"),
                    json::array{json::value(ExportImagePath(instance.name, disks[i].uuid))}};
    transfers.push_back(std::move(t));
  }
  const std::vector<bool> disk_results =
      TransferInstanceData(ctx, pnode, target, req.compress, spec, transfers);
  if (!std::all_of(disk_results.begin(), disk_results.end(), [](bool ok) { return ok; })) {
    ctx.LogWarning("Some disk exports have failed; there may be leftover data for instance " +
                   instance.name + " on node " + target.name);
    return {false, disk_results};
  }
  ctx.Feedback("Finalizing export on " + target.name);
  const std::string config_text = ctx.config.Read([&](const objects::ConfigData& d) {
    return ExportConfigText(d, d.instances.at(instance.uuid), disks);
  });
  auto result = ctx.rpc.Call(AddressOf(target), rpc::procedures::kFinalizeExport,
                             json::array{json::value(instance.name), json::value(config_text)});
  unfinished.armed = !result.ok;
  if (!result.ok) {
    ctx.LogWarning("Could not finalize export for instance " + instance.name + " on node " +
                   target.name + ": " + result.error);
  }
  return {result.ok, disk_results};
}

}  // namespace

json::value BackupExport(LuContext& ctx, const json::object& op) {
  const ExportRequest req = ParseExport(op);
  const bool local = req.mode == "local";
  objects::Instance instance = LockInstance(ctx, req.instance_name);
  std::string target_uuid;
  std::vector<std::string> nodes{instance.primary_node};
  if (local) {
    target_uuid = ctx.config.Read(
        [&](const objects::ConfigData& d) { return ExpandNode(d, req.target_node).uuid; });
    // Ganeti locks every node (older exports anywhere are removed); shared
    // here, as the export changes no node, so other jobs go on meanwhile.
    nodes = ctx.config.Read([](const objects::ConfigData& d) {
      std::vector<std::string> all;
      for (const auto& [uuid, node] : d.nodes) all.push_back(uuid);
      return all;
    });
  }
  LockNodes(ctx, nodes, /*shared=*/true);
  ctx.op.NotifyStart();

  objects::Node pnode, target;
  std::vector<objects::Disk> disks;
  rpc::InstanceSpec spec;
  ctx.config.Read([&](const objects::ConfigData& d) {
    instance = d.instances.at(instance.uuid);
    pnode = d.nodes.at(instance.primary_node);
    CheckNodeOnline(pnode, "as primary node");
    if (local) {
      target = d.nodes.at(target_uuid);
      CheckNodeOnline(target, "as target node");
      CheckNodeNotDrained(target, "as target node");
    }
    CheckCompressionTool(d, req.compress);
    disks = InstanceDisks(d, instance);
    spec = InstanceSpecOf(d, instance);
  });
  const bool was_up = instance.admin_state == "up";
  if (req.remove_instance && was_up && !req.shutdown) {
    throw OpPrereqError("Can not remove instance without shutting it down before", kEcodeState);
  }
  std::optional<RemoteDestination> remote;
  if (!local) remote = CheckRemoteDestination(ctx.paths, req, instance);
  if (req.zero_free_space) {
    throw OpPrereqError("A zeroing image must be set for zeroing to work", kEcodeInval);
  }
  // Herd's disks cannot be snapshotted: a running instance is exported
  // stopped, which Ganeti allows only when asked (checked here, before the
  // instance is stopped, rather than after as Ganeti does).
  if (!req.remove_instance && was_up && !disks.empty()) {
    if (!req.shutdown) {
      throw OpExecError(
          "Not all disks could be snapshotted, and you requested a live export; aborting");
    }
    if (!req.long_sleep) {
      throw OpExecError(
          "Not all disks could be snapshotted, and you did not allow the instance to remain "
          "offline for a longer time through the --long-sleep option; aborting");
    }
  }

  if (req.shutdown) {
    ctx.Feedback("Shutting down instance " + instance.name);
    ShutdownInstanceOnNode(ctx, instance, pnode, req.shutdown_timeout);
  }
  // The instance runs again afterwards if it was running, whatever happens
  // to the export (Ganeti: unless it is to be removed).
  const bool restart = req.shutdown && was_up && !req.remove_instance;
  struct Restart {
    LuContext& ctx;
    const objects::Instance& instance;
    const objects::Node& pnode;
    bool armed;
    ~Restart() {
      if (!armed) return;
      try {
        ctx.Feedback("Starting instance " + instance.name);
        StartInstanceOnNode(ctx, instance, pnode);
      } catch (const std::exception& e) {
        ctx.LogWarning(std::string("Failed to start instance: ") + e.what());
      }
    }
  } restart_guard{ctx, instance, pnode, restart};

  bool finalized = true;
  std::vector<bool> disk_results;
  if (local) {
    std::tie(finalized, disk_results) =
        ExportLocally(ctx, req, instance, pnode, target, disks, spec);
  } else {
    json::object opts{{"key_name", remote->key_name},
                      {"ca_pem", remote->ca_pem},
                      {"compress", req.compress},
                      {"ipv6", false},
                      {"connect_timeout", kRieConnectTimeoutSeconds}};
    disk_results =
        SendRemoteDisks(ctx, pnode, spec, ExportSources(instance, disks), remote->targets, opts);
  }
  restart_guard.armed = false;
  if (restart) {
    ctx.Feedback("Starting instance " + instance.name);
    StartInstanceOnNode(ctx, instance, pnode);
  }

  const bool all_disks =
      std::all_of(disk_results.begin(), disk_results.end(), [](bool ok) { return ok; });
  if (!all_disks || !finalized) {
    std::vector<std::string> failures;
    if (!finalized) failures.push_back("export finalization");
    if (!all_disks) {
      std::string failed;
      for (size_t i = 0; i < disk_results.size(); ++i) {
        if (!disk_results[i]) failed += (failed.empty() ? "" : ", ") + std::to_string(i);
      }
      failures.push_back("disk export: disk(s) " + failed);
    }
    std::string text;
    for (const auto& f : failures) text += (text.empty() ? "" : ", ") + f;
    throw OpExecError("Export failed, errors in " + text);
  }
  if (req.remove_instance) {
    ctx.Feedback("Removing instance " + instance.name);
    RemoveInstanceAndDisks(ctx, instance, req.ignore_remove_failures);
  }
  if (local) RemoveOlderExports(ctx, instance.name, target_uuid);
  json::array results;
  for (bool ok : disk_results) results.push_back(ok);
  return json::array{finalized, std::move(results)};
}

}  // namespace herd::master
