// An export's config.ini (Ganeti's export format, version 0): written when an
// export is finalized, read back to fill an import's instance parameters.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <vector>

#include "base/ini_file.h"
#include "objects/config_data.h"

namespace herd::master {

inline constexpr int kExportVersion = 0;

// The config.ini of `instance`, with `disks` the exported disks (in order)
// and its parameters filled as the node sees them (Ganeti's FinalizeExport).
std::string ExportConfigText(const objects::ConfigData& config, const objects::Instance& instance,
                             const std::vector<objects::Disk>& disks);

// Reads an export's config.ini: OpPrereqError unless it is an export of
// Ganeti's version.
IniFile ParseExportConfig(const std::string& text, const std::string& where);

// The import opcode `op` with what it leaves unset taken from the export
// (Ganeti's _ReadExportParams): OS, disks, NICs, tags, hypervisor and the
// hypervisor, backend and OS parameters.
boost::json::object WithExportParams(const boost::json::object& op, const IniFile& export_info,
                                     const objects::ConfigData& config);

// The file name of each exported disk image (disk<i>_dump), "" for a disk
// not in the export.
std::vector<std::string> ExportDiskImages(const IniFile& export_info, size_t disk_count);

}  // namespace herd::master
