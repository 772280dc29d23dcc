#include "master/cmdlib/node.h"

#include "base/errors.h"
#include "base/hosts.h"
#include "base/json.h"
#include "master/cmdlib/common.h"

namespace herd::master {
namespace {

int CountCandidates(const objects::ConfigData& config) {
  int n = 0;
  for (const auto& [uuid, node] : config.nodes) n += node.master_candidate ? 1 : 0;
  return n;
}

std::string DefaultGroup(const objects::ConfigData& config) {
  if (config.nodegroups.empty()) throw ConfigurationError("the configuration has no node group");
  return config.nodegroups.begin()->first;
}

}  // namespace

// Promotes regular nodes until the candidate pool is full again (Ganeti's
// auto-promotion after a demotion or removal).
void FillCandidatePool(ConfigTxn& txn, const std::string& except_uuid,
                       std::vector<std::string>& promoted) {
  const auto& data = txn.data();
  int have = CountCandidates(data);
  for (const auto& [uuid, node] : data.nodes) {
    if (have >= data.cluster.candidate_pool_size) break;
    if (uuid == except_uuid || node.master_candidate || node.offline || node.drained ||
        !node.master_capable) {
      continue;
    }
    txn.MutableNode(uuid).master_candidate = true;
    promoted.push_back(uuid);
    ++have;
  }
}

json::value NodeAdd(LuContext& ctx, const json::object& op) {
  const std::string name = RequiredString(op, "node_name");
  const bool readd = BoolParam(op, "readd", false);
  // Unlike Ganeti, node adds share the BGL: many at once (as a virtual
  // cluster's creation submits them) run side by side and their hooks go
  // out together (see HooksFanout). Their checks are made again in the
  // commit, so two adds never take the same name or address.
  AcquireBgl(ctx, true);
  const std::string ip = ResolveHostOrThrow(ctx.paths, name);
  std::string secondary_ip = OptionalString(op, "secondary_ip").value_or(ip);
  std::string existing_uuid, group;
  auto check = [&](const objects::ConfigData& data) {
    const auto* existing = data.FindNodeByName(name);
    if (existing && !readd) {
      throw OpPrereqError("Node " + name + " is already in the configuration", kEcodeExists);
    }
    if (!existing && readd) {
      throw OpPrereqError("Node " + name + " is not in the configuration", kEcodeNoEnt);
    }
    if (existing && existing->uuid == data.cluster.master_node) {
      throw OpPrereqError("Cannot readd the master node", kEcodeState);
    }
    for (const auto& [uuid, n] : data.nodes) {
      if (existing && uuid == existing->uuid) continue;
      if (n.primary_ip == ip || n.secondary_ip == ip) {
        throw OpPrereqError("New node ip address(es) conflict with existing node " + n.name,
                            kEcodeNotUnique);
      }
    }
    existing_uuid = existing ? existing->uuid : "";
    if (auto g = OptionalString(op, "group")) {
      const auto* grp = data.FindGroupByName(*g);
      if (!grp) throw OpPrereqError("Node group '" + *g + "' not found", kEcodeNoEnt);
      group = grp->uuid;
    } else {
      group = existing ? existing->group : DefaultGroup(data);
    }
  };
  ctx.config.Read(check);
  // A node added again is not changed by others meanwhile.
  if (readd) ctx.locks.Acquire(ctx.owner, locking::Level::kNode, {existing_uuid}, false);
  ctx.op.NotifyStart();

  // The new node must run a node daemon of our protocol version.
  auto version = ctx.rpc.Call({name, ip, rpc::kDefaultNodedPort}, rpc::procedures::kVersion, {});
  if (!version.ok) {
    throw OpExecError("Cannot get version from the new node: " + version.error);
  }
  if (!version.payload.is_int64() || version.payload.get_int64() != rpc::kProtocolVersion) {
    throw OpExecError("Version mismatch master version " + std::to_string(rpc::kProtocolVersion) +
                      ", node version " + SerializeJson(version.payload));
  }

  // The files any node needs to take over the master role, before it joins.
  auto upload_failures =
      UploadAncillaryFiles(ctx.paths, ctx.rpc, {{name, ip, rpc::kDefaultNodedPort}});
  if (!upload_failures.empty()) {
    throw OpExecError("Cannot copy the cluster's files to the new node: " +
                      upload_failures.front());
  }

  bool is_candidate = false;
  std::string node_uuid;
  ctx.Commit([&](ConfigTxn& txn) {
    const auto& data = txn.data();
    check(data);
    const bool master_capable = BoolParam(op, "master_capable", true);
    is_candidate = master_capable && CountCandidates(data) < data.cluster.candidate_pool_size;
    if (readd) {
      auto& n = txn.MutableNode(existing_uuid);
      n.primary_ip = ip;
      n.secondary_ip = secondary_ip;
      n.offline = n.drained = false;
      n.master_candidate = is_candidate || n.master_candidate;
      is_candidate = n.master_candidate;
      node_uuid = existing_uuid;
      return;
    }
    objects::Node node;
    node.uuid = NewUuid();
    node.name = name;
    node.primary_ip = ip;
    node.secondary_ip = secondary_ip;
    node.group = group;
    node.master_capable = master_capable;
    node.vm_capable = BoolParam(op, "vm_capable", true);
    node.master_candidate = is_candidate;
    node_uuid = node.uuid;
    txn.AddNode(std::move(node));
  });
  if (is_candidate) ctx.services.SendFullConfig(node_uuid);
  ctx.services.ScheduleSsconfDistribution();
  if (is_candidate) SetConfdRunning(ctx, {node_uuid}, true);
  return nullptr;
}

json::value NodeSetParams(LuContext& ctx, const json::object& op) {
  const std::string name = RequiredString(op, "node_name");
  const auto candidate = OptionalBool(op, "master_candidate");
  const auto offline = OptionalBool(op, "offline");
  const auto drained = OptionalBool(op, "drained");
  const auto master_capable = OptionalBool(op, "master_capable");
  const auto vm_capable = OptionalBool(op, "vm_capable");
  const bool auto_promote = BoolParam(op, "auto_promote", false);
  const bool force = BoolParam(op, "force", false);
  int set_true = (candidate.value_or(false) ? 1 : 0) + (offline.value_or(false) ? 1 : 0) +
                 (drained.value_or(false) ? 1 : 0);
  if (set_true > 1) {
    throw OpPrereqError("Can't set the node into more than one state at the same time",
                        kEcodeInval);
  }
  if (!candidate && !offline && !drained && !master_capable && !vm_capable &&
      !op.contains("ndparams") && !op.contains("secondary_ip")) {
    throw OpPrereqError("Please pass at least one modification", kEcodeInval);
  }
  std::string uuid;
  ctx.config.Read([&](const objects::ConfigData& data) { uuid = ExpandNode(data, name).uuid; });
  ctx.locks.Acquire(ctx.owner, locking::Level::kNode, {uuid}, false);
  ctx.op.NotifyStart();

  json::array changes;
  std::vector<std::string> promoted;
  bool became_candidate = false, demoted = false;
  ctx.Commit([&](ConfigTxn& txn) {
    const auto& data = txn.data();
    const auto& current = data.nodes.at(uuid);
    const bool was_candidate = current.master_candidate;
    const bool is_master = uuid == data.cluster.master_node;
    if (is_master && (candidate == false || offline == true || drained == true)) {
      throw OpPrereqError("The master role can be changed only via master-failover", kEcodeInval);
    }
    if (candidate == true && !current.master_capable && master_capable != true) {
      throw OpPrereqError("Node " + name + " is not master capable, cannot become master candidate",
                          kEcodeState);
    }
    const bool demoting = current.master_candidate && (candidate == false || offline == true ||
                                                       drained == true || master_capable == false);
    if (demoting && !auto_promote && !force) {
      int candidates = CountCandidates(data) - 1;
      int possible = 0;
      for (const auto& [u, n] : data.nodes) {
        if (u != uuid && !n.offline && !n.drained && n.master_capable) ++possible;
      }
      if (candidates < data.cluster.candidate_pool_size && possible > candidates) {
        throw OpPrereqError("Not enough master candidates (desired " +
                                std::to_string(data.cluster.candidate_pool_size) + ", new value " +
                                std::to_string(candidates) +
                                "), please use --auto-promote or --force",
                            kEcodeState);
      }
    }
    auto& node = txn.MutableNode(uuid);
    auto record = [&](const char* param, bool value) {
      changes.push_back(json::array{param, value ? "True" : "False"});
    };
    if (master_capable && *master_capable != node.master_capable) {
      node.master_capable = *master_capable;
      record("master_capable", node.master_capable);
    }
    if (vm_capable && *vm_capable != node.vm_capable) {
      node.vm_capable = *vm_capable;
      record("vm_capable", node.vm_capable);
    }
    if (offline && *offline != node.offline) {
      node.offline = *offline;
      record("offline", node.offline);
      if (node.offline && node.master_candidate) {
        node.master_candidate = false;
        record("master_candidate", false);
      }
      if (node.offline && node.drained) {
        node.drained = false;
        record("drained", false);
      }
    }
    if (drained && *drained != node.drained) {
      node.drained = *drained;
      record("drained", node.drained);
      if (node.drained && node.master_candidate) {
        node.master_candidate = false;
        record("master_candidate", false);
      }
      if (node.drained && node.offline) {
        node.offline = false;
        record("offline", false);
      }
    }
    if (candidate && *candidate != node.master_candidate) {
      node.master_candidate = *candidate;
      became_candidate = node.master_candidate;
      record("master_candidate", node.master_candidate);
    }
    if (master_capable == false && node.master_candidate) {
      node.master_candidate = false;
      record("master_candidate", false);
    }
    demoted = was_candidate && !node.master_candidate;
    if (demoting && auto_promote) FillCandidatePool(txn, uuid, promoted);
  });
  if (became_candidate) ctx.services.SendFullConfig(uuid);
  for (const auto& p : promoted) ctx.services.SendFullConfig(p);
  if (!changes.empty()) ctx.services.ScheduleSsconfDistribution();
  std::vector<std::string> started = promoted;
  if (became_candidate) started.push_back(uuid);
  SetConfdRunning(ctx, started, true);
  if (demoted) SetConfdRunning(ctx, {uuid}, false);
  return changes;
}

json::value NodeRemove(LuContext& ctx, const json::object& op) {
  const std::string name = RequiredString(op, "node_name");
  AcquireBgl(ctx, false);
  ctx.op.NotifyStart();
  rpc::NodeAddress address;
  std::vector<std::string> promoted;
  ctx.Commit([&](ConfigTxn& txn) {
    const auto& data = txn.data();
    const auto& node = ExpandNode(data, name);
    if (node.uuid == data.cluster.master_node) {
      throw OpPrereqError("Node is the master node, failover to another node is required",
                          kEcodeInval);
    }
    for (const auto& [uuid, inst] : data.instances) {
      if (inst.primary_node == node.uuid) {
        throw OpPrereqError(
            "Instance " + inst.name + " is still running on the node, please remove first",
            kEcodeInval);
      }
    }
    address = AddressOf(node);
    std::string uuid = node.uuid;
    bool was_candidate = node.master_candidate;
    txn.RemoveNode(uuid);
    if (was_candidate) FillCandidatePool(txn, uuid, promoted);
  });
  for (const auto& p : promoted) ctx.services.SendFullConfig(p);
  SetConfdRunning(ctx, promoted, true);
  // The node forgets the cluster and its daemon exits; a node already down
  // is removed anyway (as Ganeti does), with a warning.
  auto result = ctx.rpc.Call(address, rpc::procedures::kNodeLeaveCluster, json::array{false});
  if (!result.ok)
    ctx.Feedback("Warning: node " + name + " could not be told to leave: " + result.error);
  ctx.services.ScheduleSsconfDistribution();
  return nullptr;
}

json::value RestrictedCommand(LuContext& ctx, const json::object& op) {
  const std::string command = RequiredString(op, "command");
  const auto names = StringListParam(op, "nodes");
  if (names.empty()) throw OpPrereqError("No nodes given", kEcodeInval);
  std::vector<objects::Node> nodes;
  ctx.config.Read([&](const objects::ConfigData& d) {
    for (const auto& name : names) nodes.push_back(ExpandNode(d, name));
  });
  std::vector<std::string> uuids;
  for (const auto& n : nodes) uuids.push_back(n.uuid);
  std::sort(uuids.begin(), uuids.end());
  uuids.erase(std::unique(uuids.begin(), uuids.end()), uuids.end());
  ctx.locks.Acquire(ctx.owner, locking::Level::kNode, uuids, !BoolParam(op, "use_locking", false));
  ctx.op.NotifyStart();
  std::vector<const objects::Node*> targets;
  for (const auto& n : nodes) targets.push_back(&n);
  auto answers = ctx.rpc.CallParallel(AddressesOf(targets), rpc::procedures::kRestrictedCommand,
                                      json::array{json::value(command)});
  json::array result;
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (answers[i].ok) {
      result.push_back(json::array{true, answers[i].payload});
    } else {
      result.push_back(
          json::array{false, json::value("Command '" + command + "' on node '" + nodes[i].name +
                                         "' failed: " + answers[i].error)});
    }
  }
  return result;
}

json::value NodePowercycle(LuContext& ctx, const json::object& op) {
  const std::string name = RequiredString(op, "node_name");
  const bool force = BoolParam(op, "force", false);
  const bool master = ctx.config.Read([&](const objects::ConfigData& d) {
    return ExpandNode(d, name).uuid == d.cluster.master_node;
  });
  if (master && !force) {
    throw OpPrereqError("The node is the master and the force parameter was not set", kEcodeInval);
  }
  // The fake hypervisor powercycles by rebooting the machine; a virtual node
  // shares it with the whole cluster.
  throw OpPrereqError(
      "Cannot powercycle node " + name +
          ": Herd's nodes run the fake hypervisor, whose powercycle reboots the whole machine; "
          "restart the node's daemons instead (or use its out-of-band program)",
      kEcodeEnviron);
}

}  // namespace herd::master
