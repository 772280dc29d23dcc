// Logical units for instances and OS definitions.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <string>
#include <vector>

#include "master/cmdlib/lu_context.h"

namespace herd::master {

boost::json::value InstanceCreate(LuContext& ctx, const boost::json::object& op);
boost::json::value InstanceMultiAlloc(LuContext& ctx, const boost::json::object& op);
boost::json::value InstanceStartup(LuContext& ctx, const boost::json::object& op);
boost::json::value InstanceShutdown(LuContext& ctx, const boost::json::object& op);
boost::json::value InstanceReboot(LuContext& ctx, const boost::json::object& op);
boost::json::value InstanceRemove(LuContext& ctx, const boost::json::object& op);
boost::json::value InstanceReinstall(LuContext& ctx, const boost::json::object& op);
boost::json::value InstanceRename(LuContext& ctx, const boost::json::object& op);
boost::json::value InstanceMigrate(LuContext& ctx, const boost::json::object& op);
boost::json::value InstanceFailover(LuContext& ctx, const boost::json::object& op);
boost::json::value InstanceMove(LuContext& ctx, const boost::json::object& op);
boost::json::value InstanceSetParams(LuContext& ctx, const boost::json::object& op);
boost::json::value InstanceGrowDisk(LuContext& ctx, const boost::json::object& op);
// [[node, iv_name, device path]...] of the primary node's disks.
boost::json::value InstanceActivateDisks(LuContext& ctx, const boost::json::object& op);
boost::json::value InstanceDeactivateDisks(LuContext& ctx, const boost::json::object& op);
boost::json::value InstanceReplaceDisks(LuContext& ctx, const boost::json::object& op);
// Recreates missing disks, on the same or a new node, possibly resized.
boost::json::value InstanceRecreateDisks(LuContext& ctx, const boost::json::object& op);
// Jobs moving the instance to another node group (group_evacuate.cc).
boost::json::value InstanceChangeGroup(LuContext& ctx, const boost::json::object& op);
boost::json::value InstanceQueryData(LuContext& ctx, const boost::json::object& op);
boost::json::value InstanceConsole(LuContext& ctx, const boost::json::object& op);
boost::json::value OsDiagnose(LuContext& ctx, const boost::json::object& op);

// An OS definition as the nodes report it, merged as Ganeti merges it.
struct OsRow {
  std::string name;
  bool valid = true, hidden = false, blacklisted = false, trusted = true;
  boost::json::array variants, parameters, api_versions;
  boost::json::object node_status, os_hvp, osparams;
};
// Asks every online vm-capable node for its OSes (the "os" query resource).
std::vector<OsRow> CollectOses(rpc::NodeRpcClient& rpc, const ConfigStore& config);

}  // namespace herd::master
