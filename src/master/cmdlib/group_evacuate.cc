// OP_GROUP_EVACUATE and OP_INSTANCE_CHANGE_GROUP: instances leave their node
// group for others, in jobs the allocator plans ("change-group").
#include <boost/json.hpp>
#include <set>

#include "base/errors.h"
#include "base/json.h"
#include "master/cmdlib/allocation.h"
#include "master/cmdlib/common.h"
#include "master/cmdlib/group.h"
#include "master/cmdlib/instance.h"
#include "master/cmdlib/instance_common.h"
#include "objects/config_data.h"

namespace herd::master {
namespace {

std::vector<std::string> TargetGroupUuids(const objects::ConfigData& d, const json::object& op) {
  std::vector<std::string> uuids;
  for (const auto& g : StringListParam(op, "target_groups")) uuids.push_back(LookupGroup(d, g));
  return uuids;
}

// Opcodes of the plan, as Ganeti's LoadNodeEvacResult hands them on:
// migrations become failovers when asked, and each job after the first
// waits for the one before when they must run one by one.
json::value SubmitPlan(LuContext& ctx, const std::vector<std::vector<std::string>>& plan,
                       bool force_failover, bool sequential) {
  json::array jobs;
  json::value previous;
  for (const auto& job : plan) {
    json::array ops;
    for (const auto& text : job) {
      json::object op = AsObject(ParseJson(text, "iallocator opcode"), "opcode");
      if (force_failover && op.at("OP_ID") == "OP_INSTANCE_MIGRATE") {
        json::object failover{{"OP_ID", "OP_INSTANCE_FAILOVER"},
                              {"instance_name", op.at("instance_name")}};
        for (const char* key : {"target_node", "ignore_ipolicy", "cleanup"}) {
          if (op.contains(key)) failover[key] = op.at(key);
        }
        op = std::move(failover);
      }
      if (sequential && previous.is_int64()) {
        op["depends"] = json::array{json::array{previous, json::array{"error", "success"}}};
      }
      ops.push_back(std::move(op));
    }
    json::value submitted = ctx.services.SubmitJob(std::move(ops));
    const auto& pair = submitted.as_array();
    previous = pair.size() == 2 && pair[0] == json::value(true) ? pair[1] : json::value();
    jobs.push_back(std::move(submitted));
  }
  return json::object{{"jobs", std::move(jobs)}};
}

void CheckAllocatorGiven(const std::string& allocator) {
  if (allocator.empty()) {
    throw OpPrereqError(
        "No iallocator given and no cluster-wide default iallocator found; "
        "please specify one",
        kEcodeInval);
  }
}

}  // namespace

json::value GroupEvacuate(LuContext& ctx, const json::object& op) {
  const std::string group_name = RequiredString(op, "group_name");
  const std::string allocator = AllocatorName(ctx, OptionalString(op, "iallocator").value_or(""));
  const std::string group_uuid = LockGroup(ctx, group_name, /*shared=*/true);
  std::vector<std::string> targets, instances;
  ctx.config.Read([&](const objects::ConfigData& d) {
    targets = TargetGroupUuids(d, op);
    if (std::find(targets.begin(), targets.end(), group_uuid) != targets.end()) {
      std::string list;
      for (const auto& t : targets) list += (list.empty() ? "" : ", ") + t;
      throw OpPrereqError("Group to be evacuated (" + group_name +
                              ") can not be used as a target group (targets are " + list + ")",
                          kEcodeInval);
    }
    if (targets.empty()) {
      for (const auto& [uuid, g] : d.nodegroups) {
        if (uuid != group_uuid) targets.push_back(uuid);
      }
      if (targets.empty()) throw OpPrereqError("There are no possible target groups", kEcodeInval);
    }
    for (const auto& [uuid, inst] : d.instances) {
      for (const auto& node : InstanceNodes(d, inst)) {
        if (d.nodes.at(node).group == group_uuid) {
          instances.push_back(inst.name);
          break;
        }
      }
    }
  });
  ctx.op.NotifyStart();
  CheckAllocatorGiven(allocator);
  if (instances.empty()) {
    ctx.Feedback("Node group " + group_name + " has no instances to evacuate");
    return json::object{{"jobs", json::array{}}};
  }
  const auto plan = ChangeGroupPlan(ctx, allocator, instances, targets);
  ctx.Feedback("Iallocator returned " + std::to_string(plan.size()) +
               " job(s) for evacuating node group " + group_name);
  const bool force_failover = BoolParam(op, "force_failover", false);
  const bool sequential = BoolParam(op, "sequential", false);
  if (force_failover) ctx.Feedback("Will insist on failovers");
  if (sequential) ctx.Feedback("Jobs will be submitted to run sequentially");
  return SubmitPlan(ctx, plan, force_failover, sequential);
}

json::value InstanceChangeGroup(LuContext& ctx, const json::object& op) {
  const objects::Instance instance = LockInstance(ctx, RequiredString(op, "instance_name"), true);
  const std::string allocator = AllocatorName(ctx, OptionalString(op, "iallocator").value_or(""));
  std::vector<std::string> targets;
  ctx.config.Read([&](const objects::ConfigData& d) {
    std::set<std::string> own;
    for (const auto& node : InstanceNodes(d, instance)) own.insert(d.nodes.at(node).group);
    const auto requested = TargetGroupUuids(d, op);
    if (!requested.empty()) {
      std::string conflicts;
      for (const auto& t : requested) {
        if (own.count(t)) conflicts += (conflicts.empty() ? "" : ", ") + d.nodegroups.at(t).name;
      }
      if (!conflicts.empty()) {
        throw OpPrereqError("Can't use group(s) '" + conflicts +
                                "' as targets, they are used by the instance '" + instance.name +
                                "'",
                            kEcodeInval);
      }
      targets = requested;
    } else {
      for (const auto& [uuid, g] : d.nodegroups) {
        if (!own.count(uuid)) targets.push_back(uuid);
      }
    }
    if (targets.empty()) throw OpPrereqError("There are no possible target groups", kEcodeInval);
  });
  ctx.op.NotifyStart();
  CheckAllocatorGiven(allocator);
  const auto plan = ChangeGroupPlan(ctx, allocator, {instance.name}, targets);
  ctx.Feedback("Iallocator returned " + std::to_string(plan.size()) +
               " job(s) for changing group of instance " + instance.name);
  return SubmitPlan(ctx, plan, false, false);
}

}  // namespace herd::master
