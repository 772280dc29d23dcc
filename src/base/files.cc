#include "base/files.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <mutex>
#include <unordered_map>

#include "base/errors.h"

namespace herd {
namespace {
void WriteAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw SystemError("write " + path, errno);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
}
}  // namespace

namespace {
// Writes `data` to a temporary file beside `path` (fsynced with `sync`);
// returns its name and file system. Leaves nothing behind when it throws.
std::pair<std::string, dev_t> WriteTemporary(const std::string& path, std::string_view data,
                                             unsigned mode, bool sync) {
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) throw SystemError("open " + tmp, errno);
  struct stat st {};
  try {
    WriteAll(fd, data, tmp);
    if (sync && ::fsync(fd) != 0) throw SystemError("fsync " + tmp, errno);
    if (::fstat(fd, &st) != 0) throw SystemError("stat " + tmp, errno);
  } catch (...) {
    ::close(fd);
    ::unlink(tmp.c_str());
    throw;
  }
  ::close(fd);
  return {tmp, st.st_dev};
}

// Renames `tmp` over `path`; removes `tmp` if that fails.
void RenameInto(const std::string& tmp, const std::string& path) {
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    throw SystemError("rename " + tmp + " to " + path, err);
  }
}

void WriteAndRename(const std::string& path, std::string_view data, unsigned mode, bool sync) {
  RenameInto(WriteTemporary(path, data, mode, sync).first, path);
}
}  // namespace

void WriteFileAtomic(const std::string& path, std::string_view data, unsigned mode,
                     bool sync_directory) {
  WriteAndRename(path, data, mode, true);
  if (sync_directory) FsyncDirectory(std::filesystem::path(path).parent_path().string());
}

void WriteFileAtomicUnsynced(const std::string& path, std::string_view data, unsigned mode) {
  WriteAndRename(path, data, mode, false);
}

namespace {
// Runs `sync` (fsync: the directory; syncfs: its whole file system) on `dir`.
void SyncDirectory(const std::string& dir, int (*sync)(int), const char* what) {
  int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw SystemError("open directory " + dir, errno);
  int rc = sync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) throw SystemError(std::string(what) + " " + dir, err);
}
void SyncFileSystemOf(const std::string& dir) { SyncDirectory(dir, ::syncfs, "syncfs"); }
}  // namespace

void WriteFilesAtomic(const std::vector<FileWrite>& files, unsigned mode) {
  if (files.empty()) return;
  // One directory per file system is enough to name it to syncfs.
  std::vector<std::pair<dev_t, std::string>> file_systems;
  std::vector<std::string> temporaries;
  temporaries.reserve(files.size());
  try {
    for (const auto& f : files) {
      auto [tmp, device] = WriteTemporary(f.path, f.data, mode, /*sync=*/false);
      temporaries.push_back(std::move(tmp));
      if (std::none_of(file_systems.begin(), file_systems.end(),
                       [device](const auto& fs) { return fs.first == device; })) {
        file_systems.emplace_back(device, std::filesystem::path(f.path).parent_path().string());
      }
    }
    for (const auto& fs : file_systems) SyncFileSystemOf(fs.second);
  } catch (...) {
    for (const auto& tmp : temporaries) ::unlink(tmp.c_str());
    throw;
  }
  for (size_t i = 0; i < files.size(); ++i) {
    try {
      RenameInto(temporaries[i], files[i].path);
    } catch (...) {
      for (size_t j = i + 1; j < files.size(); ++j) ::unlink(temporaries[j].c_str());
      throw;
    }
  }
  for (const auto& fs : file_systems) SyncFileSystemOf(fs.second);
}

namespace {

// Syncs of a directory, coalesced: a caller waits for a sync that began
// after its call, and runs one itself when none is under way. When many
// threads replace files in one directory (job workers, their job files),
// one fsync covers many renames; and the directory's lock, which an fsync
// holds through its write, is taken once instead of once per file.
class DirectorySyncs {
 public:
  void Sync(const std::string& dir) {
    std::unique_lock lock(mu_);
    State& state = dirs_[dir];
    const uint64_t mine = ++state.requested;
    while (state.synced < mine) {
      if (state.running) {
        cv_.wait(lock);
        continue;
      }
      state.running = true;
      const uint64_t covered = state.requested;  // every request made so far
      lock.unlock();
      std::exception_ptr failure;
      try {
        SyncDirectory(dir, ::fsync, "fsync directory");
      } catch (...) {
        failure = std::current_exception();  // those waiting try their own
      }
      lock.lock();
      state.running = false;
      if (!failure) state.synced = std::max(state.synced, covered);
      cv_.notify_all();
      if (failure) std::rethrow_exception(failure);
    }
  }

 private:
  struct State {
    uint64_t requested = 0, synced = 0;
    bool running = false;
  };
  std::mutex mu_;
  std::condition_variable cv_;
  std::unordered_map<std::string, State> dirs_;
};

}  // namespace

void FsyncDirectory(const std::string& dir) {
  static DirectorySyncs syncs;
  syncs.Sync(dir);
}

std::string ReadFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw SystemError("open " + path, errno);
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      throw SystemError("read " + path, err);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

bool FileExists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

void MakeDirs(const std::string& path, unsigned mode) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) throw GenericError("cannot create directory " + path + ": " + ec.message());
  (void)mode;
}

void RemoveFile(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) throw SystemError("unlink " + path, errno);
}

std::vector<std::string> ListDirectory(const std::string& dir) {
  std::vector<std::string> names;
  DIR* d = ::opendir(dir.c_str());
  if (!d) {
    if (errno == ENOENT) return names;
    throw SystemError("opendir " + dir, errno);
  }
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(std::move(name));
  }
  ::closedir(d);
  return names;
}

bool IsExecutableFile(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

bool IsPluginName(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '_' || c == '-';
  });
}

int ReadPidFile(const std::string& path) {
  try {
    return std::stoi(ReadFile(path));
  } catch (...) {
    return 0;  // absent or garbage: treated as "no daemon"
  }
}

bool ProcessAlive(int pid) { return pid > 0 && (::kill(pid, 0) == 0 || errno == EPERM); }

}  // namespace herd
