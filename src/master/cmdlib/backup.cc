#include "master/cmdlib/backup.h"

#include <spdlog/spdlog.h>

#include "base/errors.h"
#include "master/cmdlib/common.h"

namespace herd::master {
namespace json = boost::json;

json::value BackupRemove(LuContext& ctx, const json::object& op) {
  const std::string requested = RequiredString(op, "instance_name");
  std::string name = requested;
  bool known_instance = false;
  std::vector<std::string> node_uuids;
  ctx.config.Read([&](const objects::ConfigData& d) {
    if (const auto* inst = d.FindInstanceByName(requested)) {
      name = inst->name;
      known_instance = true;
    }
    for (const auto& [uuid, node] : d.nodes) node_uuids.push_back(uuid);
  });
  ctx.locks.Acquire(ctx.owner, locking::Level::kNode, node_uuids, false);
  ctx.op.NotifyStart();
  const auto nodes =
      ctx.config.Read([](const objects::ConfigData& d) { return AddressesOf(OnlineNodes(d)); });
  bool found = false;
  for (const auto& listed : ctx.rpc.CallParallel(nodes, rpc::procedures::kExportList, {})) {
    if (!listed.ok) {
      ctx.Feedback(" - WARNING: Failed to query node " + listed.node +
                   " (continuing): " + listed.error);
      continue;
    }
    bool here = false;
    for (const auto& entry : listed.payload.as_array()) {
      here = here || (entry.is_string() && entry.get_string() == name);
    }
    if (!here) continue;
    found = true;
    const auto node = std::find_if(nodes.begin(), nodes.end(), [&](const rpc::NodeAddress& a) {
      return a.name == listed.node;
    });
    const auto removed = ctx.rpc.Call(*node, rpc::procedures::kExportRemove, json::array{name});
    if (!removed.ok) {
      spdlog::error("Could not remove export for instance {} on node {}: {}", name, listed.node,
                    removed.error);
      ctx.Feedback(" - WARNING: Could not remove export for instance " + name + " on node " +
                   listed.node + ": " + removed.error);
    }
  }
  if (!known_instance && !found) {
    ctx.Feedback(
        "Export not found. If trying to remove an export belonging to a deleted instance please "
        "use its Fully Qualified Domain Name.");
  }
  return nullptr;
}

}  // namespace herd::master
