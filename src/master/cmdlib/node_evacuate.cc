// OP_NODE_MIGRATE and OP_NODE_EVACUATE: move every instance off a node, as
// one job per instance (Ganeti's ResultWithJobs).
#include "base/errors.h"
#include "base/json.h"
#include "master/cmdlib/allocation.h"
#include "master/cmdlib/common.h"
#include "master/cmdlib/instance_common.h"
#include "master/cmdlib/node.h"
#include "master/iallocator/iallocator.h"

namespace herd::master {
namespace {

struct NodeInstances {
  std::string node_name;
  std::vector<std::string> primaries, secondaries;  // instance names
};

NodeInstances InstancesOn(LuContext& ctx, const std::string& name) {
  return ctx.config.Read([&](const objects::ConfigData& d) {
    NodeInstances out;
    const auto& node = ExpandNode(d, name);
    out.node_name = node.name;
    for (const auto& [uuid, inst] : d.instances) {
      if (inst.primary_node == node.uuid) {
        out.primaries.push_back(inst.name);
      } else {
        auto secondaries = SecondaryNodes(d, inst);
        if (std::find(secondaries.begin(), secondaries.end(), node.uuid) != secondaries.end()) {
          out.secondaries.push_back(inst.name);
        }
      }
    }
    return out;
  });
}

}  // namespace

json::value NodeMigrate(LuContext& ctx, const json::object& op) {
  AcquireBgl(ctx, true);
  NodeInstances on = InstancesOn(ctx, RequiredString(op, "node_name"));
  ctx.op.NotifyStart();
  json::array jobs;
  for (const auto& name : on.primaries) {
    json::object migrate{{"OP_ID", "OP_INSTANCE_MIGRATE"}, {"instance_name", name}};
    for (const char* key :
         {"mode", "live", "target_node", "iallocator", "allow_runtime_changes", "ignore_ipolicy"}) {
      if (auto it = op.find(key); it != op.end() && !it->value().is_null()) {
        migrate[key] = it->value();
      }
    }
    jobs.push_back(ctx.services.SubmitJob(json::array{std::move(migrate)}));
  }
  ctx.Feedback("Migrating " + std::to_string(on.primaries.size()) + " instance(s) off node " +
               on.node_name);
  return json::object{{"jobs", std::move(jobs)}};
}

json::value NodeEvacuate(LuContext& ctx, const json::object& op) {
  const std::string mode = OptionalString(op, "mode").value_or("all");
  if (mode != "all" && mode != "primary-only" && mode != "secondary-only") {
    throw OpPrereqError(
        "Invalid evacuation mode '" + mode + "' (all, primary-only or secondary-only)",
        kEcodeInval);
  }
  const auto remote = OptionalString(op, "remote_node");
  const std::string allocator =
      remote ? std::string() : AllocatorName(ctx, OptionalString(op, "iallocator").value_or(""));
  if (!remote && allocator.empty()) {
    throw OpPrereqError("Give a remote node or an iallocator (no default one is defined)",
                        kEcodeInval);
  }
  AcquireBgl(ctx, true);
  NodeInstances on = InstancesOn(ctx, RequiredString(op, "node_name"));
  ctx.op.NotifyStart();
  std::vector<std::string> instances;
  if (mode != "secondary-only") instances = on.primaries;
  if (mode != "primary-only") {
    instances.insert(instances.end(), on.secondaries.begin(), on.secondaries.end());
  }
  json::array jobs;
  if (instances.empty()) return json::object{{"jobs", std::move(jobs)}};
  if (remote) {
    // Without an allocator: fail the node's shared-storage instances over.
    for (const auto& name : on.primaries) {
      jobs.push_back(ctx.services.SubmitJob(json::array{json::object{
          {"OP_ID", "OP_INSTANCE_FAILOVER"}, {"instance_name", name}, {"target_node", *remote}}}));
    }
    return json::object{{"jobs", std::move(jobs)}};
  }
  auto plan =
      EvacuationPlan(ctx, allocator, instances, mode, BoolParam(op, "ignore_soft_errors", false));
  for (const auto& job : plan) {
    json::array ops;
    for (const auto& text : job) ops.push_back(ParseJson(text, "iallocator opcode"));
    jobs.push_back(ctx.services.SubmitJob(std::move(ops)));
  }
  return json::object{{"jobs", std::move(jobs)}};
}

}  // namespace herd::master
