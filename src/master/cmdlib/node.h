// Logical units of OP_NODE_ADD, OP_NODE_SET_PARAMS and OP_NODE_REMOVE.
#pragma once

#include "master/cmdlib/lu_context.h"

namespace herd::master {
// Promotes regular nodes (not `except_uuid`) until the candidate pool is
// full again, as Ganeti's AdjustCandidatePool; their uuids go to `promoted`.
void FillCandidatePool(ConfigTxn& txn, const std::string& except_uuid,
                       std::vector<std::string>& promoted);

boost::json::value NodeAdd(LuContext& ctx, const boost::json::object& op);
boost::json::value NodeSetParams(LuContext& ctx, const boost::json::object& op);
boost::json::value NodeRemove(LuContext& ctx, const boost::json::object& op);
boost::json::value NodeMigrate(LuContext& ctx, const boost::json::object& op);
boost::json::value NodeEvacuate(LuContext& ctx, const boost::json::object& op);
// [[ok, output or error]...] per node (gnt-node restricted-command).
boost::json::value RestrictedCommand(LuContext& ctx, const boost::json::object& op);
boost::json::value NodePowercycle(LuContext& ctx, const boost::json::object& op);
// Out-of-band commands (oob.cc): [[[status, node], [status, payload]]...].
boost::json::value OobCommand(LuContext& ctx, const boost::json::object& op);
// Storage units (node_storage.cc).
boost::json::value NodeQueryStorage(LuContext& ctx, const boost::json::object& op);
boost::json::value NodeModifyStorage(LuContext& ctx, const boost::json::object& op);
boost::json::value RepairNodeStorage(LuContext& ctx, const boost::json::object& op);
boost::json::value NodeQueryvols(LuContext& ctx, const boost::json::object& op);

}  // namespace herd::master
