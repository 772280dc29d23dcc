#include "base/file_cache.h"

#include <sys/stat.h>

#include <cerrno>
#include <mutex>
#include <unordered_map>

#include "base/files.h"

namespace herd {
namespace {

struct Stamp {
  dev_t device = 0;
  ino_t inode = 0;
  off_t size = 0;
  int64_t mtime_ns = 0;
  bool operator==(const Stamp&) const = default;
};

struct Entry {
  Stamp stamp;
  std::string text;
};

// A daemon reads a handful of such files: past this many paths the cache
// starts over rather than grow without bound.
constexpr size_t kMaxEntries = 256;

std::mutex cache_mu;
std::unordered_map<std::string, Entry>& Cache() {
  static auto* cache = new std::unordered_map<std::string, Entry>();  // outlives exit
  return *cache;
}

}  // namespace

std::optional<std::string> ReadFileCached(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
    return ReadFile(path);  // says why it cannot be read
  }
  const Stamp stamp{st.st_dev, st.st_ino, st.st_size,
                    static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
  {
    std::lock_guard lock(cache_mu);
    auto it = Cache().find(path);
    if (it != Cache().end() && it->second.stamp == stamp) return it->second.text;
  }
  std::string text = ReadFile(path);
  // A file that changed while it was read is not kept.
  struct stat after {};
  if (::stat(path.c_str(), &after) != 0 || after.st_ino != st.st_ino ||
      after.st_size != static_cast<off_t>(text.size()) ||
      after.st_mtim.tv_sec != st.st_mtim.tv_sec || after.st_mtim.tv_nsec != st.st_mtim.tv_nsec) {
    return text;
  }
  std::lock_guard lock(cache_mu);
  if (Cache().size() >= kMaxEntries) Cache().clear();
  Cache()[path] = Entry{stamp, text};
  return text;
}

}  // namespace herd
