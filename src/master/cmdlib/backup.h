// Instance exports (Ganeti's backup.py logical units).
#pragma once

#include "master/cmdlib/lu_context.h"

namespace herd::master {

// OP_BACKUP_REMOVE: removes the instance's export from every node holding it.
boost::json::value BackupRemove(LuContext& ctx, const boost::json::object& op);

}  // namespace herd::master
