// Logical units of node groups: OP_GROUP_ADD, OP_GROUP_ASSIGN_NODES,
// OP_GROUP_SET_PARAMS, OP_GROUP_RENAME and OP_GROUP_REMOVE; and disk
// verification per group (OP_CLUSTER_VERIFY_DISKS, OP_GROUP_VERIFY_DISKS).
#pragma once

#include <string>

#include "master/cmdlib/lu_context.h"

namespace herd::master {

// Ganeti's LookupNodeGroup: a group's uuid from its name or uuid; none given
// names the only group. OpPrereqError when there is no such group.
std::string LookupGroup(const objects::ConfigData& config, const std::string& name_or_uuid);

// Takes the BGL shared and the group's lock; returns the group's uuid.
std::string LockGroup(LuContext& ctx, const std::string& name, bool shared = false);

boost::json::value GroupAdd(LuContext& ctx, const boost::json::object& op);
boost::json::value GroupAssignNodes(LuContext& ctx, const boost::json::object& op);
boost::json::value GroupSetParams(LuContext& ctx, const boost::json::object& op);
boost::json::value GroupRename(LuContext& ctx, const boost::json::object& op);
boost::json::value GroupRemove(LuContext& ctx, const boost::json::object& op);
boost::json::value ClusterVerifyDisks(LuContext& ctx, const boost::json::object& op);
boost::json::value GroupVerifyDisks(LuContext& ctx, const boost::json::object& op);
// Jobs moving the group's instances to other groups (group_evacuate.cc).
boost::json::value GroupEvacuate(LuContext& ctx, const boost::json::object& op);
// [[instance, disk index, "size", MiB]...] of the disks whose recorded size was corrected.
boost::json::value ClusterRepairDiskSizes(LuContext& ctx, const boost::json::object& op);

}  // namespace herd::master
