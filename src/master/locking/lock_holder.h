// RAII handle through which a logical unit takes locks: everything it still
// holds is released when the handle goes away, also on exceptions.
#pragma once

#include <string>
#include <vector>

#include "master/locking/lock_manager.h"

namespace herd::locking {

class LockHolder {
 public:
  LockHolder(LockManager& manager, OwnerId owner);
  ~LockHolder();
  LockHolder(const LockHolder&) = delete;
  LockHolder& operator=(const LockHolder&) = delete;

  const OwnerId& owner() const { return owner_; }

  // Same contract as LockManager: false on timeout, nothing taken.
  bool Acquire(Level level, const std::vector<std::string>& names, bool shared,
               Timeout timeout = std::nullopt);
  bool AcquireAll(Level level, bool shared, Timeout timeout = std::nullopt);
  std::vector<std::string> AcquireOpportunistic(Level level, const std::vector<std::string>& names,
                                                bool shared, Timeout timeout = std::nullopt);
  void Release(Level level, const std::vector<std::string>& names = {});
  void ReleaseExcept(Level level, const std::vector<std::string>& keep);
  void ReleaseAll();
  void Downgrade(Level level);

  bool OwnsLevel(Level level) const;
  bool OwnsAll(Level level) const;
  std::vector<std::string> OwnedNames(Level level) const;
  bool IsOwned(Level level, const std::string& name, bool exclusive = false) const;

 private:
  LockManager& manager_;
  OwnerId owner_;
};

}  // namespace herd::locking
