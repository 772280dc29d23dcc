#include "master/locking/lock_manager.h"

#include <algorithm>
#include <array>
#include <condition_variable>
#include <cstdint>
#include <iterator>
#include <list>
#include <map>
#include <mutex>
#include <unordered_map>
#include <utility>

#include "base/errors.h"

namespace herd::locking {
namespace {

using Clock = std::chrono::steady_clock;
using Deadline = std::optional<Clock::time_point>;

// Classic multi-granularity modes; only set locks use the intention modes.
enum Mode : uint8_t { kIntentShared, kIntentExclusive, kShared, kExclusive };
constexpr int kNumModes = 4;
constexpr bool kCompatible[kNumModes][kNumModes] = {
    {true, true, true, false},
    {true, true, false, false},
    {true, false, true, false},
    {false, false, false, false},
};

bool IsSharedMode(Mode m) { return m == kIntentShared || m == kShared; }
const char* ModeText(Mode m) { return IsSharedMode(m) ? "shared" : "exclusive"; }

struct Request {
  Request(OwnerId o, Mode m) : owner(std::move(o)), mode(m) {}
  OwnerId owner;
  Mode mode;
  bool granted = false;
  std::condition_variable cv;
};

struct Lock {
  std::unordered_map<OwnerId, Mode> holders;
  std::array<int, kNumModes> counts{};
  std::list<Request*> queue;  // FIFO; a waiter never overtakes a conflicting earlier one

  bool Idle() const { return holders.empty() && queue.empty(); }
  bool FitsHolders(Mode m) const {
    for (int i = 0; i < kNumModes; ++i) {
      if (counts[i] > 0 && !kCompatible[m][i]) return false;
    }
    return true;
  }
  void Grant(const OwnerId& owner, Mode m) {
    holders[owner] = m;
    ++counts[m];
  }
  void Drop(const OwnerId& owner) {
    auto it = holders.find(owner);
    if (it == holders.end()) return;
    --counts[it->second];
    holders.erase(it);
  }
  void ChangeMode(const OwnerId& owner, Mode m) {
    Mode& held = holders.at(owner);
    --counts[held];
    held = m;
    ++counts[m];
  }
};

bool FitsMask(Mode m, unsigned mask) {
  for (int i = 0; i < kNumModes; ++i) {
    if ((mask & (1u << i)) && !kCompatible[m][i]) return false;
  }
  return true;
}

// Grants, in queue order, every waiter compatible with the holders and with
// all earlier waiters still blocked.
void Wake(Lock& lock) {
  unsigned blocked = 0;
  for (auto it = lock.queue.begin(); it != lock.queue.end();) {
    Request* r = *it;
    if (lock.FitsHolders(r->mode) && FitsMask(r->mode, blocked)) {
      lock.Grant(r->owner, r->mode);
      r->granted = true;
      r->cv.notify_one();
      it = lock.queue.erase(it);
    } else {
      blocked |= 1u << r->mode;
      ++it;
    }
  }
}

struct LevelLocks {
  Lock set;
  std::map<std::string, Lock> named;
};

// What one owner holds at one level.
struct LevelHold {
  bool all = false;
  Mode set_mode = kIntentShared;
  std::map<std::string, Mode> names;
  bool Held() const { return all || !names.empty(); }
};
using OwnerHolds = std::array<LevelHold, kNumLevels>;

std::vector<std::string> SortedUnique(std::vector<std::string> names) {
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

std::string Quoted(Level level) {
  std::string out(1, '\'');
  out.append(LevelName(level)).push_back('\'');
  return out;
}

Deadline ToDeadline(Timeout timeout) {
  if (!timeout) return std::nullopt;
  return Clock::now() + *timeout;
}

}  // namespace

struct LockManager::Impl {
  mutable std::mutex mu;
  std::array<LevelLocks, kNumLevels> levels;
  std::unordered_map<OwnerId, OwnerHolds> owners;

  LevelLocks& At(Level level) { return levels[static_cast<int>(level)]; }

