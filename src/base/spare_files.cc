#include "base/spare_files.h"

#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <fstream>
#include <mutex>

#include "base/files.h"

namespace herd {
namespace {
constexpr std::string_view kSparePrefix = ".spare-";

// The pid in ".spare-<pid>-<n>", or 0.
int SpareOwner(std::string_view name) {
  if (name.substr(0, kSparePrefix.size()) != kSparePrefix) return 0;
  name.remove_prefix(kSparePrefix.size());
  int pid = 0;
  auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), pid);
  if (ec != std::errc() || end == name.data() + name.size() || *end != '-') return 0;
  return pid;
}

unsigned ReadUmask() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("Umask:", 0) == 0)
      return static_cast<unsigned>(std::stoul(line.substr(6), nullptr, 8));
  }
  return 022;
}
}  // namespace

SpareFiles::SpareFiles() : pid_(::getpid()), umask_(ReadUmask()) {}

SpareFiles& SpareFiles::Instance() {
  static std::atomic<SpareFiles*> current{nullptr};
  static std::once_flag registered;
  std::call_once(registered, [] {
    // A forked child starts its own pool: the parent's spares are the
    // parent's (and its lock may have been held by a thread the child does
    // not have).
    ::pthread_atfork(nullptr, nullptr, [] { current.store(nullptr); });
  });
  SpareFiles* pool = current.load();
  if (!pool) {
    auto* fresh = new SpareFiles;
    if (current.compare_exchange_strong(pool, fresh)) return *fresh;
    delete fresh;  // another thread's came first
  }
  return *pool;
}

bool SpareFiles::IsSpareName(std::string_view name) { return SpareOwner(name) != 0; }

void SpareFiles::RemoveDeadProcessesSpares(const std::string& dir) {
  for (const auto& name : ListDirectory(dir)) {
    const int owner = SpareOwner(name);
    if (owner != 0 && owner != pid_ && !ProcessAlive(owner)) ::unlink((dir + "/" + name).c_str());
  }
}

SpareFiles::Spare SpareFiles::Take(const std::string& dir) {
  std::lock_guard lock(mu_);
  if (swept_.insert(dir).second) RemoveDeadProcessesSpares(dir);
  auto it = kept_.find(dir);
  if (it != kept_.end() && !it->second.empty() &&
      it->second.front().since + kQuarantine <= Clock::now()) {
    Spare spare{std::move(it->second.front().path), true};
    it->second.pop_front();
    return spare;
  }
  return {dir + "/" + std::string(kSparePrefix) + std::to_string(pid_) + "-" +
              std::to_string(next_name_++),
          false};
}

void SpareFiles::Keep(const std::string& dir, std::string spare) {
  std::lock_guard lock(mu_);
  auto& kept = kept_[dir];
  kept.push_back({std::move(spare), Clock::now()});
  if (kept.size() > kMaxPerDirectory) {
    ::unlink(kept.front().path.c_str());
    kept.pop_front();
  }
}

}  // namespace herd
