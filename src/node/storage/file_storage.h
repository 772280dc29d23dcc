// File-based disks (disk templates "file" and "sharedfile"): sparse files
// under the node's file-storage directory, or under the directory every node
// of the cluster shares. Disk paths arrive as the config has them; a node
// maps them under its own root and refuses any path outside those two trees.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "base/paths.h"
#include "node/capacity.h"
#include "rpc/instance_spec.h"

namespace herd {

struct StorageSpace {
  int64_t total_mib = 0, free_mib = 0;
};

class FileStorage {
 public:
  explicit FileStorage(const Paths& paths) : paths_(paths) {}

  // The local file behind a disk; throws BlockDeviceError for paths that are
  // not under an allowed storage directory.
  std::string LocalPath(const rpc::DiskSpec& disk) const;
  // Creates the sparse file; refuses to overwrite one or to exceed the space.
  void Create(const rpc::DiskSpec& disk);
  void Remove(const rpc::DiskSpec& disk);  // no error if absent
  void Grow(const rpc::DiskSpec& disk, int64_t amount_mib, bool dry_run);
  void Rename(const rpc::DiskSpec& disk, const std::string& new_path);
  // Size in bytes of the disk's file; throws if it does not exist.
  int64_t SizeBytes(const rpc::DiskSpec& disk) const;
  // Declared capacity minus what the disks under the directory allocate
  // (sharedfile: the size of the shared directory's filesystem, the same
  // from every node); the second form with the capacity its caller has
  // already read.
  StorageSpace Space(const std::string& storage_type) const;
  StorageSpace Space(const std::string& storage_type, const NodeCapacity& capacity) const;

 private:
  std::pair<std::string, std::string> AllowedDirs() const;  // (file, sharedfile), config paths
  std::string MapPath(const std::string& config_path) const;
  void CheckSpace(const rpc::DiskSpec& disk, int64_t extra_mib) const;

  Paths paths_;
};

}  // namespace herd
