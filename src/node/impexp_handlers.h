// Node RPC procedures for instance export and import (Ganeti's _IMPEXP_CALLS):
// the data plane's helpers (import_start, export_start, impexp_status,
// impexp_abort, impexp_cleanup), the export directory (finalize_export,
// export_info) and the X509 keys of remote transfers.
#pragma once

#include <map>
#include <string>

#include "base/paths.h"
#include "node/instance_handlers.h"

namespace herd {

void RegisterImportExportHandlers(const Paths& paths, std::map<std::string, RpcHandler>& handlers);

}  // namespace herd
