// OP_INSTANCE_ACTIVATE_DISKS and OP_INSTANCE_DEACTIVATE_DISKS: making an
// instance's disks usable on their nodes (or no longer), as Ganeti's
// AssembleInstanceDisks and ShutdownInstanceDisks do; and
// OP_INSTANCE_REPLACE_DISKS, which only DRBD disks know.
#include <boost/json.hpp>

#include "base/errors.h"
#include "base/json.h"
#include "master/cmdlib/common.h"
#include "master/cmdlib/instance.h"
#include "master/cmdlib/instance_common.h"
#include "rpc/instance_spec.h"

namespace herd::master {
namespace {

struct DiskOnNode {
  objects::Disk disk;
  objects::Node node;
  bool primary = false;
  int index = 0;
};

// Every (disk, node) pair of the instance, primary node first per disk.
std::vector<DiskOnNode> DisksOnNodes(LuContext& ctx, const objects::Instance& instance) {
  return ctx.config.Read([&](const objects::ConfigData& d) {
    std::vector<DiskOnNode> out;
    int index = 0;
    for (const auto& disk : InstanceDisks(d, instance)) {
      std::vector<std::string> nodes{instance.primary_node};
      for (const auto& n : disk.nodes) {
        if (n != instance.primary_node) nodes.push_back(n);
      }
      for (const auto& n : nodes) {
        out.push_back({disk, d.nodes.at(n), n == instance.primary_node, index});
      }
      ++index;
    }
    return out;
  });
}

objects::Instance LockInstanceAndNodes(LuContext& ctx, const json::object& op) {
  objects::Instance instance = LockInstance(ctx, RequiredString(op, "instance_name"));
  LockNodes(ctx, ctx.config.Read(
                     [&](const objects::ConfigData& d) { return InstanceNodes(d, instance); }));
  return instance;
}

void SetDisksActive(LuContext& ctx, const objects::Instance& instance, bool active) {
  if (instance.disks_active == active) return;
  ctx.Commit([&](ConfigTxn& txn) { txn.MutableInstance(instance.uuid).disks_active = active; });
}

}  // namespace

json::value InstanceActivateDisks(LuContext& ctx, const json::object& op) {
  const objects::Instance instance = LockInstanceAndNodes(ctx, op);
  ctx.config.Read([&](const objects::ConfigData& d) {
    CheckNodeOnline(d.nodes.at(instance.primary_node), "activate the disks of " + instance.name);
  });
  ctx.op.NotifyStart();
  json::array disks_info;
  bool disks_ok = true;
  for (const auto& on : DisksOnNodes(ctx, instance)) {
    if (on.node.offline) continue;  // nothing to prepare there
    auto r = ctx.rpc.Call(
        AddressOf(on.node), rpc::procedures::kBlockdevAssemble,
        json::array{rpc::ToJson(DiskSpecOf(on.disk)), instance.name, on.primary, on.index});
    if (!r.ok) {
      ctx.Feedback("Warning: Could not prepare block device " + on.disk.iv_name + " on node " +
                   on.node.name + " (is_primary=" + (on.primary ? "True" : "False") +
                   "): " + r.error);
      if (on.primary) disks_ok = false;
      continue;
    }
    if (on.primary) {
      const auto* answer = r.payload.if_array();
      json::value path = answer && !answer->empty() ? (*answer)[0] : json::value();
      disks_info.push_back(
          json::array{json::value(on.node.name), json::value(on.disk.iv_name), std::move(path)});
    }
  }
  if (!disks_ok) throw OpExecError("Cannot activate block devices");
  SetDisksActive(ctx, instance, true);
  return disks_info;
}

json::value InstanceDeactivateDisks(LuContext& ctx, const json::object& op) {
  const objects::Instance instance = LockInstanceAndNodes(ctx, op);
  const bool force = BoolParam(op, "force", false);
  ctx.op.NotifyStart();
  const objects::Node primary = ctx.config.Read(
      [&](const objects::ConfigData& d) { return d.nodes.at(instance.primary_node); });
  if (!force && !primary.offline && LiveInstanceInfo(ctx, primary, instance.name)) {
    throw OpExecError("Instance " + instance.name + " is running, can't shutdown block devices.");
  }
  bool all_ok = true;
  for (const auto& on : DisksOnNodes(ctx, instance)) {
    if (on.node.offline) continue;
    auto r = ctx.rpc.Call(AddressOf(on.node), rpc::procedures::kBlockdevShutdown,
                          json::array{rpc::ToJson(DiskSpecOf(on.disk))});
    if (!r.ok) {
      ctx.Feedback("Warning: Could not shutdown block device " + on.disk.iv_name + " on node " +
                   on.node.name + ": " + r.error);
      if (!on.primary || !force) all_ok = false;
    }
  }
  if (!all_ok) throw OpExecError("Can't shutdown the disks of instance " + instance.name);
  SetDisksActive(ctx, instance, false);
  return nullptr;
}

json::value InstanceReplaceDisks(LuContext& ctx, const json::object& op) {
  const std::string mode = RequiredString(op, "mode");
  if (mode != "replace_on_primary" && mode != "replace_on_secondary" &&
      mode != "replace_new_secondary" && mode != "replace_auto") {
    throw OpPrereqError("Invalid replace disks mode '" + mode + "'", kEcodeInval);
  }
  const auto remote = OptionalString(op, "remote_node");
  const auto allocator = OptionalString(op, "iallocator");
  if (mode == "replace_new_secondary") {
    if (!remote && !allocator) {
      throw OpPrereqError(
          "When changing the secondary either an iallocator script must be "
          "used or the new node given",
          kEcodeInval);
    }
    if (remote && allocator) {
      throw OpPrereqError("Give either the iallocator or the new secondary, not both", kEcodeInval);
    }
  } else if (remote || allocator) {
    throw OpPrereqError(
        "The iallocator and new node options can only be used when changing "
        "the secondary node",
        kEcodeInval);
  }
  const objects::Instance instance =
      LockInstance(ctx, RequiredString(op, "instance_name"), /*shared=*/true);
  ctx.config.Read([&](const objects::ConfigData& d) {
    if (remote) ExpandNode(d, *remote);
    const auto disks = InstanceDisks(d, instance);
    const bool all_drbd =
        !disks.empty() && std::all_of(disks.begin(), disks.end(),
                                      [](const auto& disk) { return disk.dev_type == "drbd"; });
    if (!all_drbd) {
      throw OpPrereqError("Can only run replace disks for DRBD8-based instances", kEcodeInval);
    }
  });
  throw OpPrereqError(
      "Herd's nodes have no DRBD: the disks of " + instance.name + " cannot be replaced",
      kEcodeEnviron);
}

json::value InstanceRecreateDisks(LuContext& ctx, const json::object& op) {
  if (OptionalString(op, "iallocator")) {
    throw OpPrereqError(
        "Herd cannot yet choose new nodes for recreated disks with an "
        "iallocator; name the node (--node)",
        kEcodeInval);
  }
  // Which disks, possibly with a new size: [index...] or [[index, {size}]...].
  std::map<int64_t, json::object> wanted;
  if (auto it = op.find("disks"); it != op.end() && it->value().is_array()) {
    for (const auto& entry : it->value().get_array()) {
      if (entry.is_int64()) {
        wanted[entry.get_int64()] = {};
      } else if (const auto* pair = entry.if_array();
                 pair && pair->size() == 2 && (*pair)[0].is_int64() && (*pair)[1].is_object()) {
        wanted[(*pair)[0].get_int64()] = (*pair)[1].get_object();
      } else {
        throw OpPrereqError("Invalid disk specification " + SerializeJson(entry), kEcodeInval);
      }
    }
  }
  const auto new_node_names = StringListParam(op, "nodes");
  objects::Instance instance = LockInstance(ctx, RequiredString(op, "instance_name"));
  std::vector<std::string> lock_nodes =
      ctx.config.Read([&](const objects::ConfigData& d) { return InstanceNodes(d, instance); });
  std::string new_primary;
  if (!new_node_names.empty()) {
    if (new_node_names.size() != 1) {
      throw OpPrereqError("Instance " + instance.name + " needs 1 node(s), " +
                              std::to_string(new_node_names.size()) + " given",
                          kEcodeInval);
    }
    new_primary = ctx.config.Read(
        [&](const objects::ConfigData& d) { return ExpandNode(d, new_node_names[0]).uuid; });
    lock_nodes.push_back(new_primary);
  }
  std::sort(lock_nodes.begin(), lock_nodes.end());
  lock_nodes.erase(std::unique(lock_nodes.begin(), lock_nodes.end()), lock_nodes.end());
  LockNodes(ctx, lock_nodes);
  ctx.op.NotifyStart();
  objects::Node primary;
  std::vector<objects::Disk> disks;
  std::string disk_template;
  ctx.config.Read([&](const objects::ConfigData& d) {
    primary = d.nodes.at(new_primary.empty() ? instance.primary_node : new_primary);
    CheckNodeOnline(primary, "recreate the disks of " + instance.name);
    disks = InstanceDisks(d, instance);
    disk_template = objects::DiskTemplateOf(d, instance);
  });
  for (const auto& [index, params] : wanted) {
    if (index < 0 || index >= static_cast<int64_t>(disks.size())) {
      throw OpPrereqError("Invalid disk index '" + std::to_string(index) + "'", kEcodeInval);
    }
  }
  if (disk_template == "drbd") {
    throw OpPrereqError("Herd's nodes have no DRBD to recreate disks on", kEcodeEnviron);
  }
  const objects::Node current = ctx.config.Read(
      [&](const objects::ConfigData& d) { return d.nodes.at(instance.primary_node); });
  if (!current.offline && LiveInstanceInfo(ctx, current, instance.name)) {
    throw OpPrereqError("Instance " + instance.name + " is running, cannot recreate disks",
                        kEcodeState);
  }
  std::vector<objects::Disk> to_create;
  for (size_t i = 0; i < disks.size(); ++i) {
    if (!wanted.empty() && !wanted.count(static_cast<int64_t>(i))) continue;
    objects::Disk disk = disks[i];
    if (!new_primary.empty()) disk.nodes = {new_primary};
    if (auto it = wanted.find(static_cast<int64_t>(i)); it != wanted.end()) {
      if (const auto* size = it->second.if_contains("size")) disk.size = ToInt(*size, "size");
    }
    to_create.push_back(std::move(disk));
  }
  for (const auto& disk : to_create) {
    ctx.Feedback("Recreating disk " + disk.iv_name + " of instance " + instance.name + " on node " +
                 primary.name);
  }
  CreateDisks(ctx, to_create, primary);
  ctx.Commit([&](ConfigTxn& txn) {
    for (const auto& disk : to_create) {
      auto& stored = txn.MutableDisk(disk.uuid);
      stored.size = disk.size;
      stored.nodes = disk.nodes;
    }
    if (!new_primary.empty()) txn.MutableInstance(instance.uuid).primary_node = new_primary;
  });
  return nullptr;
}

}  // namespace herd::master
