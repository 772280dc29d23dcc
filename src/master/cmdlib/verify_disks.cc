// OP_CLUSTER_VERIFY_DISKS and OP_GROUP_VERIFY_DISKS: which instances need
// their disks activated, and which disks are missing; and
// OP_CLUSTER_REPAIR_DISK_SIZES, which records the disks' actual sizes. As in Ganeti, only
// logical volumes and DRBD devices can be found wanting: Herd's disk
// templates (file, sharedfile, diskless) never are, so a group's answer is
// ({node errors}, [instances to activate], {instance: missing volumes}) with
// the errors of the nodes that could not be asked.
#include <boost/json.hpp>

#include "base/errors.h"
#include "master/cmdlib/common.h"
#include "master/cmdlib/group.h"
#include "master/cmdlib/instance_common.h"
#include "objects/config_data.h"
#include "rpc/instance_spec.h"

namespace herd::master {

json::value ClusterVerifyDisks(LuContext& ctx, const json::object& op) {
  const auto group_name = OptionalString(op, "group_name");
  std::vector<std::string> groups;
  bool only_ext = true;
  ctx.config.Read([&](const objects::ConfigData& d) {
    if (group_name) {
      groups.push_back(d.nodegroups.at(LookupGroup(d, *group_name)).name);
    } else {
      for (const auto& [uuid, g] : d.nodegroups) groups.push_back(g.name);
    }
    for (const auto& [uuid, inst] : d.instances) {
      if (objects::DiskTemplateOf(d, inst) != "ext") only_ext = false;
    }
  });
  ctx.op.NotifyStart();
  json::array jobs;
  // As Ganeti: nothing to verify when every instance (of none, too) is an
  // ExtStorage one, whose providers cannot verify.
  if (!only_ext) {
    for (const auto& g : groups) {
      jobs.push_back(ctx.services.SubmitJob(
          json::array{json::object{{"OP_ID", "OP_GROUP_VERIFY_DISKS"}, {"group_name", g}}}));
    }
  }
  return json::object{{"jobs", std::move(jobs)}};
}

json::value GroupVerifyDisks(LuContext& ctx, const json::object& op) {
  const std::string group_name = RequiredString(op, "group_name");
  const std::string uuid = LockGroup(ctx, group_name, /*shared=*/true);
  ctx.op.NotifyStart();
  ctx.config.Read([&](const objects::ConfigData& d) {
    if (!d.nodegroups.count(uuid)) {
      throw OpPrereqError("Node group '" + group_name + "' not found", kEcodeNoEnt);
    }
  });
  return json::array{json::object{}, json::array{}, json::object{}};
}

json::value ClusterRepairDiskSizes(LuContext& ctx, const json::object& op) {
  const auto names = StringListParam(op, "instances");
  AcquireBgl(ctx, false);  // no disk changes while sizes are compared
  ctx.op.NotifyStart();
  struct NodeDisks {
    objects::Node node;
    std::vector<std::tuple<std::string, int, objects::Disk>> disks;  // instance, index, disk
  };
  std::map<std::string, NodeDisks> per_node;
  ctx.config.Read([&](const objects::ConfigData& d) {
    std::vector<const objects::Instance*> wanted;
    if (names.empty()) {
      for (const auto& [uuid, inst] : d.instances) wanted.push_back(&inst);
    } else {
      for (const auto& name : names) wanted.push_back(&ExpandInstance(d, name));
    }
    for (const auto* inst : wanted) {
      auto& entry = per_node[inst->primary_node];
      entry.node = d.nodes.at(inst->primary_node);
      int index = 0;
      for (const auto& disk : InstanceDisks(d, *inst))
        entry.disks.emplace_back(inst->name, index++, disk);
    }
  });
  json::array changed;
  std::vector<std::pair<std::string, int64_t>> new_sizes;  // disk uuid, MiB
  for (const auto& [uuid, entry] : per_node) {
    if (entry.disks.empty() || entry.node.offline) continue;
    json::array specs;
    for (const auto& [inst, index, disk] : entry.disks)
      specs.push_back(rpc::ToJson(DiskSpecOf(disk)));
    auto r = ctx.rpc.Call(AddressOf(entry.node), rpc::procedures::kBlockdevGetDimensions,
                          json::array{specs});
    const auto* dims = r.ok ? r.payload.if_array() : nullptr;
    if (!dims) {
      ctx.Feedback("Warning: Failure in blockdev_getdimensions call to node " + entry.node.name +
                   ", ignoring");
      continue;
    }
    if (dims->size() != entry.disks.size()) {
      ctx.Feedback("Warning: Invalid result from node " + entry.node.name +
                   ", ignoring node results");
      continue;
    }
    for (size_t i = 0; i < dims->size(); ++i) {
      const auto& [inst, index, disk] = entry.disks[i];
      const auto* pair = (*dims)[i].if_array();
      if (!pair || pair->empty() || !(*pair)[0].is_int64()) {
        ctx.Feedback("Warning: Disk " + std::to_string(index) + " of instance " + inst +
                     " did not return size information, ignoring");
        continue;
      }
      const int64_t size = (*pair)[0].get_int64() >> 20;
      if (size == disk.size) continue;
      ctx.Feedback("Disk " + std::to_string(index) + " of instance " + inst +
                   " has mismatched size, correcting: recorded " + std::to_string(disk.size) +
                   ", actual " + std::to_string(size));
      new_sizes.emplace_back(disk.uuid, size);
      changed.push_back(json::array{json::value(inst), index, "size", size});
    }
  }
  if (!new_sizes.empty()) {
    ctx.Commit([&](ConfigTxn& txn) {
      for (const auto& [uuid, size] : new_sizes) {
        if (txn.data().disks.count(uuid)) txn.MutableDisk(uuid).size = size;
      }
    });
  }
  return changed;
}

}  // namespace herd::master
