#include "master/locking/lock_holder.h"

#include <utility>

namespace herd::locking {

LockHolder::LockHolder(LockManager& manager, OwnerId owner)
    : manager_(manager), owner_(std::move(owner)) {}

LockHolder::~LockHolder() { manager_.ReleaseAll(owner_); }

bool LockHolder::Acquire(Level level, const std::vector<std::string>& names, bool shared,
                         Timeout timeout) {
  return manager_.Acquire(owner_, level, names, shared, timeout);
}
bool LockHolder::AcquireAll(Level level, bool shared, Timeout timeout) {
  return manager_.AcquireAll(owner_, level, shared, timeout);
}
std::vector<std::string> LockHolder::AcquireOpportunistic(Level level,
                                                          const std::vector<std::string>& names,
                                                          bool shared, Timeout timeout) {
  return manager_.AcquireOpportunistic(owner_, level, names, shared, timeout);
}
void LockHolder::Release(Level level, const std::vector<std::string>& names) {
  manager_.Release(owner_, level, names);
}
void LockHolder::ReleaseExcept(Level level, const std::vector<std::string>& keep) {
  manager_.ReleaseExcept(owner_, level, keep);
}
void LockHolder::ReleaseAll() { manager_.ReleaseAll(owner_); }
void LockHolder::Downgrade(Level level) { manager_.Downgrade(owner_, level); }

bool LockHolder::OwnsLevel(Level level) const { return manager_.OwnsLevel(owner_, level); }
bool LockHolder::OwnsAll(Level level) const { return manager_.OwnsAll(owner_, level); }
std::vector<std::string> LockHolder::OwnedNames(Level level) const {
  return manager_.OwnedNames(owner_, level);
}
bool LockHolder::IsOwned(Level level, const std::string& name, bool exclusive) const {
  return manager_.IsOwned(owner_, level, name, exclusive);
}

}  // namespace herd::locking
