#include "base/files.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
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
#include "base/spare_files.h"

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
std::string ParentOf(const std::string& path) {
  return std::filesystem::path(path).parent_path().string();
}

// Content written beside its destination, to be renamed or exchanged into
// place (Commit) or removed (Abandon).
struct Staged {
  std::string path;
  dev_t device = 0;
  bool spare = false;   // from the directory's spares: exchanged, then kept
  bool reused = false;  // a kept spare: an old file's inode, mode and length
};

// Opens `path` to be written from its start. A temporary file is
// truncated; a reused spare is not: it is written over and cut to length
// afterwards, so that blocks it still needs are not freed (each freed
// extent costs a discard on file systems mounted with one) and allocated
// again. A reused spare has the mode of the file it was, perhaps read-only.
int OpenForWriting(const std::string& path, unsigned mode, bool reused) {
  const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (reused ? 0 : O_TRUNC);
  int fd = ::open(path.c_str(), flags, mode);
  if (fd < 0 && errno == EACCES && reused && ::chmod(path.c_str(), 0600) == 0) {
    fd = ::open(path.c_str(), flags, mode);
  }
  if (fd < 0) throw SystemError("open " + path, errno);
  return fd;
}

// Writes `data` beside `path` (fsynced with `sync`): into a temporary file,
// or with Inodes::kRecycled into one of the directory's spares. Leaves
// nothing behind when it throws.
Staged Stage(const std::string& path, std::string_view data, unsigned mode, bool sync,
             Inodes inodes) {
  Staged staged;
  if (inodes == Inodes::kRecycled) {
    SpareFiles::Spare spare = SpareFiles::Instance().Take(ParentOf(path));
    staged = {std::move(spare.path), 0, true, spare.reused};
  } else {
    staged.path = path + ".tmp." + std::to_string(::getpid());
  }
  int fd = OpenForWriting(staged.path, mode, staged.reused);
  struct stat st {};
  try {
    WriteAll(fd, data, staged.path);
    if (staged.reused) {
      if (::ftruncate(fd, static_cast<off_t>(data.size())) != 0) {
        throw SystemError("truncate " + staged.path, errno);
      }
      // As a new file's: the requested mode less the umask.
      if (::fchmod(fd, mode & ~SpareFiles::Instance().umask()) != 0) {
        throw SystemError("chmod " + staged.path, errno);
      }
    }
    if (sync && ::fsync(fd) != 0) throw SystemError("fsync " + staged.path, errno);
    if (::fstat(fd, &st) != 0) throw SystemError("stat " + staged.path, errno);
  } catch (...) {
    ::close(fd);
    ::unlink(staged.path.c_str());
    throw;
  }
  ::close(fd);
  staged.device = st.st_dev;
  return staged;
}

void Abandon(const Staged& staged) { ::unlink(staged.path.c_str()); }

// Puts the staged content at `path`. A spare is exchanged with the file it
// replaces, whose inode becomes a spare; with no file there yet (or a file
// system without exchange) it is renamed like a temporary file.
void Commit(const Staged& staged, const std::string& path) {
  if (staged.spare) {
    if (::renameat2(AT_FDCWD, staged.path.c_str(), AT_FDCWD, path.c_str(), RENAME_EXCHANGE) == 0) {
      SpareFiles::Instance().Keep(ParentOf(path), staged.path);
      return;
    }
    if (errno != ENOENT && errno != EINVAL) {
      int err = errno;
      Abandon(staged);
      throw SystemError("exchange " + staged.path + " with " + path, err);
    }
  }
  if (::rename(staged.path.c_str(), path.c_str()) != 0) {
    int err = errno;
    Abandon(staged);
    throw SystemError("rename " + staged.path + " to " + path, err);
  }
}
}  // namespace

void WriteFileAtomic(const std::string& path, std::string_view data, unsigned mode,
                     bool sync_directory, Inodes inodes) {
  Commit(Stage(path, data, mode, /*sync=*/true, inodes), path);
  if (sync_directory) FsyncDirectory(ParentOf(path));
}

void WriteFileAtomicUnsynced(const std::string& path, std::string_view data, unsigned mode) {
  Commit(Stage(path, data, mode, /*sync=*/false, Inodes::kFresh), path);
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

void WriteFilesAtomic(const std::vector<FileWrite>& files, unsigned mode, Inodes inodes) {
  if (files.empty()) return;
  // One directory per file system is enough to name it to syncfs.
  std::vector<std::pair<dev_t, std::string>> file_systems;
  std::vector<Staged> staged;
  staged.reserve(files.size());
  try {
    for (const auto& f : files) {
      staged.push_back(Stage(f.path, f.data, mode, /*sync=*/false, inodes));
      const dev_t device = staged.back().device;
      if (std::none_of(file_systems.begin(), file_systems.end(),
                       [device](const auto& fs) { return fs.first == device; })) {
        file_systems.emplace_back(device, ParentOf(f.path));
      }
    }
    for (const auto& fs : file_systems) SyncFileSystemOf(fs.second);
  } catch (...) {
    for (const auto& s : staged) Abandon(s);
    throw;
  }
  for (size_t i = 0; i < files.size(); ++i) {
    try {
      Commit(staged[i], files[i].path);
    } catch (...) {
      for (size_t j = i + 1; j < files.size(); ++j) Abandon(staged[j]);
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

bool FileHolds(const std::string& path, std::string_view contents, std::optional<unsigned> mode) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode) ||
      static_cast<size_t>(st.st_size) != contents.size() ||
      (mode && (st.st_mode & 07777) != *mode)) {
    return false;
  }
  try {
    return ReadFile(path) == contents;
  } catch (const GanetiError&) {
    return false;  // unreadable: to be written again
  }
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
