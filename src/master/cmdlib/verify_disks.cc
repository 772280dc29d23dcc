// OP_CLUSTER_VERIFY_DISKS and OP_GROUP_VERIFY_DISKS: which instances need
// their disks activated, and which disks are missing. As in Ganeti, only
// logical volumes and DRBD devices can be found wanting: Herd's disk
// templates (file, sharedfile, diskless) never are, so a group's answer is
// ({node errors}, [instances to activate], {instance: missing volumes}) with
// the errors of the nodes that could not be asked.
#include <boost/json.hpp>

#include "base/errors.h"
#include "master/cmdlib/common.h"
#include "master/cmdlib/group.h"
#include "objects/config_data.h"

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

}  // namespace herd::master