  // Blocks until `lock` is granted in `mode` or `deadline` passes.
  bool Wait(std::unique_lock<std::mutex>& lk, Lock& lock, const OwnerId& owner, Mode mode,
            Deadline deadline) {
    unsigned queued = 0;
    for (const Request* r : lock.queue) queued |= 1u << r->mode;
    if (lock.FitsHolders(mode) && FitsMask(mode, queued)) {
      lock.Grant(owner, mode);
      return true;
    }
    if (deadline && Clock::now() >= *deadline) return false;
    Request req(owner, mode);
    lock.queue.push_back(&req);
    auto pos = std::prev(lock.queue.end());
    while (!req.granted) {
      if (!deadline) {
        req.cv.wait(lk);
      } else if (req.cv.wait_until(lk, *deadline) == std::cv_status::timeout && !req.granted) {
        lock.queue.erase(pos);
        Wake(lock);  // an abandoned exclusive waiter may have held back shared ones
        return false;
      }
    }
    return true;
  }

  void UnlockNamed(LevelLocks& ll, const std::string& name, const OwnerId& owner) {
    auto it = ll.named.find(name);
    if (it == ll.named.end()) return;
    it->second.Drop(owner);
    Wake(it->second);
    if (it->second.Idle()) ll.named.erase(it);
  }
  void UnlockSet(LevelLocks& ll, const OwnerId& owner) {
    ll.set.Drop(owner);
    Wake(ll.set);
  }
  void EraseIfIdle(LevelLocks& ll, const std::string& name) {
    auto it = ll.named.find(name);
    if (it != ll.named.end() && it->second.Idle()) ll.named.erase(it);
  }

  void CheckOrder(const OwnerId& owner, Level level) const {
    auto it = owners.find(owner);
    if (it == owners.end()) return;
    for (int l = kNumLevels - 1; l >= static_cast<int>(level); --l) {
      if (it->second[l].Held()) {
        throw ProgrammerError("Owner " + owner + " cannot acquire locks at level " + Quoted(level) +
                              " while holding locks at level " + Quoted(static_cast<Level>(l)) +
                              "; levels are acquired once each, in increasing order");
      }
    }
  }

  LevelHold& HeldLevel(const OwnerId& owner, Level level) {
    auto it = owners.find(owner);
    if (it == owners.end() || !it->second[static_cast<int>(level)].Held()) {
      throw ProgrammerError("Owner " + owner + " holds no locks at level " + Quoted(level));
    }
    return it->second[static_cast<int>(level)];
  }
  const LevelHold* FindHold(const OwnerId& owner, Level level) const {
    auto it = owners.find(owner);
    if (it == owners.end()) return nullptr;
    return &it->second[static_cast<int>(level)];
  }

  void ReleaseLevel(const OwnerId& owner, Level level, LevelHold& hold) {
    LevelLocks& ll = At(level);
    for (const auto& [name, mode] : hold.names) UnlockNamed(ll, name, owner);
    UnlockSet(ll, owner);
    hold = LevelHold{};
  }
  void ForgetIfEmpty(const OwnerId& owner) {
    auto it = owners.find(owner);
    if (it == owners.end()) return;
    for (const LevelHold& h : it->second) {
      if (h.Held()) return;
    }
    owners.erase(it);
  }

