#include "node/impexp/io_spec.h"

#include <sys/stat.h>

#include <filesystem>

#include "base/errors.h"
#include "base/files.h"
#include "base/json.h"
#include "node/impexp/exports.h"
#include "node/impexp/layout.h"
#include "node/os/os_scripts.h"
#include "node/storage/file_storage.h"

namespace herd::impexp {
namespace {

constexpr int64_t kMiB = 1024 * 1024;

const json::array& IoArgs(const json::array& io, size_t count, const std::string& kind) {
  const auto& args = AsArray(io[1], "import/export I/O arguments");
  if (args.size() != count) {
    throw GenericError("Import/export I/O '" + kind + "' takes " + std::to_string(count) +
                       " argument(s), not " + std::to_string(args.size()));
  }
  return args;
}

}  // namespace

ResolvedIo ResolveIo(const Paths& paths, Mode mode, const rpc::InstanceSpec& instance,
                     const json::value& v) {
  const auto& io = AsArray(v, "import/export I/O");
  if (io.size() != 2 || !io[0].is_string()) {
    throw GenericError("Import/export I/O must be [type, [arguments]]");
  }
  const std::string kind(io[0].get_string());
  const bool is_export = mode == Mode::kExport;
  ResolvedIo out;
  if (kind == "file") {
    const auto& args = IoArgs(io, 1, kind);
    if (!args[0].is_string()) throw GenericError("Import/export file name must be a string");
    const std::string path(args[0].get_string());
    out.endpoint.kind = Endpoint::Kind::kFile;
    out.endpoint.path = MapExportPath(paths, path);
    out.endpoint.description = "file " + path;
    MakeDirsWithMode(std::filesystem::path(out.endpoint.path).parent_path().string(), 0750);
    struct stat st;
    if (is_export && ::stat(out.endpoint.path.c_str(), &st) == 0) out.expected_bytes = st.st_size;
  } else if (kind == "raw") {
    const auto& args = IoArgs(io, 1, kind);
    const rpc::DiskSpec disk = rpc::DiskSpecFromJson(args[0]);
    out.endpoint.kind = Endpoint::Kind::kDisk;
    out.endpoint.path = FileStorage(paths).LocalPath(disk);
    out.endpoint.disk_bytes = disk.size_mib * kMiB;
    out.endpoint.description = "disk " + disk.path;
    out.expected_bytes = disk.size_mib * kMiB;
  } else if (kind == "script") {
    const auto& args = IoArgs(io, 2, kind);
    const rpc::DiskSpec disk = rpc::DiskSpecFromJson(args[0]);
    const int index = static_cast<int>(ToInt(args[1], "disk index"));
    if (index < 0) throw GenericError("Import/export disk index must not be negative");
    const FileStorage storage(paths);
    rpc::InstanceSpec local = instance;
    for (auto& d : local.disks) d.path = storage.LocalPath(d);
    const std::string device = storage.LocalPath(disk);
    const OsScriptCommand script =
        OsScripts(paths).TransferScript(local, is_export, index, device, /*debug_level=*/0);
    out.endpoint.kind = Endpoint::Kind::kCommand;
    out.endpoint.argv = {script.program};
    out.endpoint.cwd = script.cwd;
    out.endpoint.env = script.env;
    out.endpoint.description = std::string("OS ") + (is_export ? "export" : "import") +
                               " script of " + instance.name + " disk " + std::to_string(index);
    out.expected_bytes = disk.size_mib * kMiB;  // what the script reads or writes, roughly
  } else {
    throw GenericError("Invalid " + std::string(is_export ? "export" : "import") + " I/O mode '" +
                       kind + "'");
  }
  return out;
}

}  // namespace herd::impexp
