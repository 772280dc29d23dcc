// A node's export directory (Ganeti's EXPORT_DIR): one directory per
// export, holding config.ini and one image per disk; "<name>.new" while the
// transfer runs, renamed by finalize_export once config.ini is written.
#pragma once

#include <string>
#include <vector>

#include "base/paths.h"

namespace herd::impexp {

inline constexpr const char* kExportConfigFile = "config.ini";
inline constexpr const char* kUnfinishedSuffix = ".new";

// A path as the config names it (e.g. /srv/ganeti/export/inst1.new/<uuid>),
// on this node: normalized, absolute and, after mapping under the node's
// root and resolving symlinks, strictly below the export directory.
// Returns the resolved local path; throws GenericError otherwise.
std::string MapExportPath(const Paths& paths, const std::string& path);

// The finished exports: visible names, sorted, never "<name>.new".
std::vector<std::string> ListExports(const Paths& paths);

// Writes <name>.new/config.ini durably, replaces an older <name> and
// renames <name>.new to <name> (Ganeti's FinalizeExport).
void FinalizeExport(const Paths& paths, const std::string& name, const std::string& config_ini);

// The text of <path>/config.ini; throws GenericError unless it is a finished
// export with [export] and [instance] sections (Ganeti's ExportInfo).
std::string ExportInfo(const Paths& paths, const std::string& path);

// Whether an ini text has a "[section]" line.
bool HasIniSection(const std::string& text, const std::string& section);

}  // namespace herd::impexp
