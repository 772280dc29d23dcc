// Instance exports (Ganeti's backup.py logical units).
#pragma once

#include "master/cmdlib/lu_context.h"

namespace herd::master {

// OP_BACKUP_PREPARE: nothing to prepare for a local export.
boost::json::value BackupPrepare(LuContext& ctx, const boost::json::object& op);
// OP_BACKUP_EXPORT: the instance's disks streamed to a file per disk in the
// target node's export directory, then its config.ini (Ganeti's local mode).
boost::json::value BackupExport(LuContext& ctx, const boost::json::object& op);
// OP_BACKUP_REMOVE: removes the instance's export from every node holding it.
boost::json::value BackupRemove(LuContext& ctx, const boost::json::object& op);

}  // namespace herd::master
