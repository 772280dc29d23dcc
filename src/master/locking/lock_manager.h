// Ganeti's hierarchical lock manager: named shared/exclusive locks per level,
// acquired level by level, plus "all locks at a level" (Ganeti's ALL_SET).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "master/locking/levels.h"

namespace herd::locking {

// Who holds a lock, as shown by "gnt-debug locks" (e.g. "job/42").
using OwnerId = std::string;
using Timeout = std::optional<std::chrono::milliseconds>;  // nullopt waits forever

// One row of Ganeti's lock query (fields name, mode, owner, pending).
struct LockStatus {
  std::string name;             // "instance/inst1"; "node/[lockset]" for the whole level
  std::string mode;             // "exclusive", "shared", or empty when only waited for
  std::vector<OwnerId> owners;  // sorted
  // Waiting acquisitions in queue order: (mode, owners).
  std::vector<std::pair<std::string, std::vector<OwnerId>>> pending;
};

// Deadlock-free by construction: every owner acquires in one global order
// (level, whole-level lock, names sorted) and each lock queues waiters FIFO.
// Whole-level acquisitions take the level's set lock in S/X mode; named ones
// take it in intention mode (IS/IX) first, so ALL conflicts with names exactly
// when their modes conflict. Each owner is expected to act from one thread.
// Misuse (level order, releasing what is not held) throws ProgrammerError.
class LockManager {
 public:
  LockManager();
  ~LockManager();
  LockManager(const LockManager&) = delete;
  LockManager& operator=(const LockManager&) = delete;

  // Acquires `names` at `level`; on timeout takes nothing and returns false.
  // Throws if `owner` already holds a lock at `level` or a higher level.
  bool Acquire(const OwnerId& owner, Level level, const std::vector<std::string>& names,
               bool shared, Timeout timeout = std::nullopt);
  // Acquires every lock of `level`, including names locked later by others.
  bool AcquireAll(const OwnerId& owner, Level level, bool shared, Timeout timeout = std::nullopt);
  // Ganeti's opportunistic locking: waits (up to `timeout`) only for the
  // level itself, then takes those of `names` that are free right now.
  std::vector<std::string> AcquireOpportunistic(const OwnerId& owner, Level level,
                                                const std::vector<std::string>& names, bool shared,
                                                Timeout timeout = std::nullopt);

  // Releases `names` (all held at `level` when empty). A whole-level holder
  // narrows its hold with ReleaseExcept instead.
  void Release(const OwnerId& owner, Level level, const std::vector<std::string>& names = {});
  // Keeps only `keep` at `level` (mcpu's ReleaseLocks(keep=...)); also turns a
  // whole-level hold into named locks, without waiting.
  void ReleaseExcept(const OwnerId& owner, Level level, const std::vector<std::string>& keep);
  void ReleaseAll(const OwnerId& owner);
  // Turns every exclusive lock of `owner` at `level` into a shared one.
  void Downgrade(const OwnerId& owner, Level level);

  bool OwnsLevel(const OwnerId& owner, Level level) const;
  bool OwnsAll(const OwnerId& owner, Level level) const;
  // Named locks held at `level` (empty for a whole-level hold), sorted.
  std::vector<std::string> OwnedNames(const OwnerId& owner, Level level) const;
  // True if `name` is held, by name or through the whole level; with
  // `exclusive`, only if held exclusively.
  bool IsOwned(const OwnerId& owner, Level level, const std::string& name,
               bool exclusive = false) const;

  // Every lock held or waited for, ordered by level then name.
  std::vector<LockStatus> Status() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace herd::locking
