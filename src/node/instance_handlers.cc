#include "node/instance_handlers.h"

#include <fcntl.h>
#include <unistd.h>

#include <memory>

#include "base/errors.h"
#include "base/files.h"
#include "base/json.h"
#include "net/http_encoding.h"
#include "node/hypervisor/fake_hypervisor.h"
#include "node/os/os_scripts.h"
#include "node/rpc_args.h"
#include "node/storage/file_storage.h"
#include "rpc/instance_spec.h"

namespace herd {
namespace {

json::object InfoOf(const RunningInstance& r) {
  return json::object{
      {"memory", r.memory_mib}, {"vcpus", r.vcpus}, {"state", r.state}, {"time", r.start_time}};
}

// The instance as its OS scripts see it on this node: disk paths are local.
rpc::InstanceSpec WithLocalDiskPaths(const FileStorage& storage, rpc::InstanceSpec spec) {
  for (auto& d : spec.disks) d.path = storage.LocalPath(d);
  return spec;
}

}  // namespace

void RegisterInstanceHandlers(const Paths& paths, std::map<std::string, RpcHandler>& h) {
  auto hv = std::make_shared<FakeHypervisor>(paths);
  auto storage = std::make_shared<FileStorage>(paths);
  auto os = std::make_shared<OsScripts>(paths);

  // --- hypervisor ---
  h["instance_start"] = [hv](const json::array& args) -> json::value {
    hv->Start(rpc::InstanceSpecFromJson(Arg(args, 0, "instance_start")));
    return nullptr;
  };
  h["instance_shutdown"] = [hv](const json::array& args) -> json::value {
    hv->Stop(StringArg(args, 0, "instance_shutdown"));
    return nullptr;
  };
  h["instance_reboot"] = [hv](const json::array& args) -> json::value {
    std::string name = StringArg(args, 0, "instance_reboot");
    std::string type =
        args.size() > 1 && args[1].is_string() ? std::string(args[1].get_string()) : "hard";
    if (type == "full") {
      throw GenericError("A full reboot is done by the master (stop, then start)");
    }
    hv->Reboot(name);
    return nullptr;
  };
  h["instance_info"] = [hv](const json::array& args) -> json::value {
    std::string name = StringArg(args, 0, "instance_info");
    auto all = hv->List();
    auto it = all.find(name);
    if (it == all.end() || it->second.state != "running") return json::object();
    return InfoOf(it->second);
  };
  h["all_instances_info"] = [hv](const json::array&) -> json::value {
    json::object out;
    for (const auto& [name, r] : hv->List()) {
      if (r.state == "running") out[name] = InfoOf(r);
    }
    return out;
  };
  h["instance_list"] = [hv](const json::array&) -> json::value {
    json::array out;
    for (const auto& [name, r] : hv->List()) {
      if (r.state == "running") out.push_back(json::value(name));
    }
    return out;
  };
  h["accept_instance"] = [hv](const json::array& args) -> json::value {
    hv->AcceptIncoming(rpc::InstanceSpecFromJson(Arg(args, 0, "accept_instance")));
    return nullptr;
  };
  h["instance_migrate"] = [hv](const json::array& args) -> json::value {
    // The source lets the instance go once the target holds its reservation.
    std::string name = StringArg(args, 0, "instance_migrate");
    if (!hv->List().count(name)) {
      throw HypervisorError("Instance " + name + " is not running on " + "this node");
    }
    hv->Stop(name);
    return nullptr;
  };
  h["finalize_migration_dst"] = [hv](const json::array& args) -> json::value {
    const auto& ok = Arg(args, 1, "finalize_migration_dst");
    hv->FinalizeIncoming(StringArg(args, 0, "finalize_migration_dst"),
                         ok.is_bool() && ok.get_bool());
    return nullptr;
  };
  h["instance_balloon_memory"] = [hv](const json::array& args) -> json::value {
    hv->SetMemory(StringArg(args, 0, "instance_balloon_memory"),
                  ToInt(Arg(args, 1, "instance_balloon_memory"), "memory"));
    return nullptr;
  };

  // --- disks ---
  h["blockdev_create"] = [storage](const json::array& args) -> json::value {
    storage->Create(rpc::DiskSpecFromJson(Arg(args, 0, "blockdev_create")));
    return nullptr;
  };
  h["blockdev_remove"] = [storage](const json::array& args) -> json::value {
    storage->Remove(rpc::DiskSpecFromJson(Arg(args, 0, "blockdev_remove")));
    return nullptr;
  };
  h["blockdev_grow"] = [storage](const json::array& args) -> json::value {
    const auto& dry = args.size() > 2 ? args[2] : json::value(false);
    storage->Grow(rpc::DiskSpecFromJson(Arg(args, 0, "blockdev_grow")),
                  ToInt(Arg(args, 1, "blockdev_grow"), "amount"), dry.is_bool() && dry.get_bool());
    return nullptr;
  };
  h["blockdev_rename"] = [storage](const json::array& args) -> json::value {
    for (const auto& pair : AsArray(Arg(args, 0, "blockdev_rename"), "renames")) {
      const auto& p = AsArray(pair, "rename");
      if (p.size() != 2 || !p[1].is_string()) throw GenericError("blockdev_rename: bad pair");
      storage->Rename(rpc::DiskSpecFromJson(p[0]), std::string(p[1].get_string()));
    }
    return nullptr;
  };
  // Makes a disk usable: a file disk must exist. Answers [device path, link,
  // uri] as Ganeti's node daemon; the path is where the data is on this machine.
  h["blockdev_assemble"] = [storage](const json::array& args) -> json::value {
    auto disk = rpc::DiskSpecFromJson(Arg(args, 0, "blockdev_assemble"));
    const std::string local = storage->LocalPath(disk);
    if (!FileExists(local)) {
      throw BlockDeviceError("File device '" + disk.path + "' does not exist");
    }
    return json::array{json::value(local), nullptr, nullptr};
  };
  // File disks need nothing to stop being used.
  h["blockdev_shutdown"] = [storage](const json::array& args) -> json::value {
    storage->LocalPath(rpc::DiskSpecFromJson(Arg(args, 0, "blockdev_shutdown")));
    return nullptr;
  };
  // Ganeti's storage units of file storage: each directory with its declared
  // size, what disks use and what is free (MiB). [type, [[paths]], name, fields]
  h["storage_list"] = [storage](const json::array& args) -> json::value {
    const std::string type = StringArg(args, 0, "storage_list");
    if (type != "file" && type != "sharedfile") {
      throw GanetiError("StorageError",
                        {"Storage type '" + type + "' is not supported by Herd's nodes"});
    }
    std::vector<std::string> paths;
    const json::value& name = args.size() > 2 ? args[2] : json::value();
    if (name.is_string()) {
      paths.emplace_back(name.get_string());
    } else if (const auto* st_args = Arg(args, 1, "storage_list").if_array();
               st_args && !st_args->empty() && (*st_args)[0].is_array()) {
      for (const auto& p : (*st_args)[0].get_array()) paths.emplace_back(p.as_string());
    }
    const StorageSpace space = storage->Space(type);
    json::array rows;
    for (const auto& path : paths) {
      json::array row;
      for (const auto& field : AsArray(Arg(args, 3, "storage_list"), "fields")) {
        const std::string f(field.as_string());
        if (f == "name") {
          row.emplace_back(path);
        } else if (f == "size") {
          row.emplace_back(space.total_mib);
        } else if (f == "used") {
          row.emplace_back(space.total_mib - space.free_mib);
        } else if (f == "free") {
          row.emplace_back(space.free_mib);
        } else if (f == "allocatable") {
          row.emplace_back(true);
        } else {
          throw GanetiError("StorageError", {"Unknown field: '" + f + "'"});
        }
      }
      rows.push_back(std::move(row));
    }
    return rows;
  };
  h["blockdev_getdimensions"] = [storage](const json::array& args) -> json::value {
    json::array out;
    for (const auto& d : AsArray(Arg(args, 0, "blockdev_getdimensions"), "disks")) {
      try {
        out.push_back(json::array{storage->SizeBytes(rpc::DiskSpecFromJson(d)), 0});
      } catch (const GanetiError&) {
        out.push_back(nullptr);  // Ganeti's answer for a missing device
      }
    }
    return out;
  };
  // A disk's data, read in pieces (for moving an instance between nodes):
  // [disk, offset, length] -> [hex data, end of file]. Holes read as zeros
  // and are skipped by the caller through blockdev_data_extents.
  h["blockdev_data_extents"] = [storage](const json::array& args) -> json::value {
    auto disk = rpc::DiskSpecFromJson(Arg(args, 0, "blockdev_data_extents"));
    std::string local = storage->LocalPath(disk);
    int fd = ::open(local.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw SystemError("open " + disk.path, errno);
    json::array extents;
    off_t end = ::lseek(fd, 0, SEEK_END);
    off_t pos = 0;
    while (pos < end) {
      off_t data = ::lseek(fd, pos, SEEK_DATA);
      if (data < 0) break;
      off_t hole = ::lseek(fd, data, SEEK_HOLE);
      if (hole < 0) hole = end;
      extents.push_back(json::array{static_cast<int64_t>(data), static_cast<int64_t>(hole - data)});
      pos = hole;
    }
    ::close(fd);
    return json::object{{"size", static_cast<int64_t>(end)}, {"extents", std::move(extents)}};
  };
  h["blockdev_read"] = [storage](const json::array& args) -> json::value {
    auto disk = rpc::DiskSpecFromJson(Arg(args, 0, "blockdev_read"));
    int64_t offset = ToInt(Arg(args, 1, "blockdev_read"), "offset");
    int64_t length = ToInt(Arg(args, 2, "blockdev_read"), "length");
    if (length < 0 || length > 4 * 1024 * 1024) throw GenericError("blockdev_read: bad length");
    std::string local = storage->LocalPath(disk);
    int fd = ::open(local.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw SystemError("open " + disk.path, errno);
    std::string buf(static_cast<size_t>(length), '\0');
    ssize_t n = ::pread(fd, buf.data(), buf.size(), offset);
    int err = errno;
    ::close(fd);
    if (n < 0) throw SystemError("read " + disk.path, err);
    buf.resize(static_cast<size_t>(n));
    return json::value(net::EncodeBase64(buf));
  };
  h["blockdev_write"] = [storage](const json::array& args) -> json::value {
    auto disk = rpc::DiskSpecFromJson(Arg(args, 0, "blockdev_write"));
    int64_t offset = ToInt(Arg(args, 1, "blockdev_write"), "offset");
    auto decoded = net::DecodeBase64(StringArg(args, 2, "blockdev_write"));
    if (!decoded) throw GenericError("invalid base64 data");
    std::string data = std::move(*decoded);
    std::string local = storage->LocalPath(disk);
    int fd = ::open(local.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) throw SystemError("open " + disk.path, errno);
    ssize_t n = ::pwrite(fd, data.data(), data.size(), offset);
    int err = errno;
    bool synced = ::fdatasync(fd) == 0;
    ::close(fd);
    if (n != static_cast<ssize_t>(data.size()) || !synced)
      throw SystemError("write " + disk.path, err);
    return nullptr;
  };

  // --- OS definitions and scripts ---
  h["os_diagnose"] = [os](const json::array&) -> json::value {
    json::array out;
    for (const auto& d : os->Diagnose()) {
      json::array params, variants, versions;
      for (const auto& [name, doc] : d.parameters) params.push_back(json::array{name, doc});
      for (const auto& v : d.variants) variants.push_back(json::value(v));
      for (int v : d.api_versions) versions.push_back(v);
      out.push_back(json::array{d.name, d.path, d.valid, d.diagnose, std::move(variants),
                                std::move(params), std::move(versions), d.trusted});
    }
    return out;
  };
  h["os_validate"] = [os](const json::array& args) -> json::value {
    const auto& params =
        args.size() > 1 && args[1].is_object() ? args[1].get_object() : json::object();
    os->Validate(StringArg(args, 0, "os_validate"), params);
    return true;
  };
  h["instance_os_add"] = [os, storage](const json::array& args) -> json::value {
    auto spec = rpc::InstanceSpecFromJson(Arg(args, 0, "instance_os_add"));
    bool reinstall = args.size() > 1 && args[1].is_bool() && args[1].get_bool();
    int debug = args.size() > 2 ? static_cast<int>(ToInt(args[2], "debug")) : 0;
    os->RunCreate(WithLocalDiskPaths(*storage, std::move(spec)), reinstall, debug);
    return nullptr;
  };
  h["instance_run_rename"] = [os, storage](const json::array& args) -> json::value {
    auto spec = rpc::InstanceSpecFromJson(Arg(args, 0, "instance_run_rename"));
    std::string old_name = StringArg(args, 1, "instance_run_rename");
    int debug = args.size() > 2 ? static_cast<int>(ToInt(args[2], "debug")) : 0;
    os->RunRename(WithLocalDiskPaths(*storage, std::move(spec)), old_name, debug);
    return nullptr;
  };
}

}  // namespace herd
