// Spare inodes for files replaced many times a second (see Inodes::kRecycled
// in files.h): kept per directory, named ".spare-<pid>-<n>", reused no sooner
// than a quarantine after they stopped being a live file.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>

namespace herd {

class SpareFiles {
 public:
  using Clock = std::chrono::steady_clock;
  // A reader that opened the old file just before it was replaced has read
  // it by then; its inode is not written again sooner.
  static constexpr std::chrono::milliseconds kQuarantine{1000};
  // Spares kept per directory; one beyond it is removed.
  static constexpr size_t kMaxPerDirectory = 4096;

  // The process's pool (one per process: a forked child starts its own).
  static SpareFiles& Instance();

  // Where to write the next content in `dir`: a kept spare out of
  // quarantine (`reused`), or a new name (no file yet). The first use of a
  // directory removes the spares that processes no longer alive left there.
  struct Spare {
    std::string path;
    bool reused = false;
  };
  Spare Take(const std::string& dir);
  // `spare` (from Take) now holds a replaced file's old inode.
  void Keep(const std::string& dir, std::string spare);

  // The process's file mode creation mask, which a reused spare's mode
  // honours as a created file's does.
  unsigned umask() const { return umask_; }

  static bool IsSpareName(std::string_view name);

 private:
  SpareFiles();
  void RemoveDeadProcessesSpares(const std::string& dir);

  struct Kept {
    std::string path;
    Clock::time_point since;
  };
  std::mutex mu_;
  int pid_;
  unsigned umask_;
  uint64_t next_name_ = 0;
  std::unordered_map<std::string, std::deque<Kept>> kept_;
  std::unordered_set<std::string> swept_;
};

}  // namespace herd
