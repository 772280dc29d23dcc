// OP_INSTANCE_QUERY_DATA: the per-instance details gnt-instance info shows.
#include "base/errors.h"
#include "master/cmdlib/common.h"
#include "master/cmdlib/instance.h"
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

}  // namespace herd::master
