// OP_INSTANCE_QUERY_DATA: the per-instance details gnt-instance info shows.
#include "base/errors.h"
#include "master/cmdlib/common.h"
#include "master/cmdlib/instance.h"
#include "master/cmdlib/instance_common.h"
#include "master/query/instance_queries.h"

namespace herd::master {

json::value InstanceQueryData(LuContext& ctx, const json::object& op) {
  std::vector<std::string> names;
  if (auto it = op.find("instances"); it != op.end() && it->value().is_array()) {
    for (const auto& n : it->value().get_array()) {
      if (!n.is_string()) throw OpPrereqError("Instance names must be strings", kEcodeInval);
      names.emplace_back(n.get_string());
    }
  }
  const bool static_only = BoolParam(op, "static", false);
  ctx.op.NotifyStart();
  return master::InstanceQueryData(names, static_only, ctx.config, ctx.rpc);
}

json::value InstanceConsole(LuContext& ctx, const json::object& op) {
  objects::Instance instance = LockInstance(ctx, RequiredString(op, "instance_name"), true);
  ctx.op.NotifyStart();
  auto pnode = ctx.config.Read(
      [&](const objects::ConfigData& d) { return d.nodes.at(instance.primary_node); });
  if (!LiveInstanceInfo(ctx, pnode, instance.name)) {
    throw OpPrereqError("Instance " + instance.name + " is not running, cannot get its console",
                        kEcodeState);
  }
  // The fake hypervisor has no console; Ganeti answers with a message.
  return json::object{{"instance", instance.name},
                      {"kind", "msg"},
                      {"message", "Console not available for fake hypervisor"}};
}

}  // namespace herd::master
