#include "node/storage/file_storage.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <string_view>

#include "base/errors.h"
#include "base/files.h"
#include "node/capacity.h"
#include "node/ssconf.h"

namespace herd {
namespace fs = std::filesystem;
namespace {

constexpr int64_t kMiB = 1024 * 1024;

bool IsUnder(const std::string& path, const std::string& dir) {
  if (dir.empty() || path.size() <= dir.size() + 1) return false;
  if (path.compare(0, dir.size(), dir) != 0 || path[dir.size()] != '/') return false;
  // No way out of the directory through "..".
  for (const auto& part : fs::path(path)) {
    if (part == "..") return false;
  }
  return true;
}

// Bytes in the regular files under the directory `dir_fd` (closed here).
// Directory entries are read directly: node_info sums the storage directory
// on every call, mostly an empty or small one.
int64_t BytesUnder(int dir_fd) {
  // getdents64 rather than opendir, which costs three more system calls.
  alignas(dirent64) char entries[4096];
  int64_t bytes = 0;
  for (;;) {
    const ssize_t filled = ::getdents64(dir_fd, entries, sizeof entries);
    if (filled <= 0) break;
    for (ssize_t at = 0; at < filled;) {
      const auto* entry = reinterpret_cast<const dirent64*>(entries + at);
      at += entry->d_reclen;
      const std::string_view name = entry->d_name;
      if (name == "." || name == "..") continue;
      unsigned char type = entry->d_type;
      struct stat st {};
      if (type == DT_UNKNOWN || type == DT_REG) {
        if (::fstatat(dir_fd, entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
        type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
      }
      if (type == DT_REG) {
        bytes += st.st_size;
      } else if (type == DT_DIR) {
        const int child =
            ::openat(dir_fd, entry->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (child >= 0) bytes += BytesUnder(child);
      }
    }
  }
  ::close(dir_fd);
  return bytes;
}

int64_t AllocatedMib(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return 0;
  return BytesUnder(fd) / kMiB;
}

// The size of the filesystem holding `dir`, or of its nearest existing
// ancestor (a shared directory is made with its first disk).
int64_t FilesystemMib(std::string dir) {
  struct statvfs st {};
  while (::statvfs(dir.c_str(), &st) != 0) {
    const int err = errno;  // before the message's allocations
    if (err != ENOENT || dir.empty() || dir == "/") {
      throw SystemError("size of the filesystem of " + dir, err);
    }
    dir = fs::path(dir).parent_path().string();
  }
  return static_cast<int64_t>(st.f_blocks * st.f_frsize / kMiB);
}

std::string Trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '/')) s.pop_back();
  return s;
}

}  // namespace

std::pair<std::string, std::string> FileStorage::AllowedDirs() const {
  auto file = ReadSsconfValue(paths_, "file_storage_dir");
  auto shared = ReadSsconfValue(paths_, "shared_file_storage_dir");
  return {Trimmed(file.value_or(paths_.Unprefixed(paths_.FileStorageDir()))),
          Trimmed(shared.value_or(paths_.SharedFileStorageDir()))};
}

std::string FileStorage::MapPath(const std::string& config_path) const {
  auto [file_dir, shared_dir] = AllowedDirs();
  if (IsUnder(config_path, shared_dir)) return config_path;
  if (IsUnder(config_path, file_dir)) return paths_.Prefixed(config_path);
  throw BlockDeviceError("File storage directory of '" + config_path +
                         "' is not allowed: disks must be under '" + file_dir + "' or '" +
                         shared_dir + "'");
}

std::string FileStorage::LocalPath(const rpc::DiskSpec& disk) const {
  if (disk.dev_type != "file" && disk.dev_type != "sharedfile") {
    throw BlockDeviceError("Disk template '" + disk.dev_type +
                           "' is not supported by this node (only file and sharedfile)");
  }
  return MapPath(disk.path);
}

StorageSpace FileStorage::Space(const std::string& storage_type) const {
  return Space(storage_type, ReadNodeCapacity(paths_));
}

StorageSpace FileStorage::Space(const std::string& storage_type, const NodeCapacity& cap) const {
  if (storage_type == "sharedfile") {
    // One filesystem that every node sees (as Ganeti reports it, its
    // size): the same figures from every node, whatever each node declares
    // for its own disk.
    const std::string dir = AllowedDirs().second;
    const int64_t total = FilesystemMib(dir);
    return {total, total - AllocatedMib(dir)};
  }
  return {cap.disk_mib, cap.disk_mib - AllocatedMib(paths_.Prefixed(AllowedDirs().first))};
}

void FileStorage::CheckSpace(const rpc::DiskSpec& disk, int64_t extra_mib) const {
  StorageSpace space = Space(disk.dev_type);
  if (extra_mib > space.free_mib) {
    throw BlockDeviceError("Not enough free space on node " + paths_.hostname() + " for disk " +
                           disk.path + ": needed " + std::to_string(extra_mib) + " MiB, free " +
                           std::to_string(space.free_mib) + " MiB");
  }
}

void FileStorage::Create(const rpc::DiskSpec& disk) {
  std::string local = LocalPath(disk);
  CheckSpace(disk, disk.size_mib);
  MakeDirs(fs::path(local).parent_path().string(), 0750);
  int fd = ::open(local.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd < 0) {
    if (errno == EEXIST) throw BlockDeviceError("File already exists: " + disk.path);
    throw SystemError("create " + disk.path, errno);
  }
  int rc = ::ftruncate(fd, disk.size_mib * kMiB);
  int err = errno;
  ::close(fd);
  if (rc != 0) {
    ::unlink(local.c_str());
    throw SystemError("allocate " + std::to_string(disk.size_mib) + " MiB for " + disk.path, err);
  }
}

void FileStorage::Remove(const rpc::DiskSpec& disk) {
  std::string local = LocalPath(disk);
  RemoveFile(local);
  // The per-instance directory goes with its last disk.
  std::error_code ec;
  fs::path dir = fs::path(local).parent_path();
  if (fs::is_empty(dir, ec) && !ec) fs::remove(dir, ec);
}

void FileStorage::Grow(const rpc::DiskSpec& disk, int64_t amount_mib, bool dry_run) {
  std::string local = LocalPath(disk);
  if (amount_mib < 0) throw BlockDeviceError("Cannot shrink disk " + disk.path);
  int64_t current = SizeBytes(disk);
  CheckSpace(disk, amount_mib);
  if (dry_run) return;
  if (::truncate(local.c_str(), current + amount_mib * kMiB) != 0) {
    throw SystemError("grow " + disk.path, errno);
  }
}

void FileStorage::Rename(const rpc::DiskSpec& disk, const std::string& new_path) {
  std::string from = LocalPath(disk);
  std::string to = MapPath(new_path);
  if (FileExists(to)) throw BlockDeviceError("Rename target already exists: " + new_path);
  MakeDirs(fs::path(to).parent_path().string(), 0750);
  if (::rename(from.c_str(), to.c_str()) != 0) {
    throw SystemError("rename " + disk.path + " to " + new_path, errno);
  }
  std::error_code ec;
  fs::path dir = fs::path(from).parent_path();
  if (fs::is_empty(dir, ec) && !ec) fs::remove(dir, ec);
}

int64_t FileStorage::SizeBytes(const rpc::DiskSpec& disk) const {
  std::string local = LocalPath(disk);
  struct stat st;
  if (::stat(local.c_str(), &st) != 0) throw SystemError("stat " + disk.path, errno);
  return st.st_size;
}

}  // namespace herd