  std::vector<std::string> AcquireNames(const OwnerId& owner, Level level,
                                        const std::vector<std::string>& requested, bool shared,
                                        Timeout timeout, bool opportunistic, bool& ok) {
    std::unique_lock lk(mu);
    CheckOrder(owner, level);
    ok = true;
    std::vector<std::string> names = SortedUnique(requested);
    if (names.empty()) return {};
    Deadline deadline = ToDeadline(timeout);
    LevelLocks& ll = At(level);
    const Mode intent = shared ? kIntentShared : kIntentExclusive;
    const Mode mode = shared ? kShared : kExclusive;
    if (!Wait(lk, ll.set, owner, intent, deadline)) {
      ok = false;
      return {};
    }
    std::vector<std::string> got;
    for (const std::string& name : names) {
      Lock& lock = ll.named[name];
      Deadline d = opportunistic ? Deadline(Clock::time_point::min()) : deadline;
      if (Wait(lk, lock, owner, mode, d)) {
        got.push_back(name);
        continue;
      }
      EraseIfIdle(ll, name);
      if (opportunistic) continue;
      for (const std::string& g : got) UnlockNamed(ll, g, owner);
      UnlockSet(ll, owner);
      ok = false;
      return {};
    }
    if (got.empty()) {
      UnlockSet(ll, owner);
      return {};
    }
    LevelHold& hold = owners[owner][static_cast<int>(level)];
    hold.set_mode = intent;
    for (const std::string& g : got) hold.names.emplace(g, mode);
    return got;
  }
};

LockManager::LockManager() : impl_(std::make_unique<Impl>()) {}
LockManager::~LockManager() = default;

bool LockManager::Acquire(const OwnerId& owner, Level level, const std::vector<std::string>& names,
                          bool shared, Timeout timeout) {
  bool ok = false;
  impl_->AcquireNames(owner, level, names, shared, timeout, /*opportunistic=*/false, ok);
  return ok;
}

std::vector<std::string> LockManager::AcquireOpportunistic(const OwnerId& owner, Level level,
                                                           const std::vector<std::string>& names,
                                                           bool shared, Timeout timeout) {
  bool ok = false;
  return impl_->AcquireNames(owner, level, names, shared, timeout, /*opportunistic=*/true, ok);
}

bool LockManager::AcquireAll(const OwnerId& owner, Level level, bool shared, Timeout timeout) {
  std::unique_lock lk(impl_->mu);
  impl_->CheckOrder(owner, level);
  const Mode mode = shared ? kShared : kExclusive;
  if (!impl_->Wait(lk, impl_->At(level).set, owner, mode, ToDeadline(timeout))) return false;
  LevelHold& hold = impl_->owners[owner][static_cast<int>(level)];
  hold.all = true;
  hold.set_mode = mode;
  return true;
}

void LockManager::Release(const OwnerId& owner, Level level,
                          const std::vector<std::string>& names) {
  std::lock_guard lk(impl_->mu);
  LevelHold& hold = impl_->HeldLevel(owner, level);
  if (names.empty()) {
    impl_->ReleaseLevel(owner, level, hold);
  } else {
    if (hold.all) {
      throw ProgrammerError("Owner " + owner + " holds all locks at level " + Quoted(level) +
                            "; narrow the hold with ReleaseExcept");
    }
    const std::vector<std::string> sorted = SortedUnique(names);
    for (const std::string& name : sorted) {
      if (!hold.names.count(name)) {
        throw ProgrammerError("Owner " + owner + " does not hold lock " +
                              std::string(LevelName(level)) + "/" + name);
      }
    }
    LevelLocks& ll = impl_->At(level);
    for (const std::string& name : sorted) {
      impl_->UnlockNamed(ll, name, owner);
      hold.names.erase(name);
    }
    if (hold.names.empty()) impl_->ReleaseLevel(owner, level, hold);
  }
  impl_->ForgetIfEmpty(owner);
}

void LockManager::ReleaseExcept(const OwnerId& owner, Level level,
                                const std::vector<std::string>& keep) {
  std::lock_guard lk(impl_->mu);
  LevelHold& hold = impl_->HeldLevel(owner, level);
  LevelLocks& ll = impl_->At(level);
  const std::vector<std::string> kept = SortedUnique(keep);
  if (hold.all) {
    if (kept.empty()) {
      impl_->ReleaseLevel(owner, level, hold);
    } else {
      // Holding the set in S/X means nobody holds or waits for a conflicting
      // named lock, so the kept names are granted at once.
      const bool shared = hold.set_mode == kShared;
      const Mode mode = shared ? kShared : kExclusive;
      for (const std::string& name : kept) {
        ll.named[name].Grant(owner, mode);
        hold.names.emplace(name, mode);
      }
      hold.all = false;
      hold.set_mode = shared ? kIntentShared : kIntentExclusive;
      ll.set.ChangeMode(owner, hold.set_mode);
      Wake(ll.set);
    }
  } else {
    for (auto it = hold.names.begin(); it != hold.names.end();) {
      if (std::binary_search(kept.begin(), kept.end(), it->first)) {
        ++it;
      } else {
        impl_->UnlockNamed(ll, it->first, owner);
        it = hold.names.erase(it);
      }
    }
    if (hold.names.empty()) impl_->ReleaseLevel(owner, level, hold);
  }
  impl_->ForgetIfEmpty(owner);
}

void LockManager::ReleaseAll(const OwnerId& owner) {
  std::lock_guard lk(impl_->mu);
  auto it = impl_->owners.find(owner);
  if (it == impl_->owners.end()) return;
  for (int l = kNumLevels - 1; l >= 0; --l) {
    LevelHold& hold = it->second[l];
    if (hold.Held()) impl_->ReleaseLevel(owner, static_cast<Level>(l), hold);
  }
  impl_->owners.erase(it);
}

void LockManager::Downgrade(const OwnerId& owner, Level level) {
  std::lock_guard lk(impl_->mu);
  LevelHold& hold = impl_->HeldLevel(owner, level);
  LevelLocks& ll = impl_->At(level);
  for (auto& [name, mode] : hold.names) {
    if (mode != kExclusive) continue;
    mode = kShared;
    Lock& lock = ll.named.at(name);
    lock.ChangeMode(owner, kShared);
    Wake(lock);
  }
  Mode weaker = hold.set_mode == kExclusive         ? kShared
                : hold.set_mode == kIntentExclusive ? kIntentShared
                                                    : hold.set_mode;
  if (weaker != hold.set_mode) {
    hold.set_mode = weaker;
    ll.set.ChangeMode(owner, weaker);
    Wake(ll.set);
  }
}

bool LockManager::OwnsLevel(const OwnerId& owner, Level level) const {
  std::lock_guard lk(impl_->mu);
  const LevelHold* hold = impl_->FindHold(owner, level);
  return hold && hold->Held();
}

bool LockManager::OwnsAll(const OwnerId& owner, Level level) const {
  std::lock_guard lk(impl_->mu);
  const LevelHold* hold = impl_->FindHold(owner, level);
  return hold && hold->all;
}

std::vector<std::string> LockManager::OwnedNames(const OwnerId& owner, Level level) const {
  std::lock_guard lk(impl_->mu);
  std::vector<std::string> out;
  if (const LevelHold* hold = impl_->FindHold(owner, level)) {
    for (const auto& [name, mode] : hold->names) out.push_back(name);
  }
  return out;
}

bool LockManager::IsOwned(const OwnerId& owner, Level level, const std::string& name,
                          bool exclusive) const {
  std::lock_guard lk(impl_->mu);
  const LevelHold* hold = impl_->FindHold(owner, level);
  if (!hold) return false;
  if (hold->all) return !exclusive || hold->set_mode == kExclusive;
  auto it = hold->names.find(name);
  return it != hold->names.end() && (!exclusive || it->second == kExclusive);
}

namespace {
// Fills mode/owners/pending; intention holders of a set lock are left out, as
// they show up on the named locks they hold.
LockStatus Describe(std::string name, const Lock& lock, bool is_set) {
  LockStatus st;
  st.name = std::move(name);
  for (const auto& [owner, mode] : lock.holders) {
    if (is_set && (mode == kIntentShared || mode == kIntentExclusive)) continue;
    st.owners.push_back(owner);
    st.mode = ModeText(mode);
  }
  std::sort(st.owners.begin(), st.owners.end());
  for (const Request* r : lock.queue) {
    const std::string mode = ModeText(r->mode);
    // Shared waiters queued back to back are granted together; Ganeti lists them as one entry.
    if (mode == "shared" && !st.pending.empty() && st.pending.back().first == mode) {
      st.pending.back().second.push_back(r->owner);
    } else {
      st.pending.push_back({mode, {r->owner}});
    }
  }
  for (auto& p : st.pending) std::sort(p.second.begin(), p.second.end());
  return st;
}
}  // namespace

std::vector<LockStatus> LockManager::Status() const {
  std::lock_guard lk(impl_->mu);
  std::vector<LockStatus> out;
  for (Level level : kAllLevels) {
    const LevelLocks& ll = impl_->levels[static_cast<int>(level)];
    const std::string prefix = std::string(LevelName(level)) + "/";
    LockStatus set = Describe(prefix + "[lockset]", ll.set, /*is_set=*/true);
    if (!set.owners.empty() || !set.pending.empty()) out.push_back(std::move(set));
    for (const auto& [name, lock] : ll.named) out.push_back(Describe(prefix + name, lock, false));
  }
  return out;
}

}  // namespace herd::locking
