#include "master/cmdlib/group.h"

#include <algorithm>
#include <set>

#include "base/errors.h"
#include "base/json.h"
#include "base/nice_sort.h"
#include "base/python_repr.h"
#include "master/cmdlib/common.h"
#include "master/cmdlib/instance_common.h"
#include "master/cmdlib/param_types.h"

namespace herd::master {
namespace {

const std::vector<std::string> kAllocPolicies{"preferred", "last_resort", "unallocable"};

std::optional<std::string> AllocPolicyParam(const json::object& op) {
  auto policy = OptionalString(op, "alloc_policy");
  if (policy &&
      std::find(kAllocPolicies.begin(), kAllocPolicies.end(), *policy) == kAllocPolicies.end()) {
    throw OpPrereqError(
        "Invalid allocation policy '" + *policy + "' (valid: preferred, last_resort, unallocable)",
        kEcodeInval);
  }
  return policy;
}

// Ganeti's MergeAndVerifyHvState: per hypervisor, typed resource figures.
json::object UpdatedHvState(const json::object& current, const json::object& changes) {
  static const ParamTypes types{{"cpu_node", ParamType::kInt},
                                {"cpu_total", ParamType::kInt},
                                {"mem_hv", ParamType::kInt},
                                {"mem_node", ParamType::kInt},
                                {"mem_total", ParamType::kInt}};
  static const std::set<std::string> hypervisors{"chroot", "fake",    "kvm",
                                                 "lxc",    "xen-hvm", "xen-pvm"};
  json::object out = current;
  for (const auto& kv : changes) {
    const std::string hv(kv.key());
    if (!hypervisors.count(hv)) throw OpPrereqError("Invalid hypervisor '" + hv + "'", kEcodeInval);
    if (!kv.value().is_object()) {
      throw OpPrereqError("The state of hypervisor " + hv + " must be a dictionary", kEcodeInval);
    }
    json::object old;
    if (const auto* o = current.if_contains(hv); o && o->is_object()) old = o->get_object();
    out[hv] = ForceParamTypes(UpdatedParams(old, kv.value().get_object()), types);
  }
  return out;
}

// Ganeti's MergeAndVerifyDiskState: per storage type and unit.
json::object UpdatedDiskState(const json::object& current, const json::object& changes) {
  static const ParamTypes types{{"disk_overhead", ParamType::kInt},
                                {"disk_reserved", ParamType::kInt},
                                {"disk_total", ParamType::kInt}};
  static const std::set<std::string> storage_types{"diskless", "file", "sharedfile", "lvm-pv",
                                                   "lvm-vg",   "ext",  "rados",      "gluster"};
  json::object out = current;
  for (const auto& kv : changes) {
    const std::string type(kv.key());
    if (!storage_types.count(type)) {
      throw OpPrereqError("Invalid storage type '" + type + "'", kEcodeInval);
    }
    if (!kv.value().is_object()) {
      throw OpPrereqError("The disk state of " + type + " must be a dictionary", kEcodeInval);
    }
    json::object units;
    if (const auto* o = current.if_contains(type); o && o->is_object()) units = o->get_object();
    for (const auto& unit : kv.value().get_object()) {
      if (!unit.value().is_object()) {
        throw OpPrereqError(
            "The disk state of " + type + "/" + std::string(unit.key()) + " must be a dictionary",
            kEcodeInval);
      }
      json::object old;
      if (const auto* o = units.if_contains(unit.key()); o && o->is_object()) {
        old = o->get_object();
      }
      units[unit.key()] = ForceParamTypes(UpdatedParams(old, unit.value().get_object()), types);
    }
    out[type] = std::move(units);
  }
  return out;
}

// The mirrored (DRBD) instances whose nodes would sit in more than one group
// after moving `moved` nodes to `target`: those newly split, and those split
// before that stay so.
std::pair<std::vector<std::string>, std::vector<std::string>> SplitInstances(
    const objects::ConfigData& config, const std::set<std::string>& moved,
    const std::string& target) {
  std::vector<std::string> newly, still;
  for (const auto& [uuid, inst] : config.instances) {
    if (objects::DiskTemplateOf(config, inst) != "drbd") continue;
    std::set<std::string> before, after;
    for (const auto& node : InstanceNodes(config, inst)) {
      const auto& group = config.nodes.at(node).group;
      before.insert(group);
      after.insert(moved.count(node) ? target : group);
    }
    if (after.size() > 1) (before.size() > 1 ? still : newly).push_back(inst.name);
  }
  std::sort(newly.begin(), newly.end(), NiceLess);
  std::sort(still.begin(), still.end(), NiceLess);
  return {newly, still};
}

std::string CommaJoin(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// The group of `uuid`, still there once locked.
const objects::NodeGroup& LockedGroup(const objects::ConfigData& config, const std::string& uuid,
                                      const std::string& name) {
  auto it = config.nodegroups.find(uuid);
  if (it == config.nodegroups.end()) {
    throw OpExecError("Could not retrieve group '" + name + "' (UUID: " + uuid + ")");
  }
  return it->second;
}

}  // namespace

std::string LockGroup(LuContext& ctx, const std::string& name, bool shared) {
  const std::string uuid =
      ctx.config.Read([&](const objects::ConfigData& d) { return LookupGroup(d, name); });
  AcquireBgl(ctx, true);
  ctx.locks.Acquire(ctx.owner, locking::Level::kNodeGroup, {uuid}, shared);
  return uuid;
}

std::string LookupGroup(const objects::ConfigData& config, const std::string& name_or_uuid) {
  if (name_or_uuid.empty()) {
    if (config.nodegroups.size() != 1) {
      throw OpPrereqError(
          "More than one node group exists. Target group must be specified explicitly.",
          kEcodeInval);
    }
    return config.nodegroups.begin()->first;
  }
  if (config.nodegroups.count(name_or_uuid)) return name_or_uuid;
  if (const auto* g = config.FindGroupByName(name_or_uuid)) return g->uuid;
  throw OpPrereqError("Node group '" + name_or_uuid + "' not found", kEcodeNoEnt);
}

json::value GroupAdd(LuContext& ctx, const json::object& op) {
  objects::NodeGroup group;
  group.name = RequiredString(op, "group_name");
  group.uuid = NewUuid();
  group.alloc_policy = AllocPolicyParam(op).value_or("preferred");
  group.ndparams = ForceParamTypes(DictParam(op, "ndparams"), NodeParamTypes());
  group.diskparams = UpdatedDiskParams({}, DictParam(op, "diskparams"));
  group.ipolicy = UpdatedGroupIPolicy({}, DictParam(op, "ipolicy"));
  group.hv_state_static = UpdatedHvState({}, DictParam(op, "hv_state"));
  group.disk_state_static = UpdatedDiskState({}, DictParam(op, "disk_state"));
  AcquireBgl(ctx, true);
  ctx.locks.Acquire(ctx.owner, locking::Level::kNodeGroup, {group.uuid}, false);
  ctx.op.NotifyStart();
  ctx.Commit([&](ConfigTxn& txn) {
    if (const auto* existing = txn.data().FindGroupByName(group.name)) {
      throw OpPrereqError("Desired group name '" + group.name +
                              "' already exists as a node group (UUID: " + existing->uuid + ")",
                          kEcodeExists);
    }
    txn.AddGroup(group);
  });
  ctx.services.ScheduleSsconfDistribution();
  return nullptr;
}

json::value GroupAssignNodes(LuContext& ctx, const json::object& op) {
  const std::string group_name = RequiredString(op, "group_name");
  const bool force = BoolParam(op, "force", false);
  std::vector<std::string> node_names;
  if (auto it = op.find("nodes"); it != op.end() && it->value().is_array()) {
    for (const auto& n : it->value().get_array()) {
      if (!n.is_string()) throw OpPrereqError("Node names must be strings", kEcodeInval);
      node_names.emplace_back(n.get_string());
    }
  } else {
    throw OpPrereqError("Parameter 'nodes' must be a list of node names", kEcodeInval);
  }
  std::string target;
  std::vector<std::string> node_uuids;
  std::set<std::string> groups;
  ctx.config.Read([&](const objects::ConfigData& d) {
    target = LookupGroup(d, group_name);
    for (const auto& name : node_names) {
      const auto& node = ExpandNode(d, name);
      node_uuids.push_back(node.uuid);
      groups.insert(node.group);
    }
  });
  groups.insert(target);
  AcquireBgl(ctx, true);
  ctx.locks.Acquire(ctx.owner, locking::Level::kNodeGroup, {groups.begin(), groups.end()}, false);
  ctx.locks.Acquire(ctx.owner, locking::Level::kNode, node_uuids, false);
  ctx.op.NotifyStart();
  ctx.Commit([&](ConfigTxn& txn) {
    const auto& d = txn.data();
    LockedGroup(d, target, group_name);
    std::set<std::string> now{target};
    for (const auto& uuid : node_uuids) {
      auto it = d.nodes.find(uuid);
      if (it == d.nodes.end()) throw OpExecError("Node " + uuid + " disappeared");
      now.insert(it->second.group);
    }
    if (now != groups) {
      std::vector<std::string> was(groups.begin(), groups.end()), is(now.begin(), now.end());
      throw OpExecError("Nodes changed groups since locks were acquired, current groups are '" +
                        CommaJoin(is) + "', used to be '" + CommaJoin(was) + "'");
    }
    const auto [newly, still] =
        SplitInstances(d, std::set<std::string>(node_uuids.begin(), node_uuids.end()), target);
    if (!newly.empty()) {
      if (!force) {
        throw OpExecError(
            "The following instances get split by this change and --force was not given: " +
            CommaJoin(newly));
      }
      ctx.Feedback("WARNING: This operation will split the following instances: " +
                   CommaJoin(newly));
      if (!still.empty()) {
        ctx.Feedback(
            "WARNING: In addition, these already-split instances continue to be split across "
            "groups: " +
            CommaJoin(still));
      }
    }
    for (const auto& uuid : node_uuids) {
      if (d.nodes.at(uuid).group != target) txn.MutableNode(uuid).group = target;
    }
    // Ganeti counts a membership change as a change of both groups.
    for (const auto& g : now) txn.MutableGroup(g);
  });
  ctx.services.ScheduleSsconfDistribution();
  return nullptr;
}

json::value GroupSetParams(LuContext& ctx, const json::object& op) {
  const std::string group_name = RequiredString(op, "group_name");
  const auto alloc_policy = AllocPolicyParam(op);
  const char* kChanges[] = {"ndparams", "diskparams", "alloc_policy",
                            "hv_state", "disk_state", "ipolicy"};
  if (std::none_of(std::begin(kChanges), std::end(kChanges), [&](const char* key) {
        auto it = op.find(key);
        return it != op.end() && !it->value().is_null();
      })) {
    throw OpPrereqError("Please pass at least one modification", kEcodeInval);
  }
  const json::object nd_changes = DictParam(op, "ndparams");
  const json::object disk_changes = DictParam(op, "diskparams");
  const json::object hv_changes = DictParam(op, "hv_state");
  const json::object ds_changes = DictParam(op, "disk_state");
  const json::object ipolicy_changes = DictParam(op, "ipolicy");
  const std::string uuid = LockGroup(ctx, group_name);
  ctx.op.NotifyStart();
  json::array result;
  ctx.Commit([&](ConfigTxn& txn) {
    const auto& current = LockedGroup(txn.data(), uuid, group_name);
    objects::NodeGroup updated = current;
    if (!nd_changes.empty()) {
      updated.ndparams =
          ForceParamTypes(UpdatedParams(current.ndparams, nd_changes), NodeParamTypes());
      result.push_back(json::array{"ndparams", PythonRepr(updated.ndparams)});
    }
    if (!disk_changes.empty()) {
      updated.diskparams = UpdatedDiskParams(current.diskparams, disk_changes);
      result.push_back(json::array{"diskparams", PythonRepr(updated.diskparams)});
    }
    if (alloc_policy) updated.alloc_policy = *alloc_policy;
    if (!hv_changes.empty()) {
      updated.hv_state_static = UpdatedHvState(current.hv_state_static, hv_changes);
    }
    if (!ds_changes.empty()) {
      updated.disk_state_static = UpdatedDiskState(current.disk_state_static, ds_changes);
    }
    if (!ipolicy_changes.empty()) {
      updated.ipolicy = UpdatedGroupIPolicy(current.ipolicy, ipolicy_changes);
    }
    auto& group = txn.MutableGroup(uuid);
    group.ndparams = std::move(updated.ndparams);
    group.diskparams = std::move(updated.diskparams);
    group.alloc_policy = std::move(updated.alloc_policy);
    group.hv_state_static = std::move(updated.hv_state_static);
    group.disk_state_static = std::move(updated.disk_state_static);
    group.ipolicy = std::move(updated.ipolicy);
  });
  ctx.services.ScheduleSsconfDistribution();
  return result;
}

json::value GroupRename(LuContext& ctx, const json::object& op) {
  const std::string group_name = RequiredString(op, "group_name");
  const std::string new_name = RequiredString(op, "new_name");
  const std::string uuid = LockGroup(ctx, group_name);
  ctx.op.NotifyStart();
  ctx.Commit([&](ConfigTxn& txn) {
    LockedGroup(txn.data(), uuid, group_name);
    if (const auto* clash = txn.data().FindGroupByName(new_name); clash && clash->uuid != uuid) {
      throw OpPrereqError("Desired new name '" + new_name +
                              "' clashes with existing node group (UUID: " + clash->uuid + ")",
                          kEcodeExists);
    }
    txn.MutableGroup(uuid).name = new_name;
  });
  ctx.services.ScheduleSsconfDistribution();
  return json::value(new_name);
}

json::value GroupRemove(LuContext& ctx, const json::object& op) {
  const std::string group_name = RequiredString(op, "group_name");
  const std::string uuid = LockGroup(ctx, group_name);
  ctx.op.NotifyStart();
  ctx.Commit([&](ConfigTxn& txn) {
    const auto& d = txn.data();
    LockedGroup(d, uuid, group_name);
    std::vector<std::string> members;
    for (const auto& [node_uuid, node] : d.nodes) {
      if (node.group == uuid) members.push_back(node.name);
    }
    if (!members.empty()) {
      std::sort(members.begin(), members.end(), NiceLess);
      throw OpPrereqError(
          "Group '" + group_name + "' not empty, has the following nodes: " + CommaJoin(members),
          kEcodeState);
    }
    if (d.nodegroups.size() == 1) {
      throw OpPrereqError("Group '" + group_name + "' is the only group, cannot be removed",
                          kEcodeState);
    }
    txn.RemoveGroup(uuid);
  });
  ctx.services.ScheduleSsconfDistribution();
  return nullptr;
}

}  // namespace herd::master
