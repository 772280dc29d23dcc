// OP_INSTANCE_ACTIVATE_DISKS and OP_INSTANCE_DEACTIVATE_DISKS: making an
// instance's disks usable on their nodes (or no longer), as Ganeti's
// AssembleInstanceDisks and ShutdownInstanceDisks do.
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

}  // namespace herd::master
