// An index from a key (a name, a MAC address) to the uuid of the object that
// has it, over one of ConfigData's maps, so that lookups by name do not scan
// thousands of objects. Built on first use; lookups may run concurrently.
//
// ConfigTxn marks each object it touches (MarkChanged); until Settle, lookups
// check those objects by their current keys, so a lookup in the middle of a
// change sees it. Code that replaces objects in other ways (loading, journal
// records) calls Reset. A hit is always checked against the object itself.
#pragma once

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace herd::objects {

class KeyIndex {
 public:
  KeyIndex() = default;
  // A copy of the configuration builds its own index.
  KeyIndex(const KeyIndex&) {}
  KeyIndex& operator=(const KeyIndex&) {
    Reset();
    return *this;
  }

  // The object with `key` among `objects`, nullptr if none; `keys_of(object)`
  // gives an object's keys.
  template <typename T, typename KeysOf>
  T* Find(std::map<std::string, T>& objects, std::string_view key, KeysOf keys_of) const {
    std::lock_guard lock(mu_);
    if (!built_ || ExpectedSize(objects) != objects.size()) {
      Build(objects, keys_of);
    }
    auto has_key = [&](const T& object) {
      for (const auto& k : keys_of(object)) {
        if (k == key) return true;
      }
      return false;
    };
    for (const auto& uuid : changed_) {
      if (auto it = objects.find(uuid); it != objects.end() && has_key(it->second)) {
        return &it->second;
      }
    }
    auto hit = uuid_by_key_.find(std::string(key));
    if (hit == uuid_by_key_.end()) return nullptr;
    auto it = objects.find(hit->second);
    return it != objects.end() && has_key(it->second) ? &it->second : nullptr;
  }

  // The object `uuid` may have changed its keys, come or gone.
  void MarkChanged(const std::string& uuid) {
    std::lock_guard lock(mu_);
    if (built_) changed_.insert(uuid);
  }

  // Takes the changes marked since the last call into the index.
  template <typename T, typename KeysOf>
  void Settle(const std::map<std::string, T>& objects, KeysOf keys_of) {
    std::lock_guard lock(mu_);
    if (!built_) return;
    for (const auto& uuid : changed_) {
      if (auto old = keys_by_uuid_.find(uuid); old != keys_by_uuid_.end()) {
        for (const auto& k : old->second) {
          if (auto entry = uuid_by_key_.find(k);
              entry != uuid_by_key_.end() && entry->second == uuid) {
            uuid_by_key_.erase(entry);
          }
        }
        keys_by_uuid_.erase(old);
      }
      if (auto it = objects.find(uuid); it != objects.end()) Add(uuid, keys_of(it->second));
    }
    changed_.clear();
    indexed_count_ = keys_by_uuid_.size();
  }

  void Reset() {
    std::lock_guard lock(mu_);
    built_ = false;
    changed_.clear();
    uuid_by_key_.clear();
    keys_by_uuid_.clear();
  }

 private:
  // The map's size if only ConfigTxn changed it since the index was built
  // (another size means objects were replaced: the index is rebuilt).
  template <typename T>
  size_t ExpectedSize(const std::map<std::string, T>& objects) const {
    size_t expected = indexed_count_;
    for (const auto& uuid : changed_) {
      const bool indexed = keys_by_uuid_.count(uuid) > 0, present = objects.count(uuid) > 0;
      if (indexed && !present) --expected;
      if (!indexed && present) ++expected;
    }
    return expected;
  }

  template <typename T, typename KeysOf>
  void Build(const std::map<std::string, T>& objects, KeysOf keys_of) const {
    uuid_by_key_.clear();
    keys_by_uuid_.clear();
    changed_.clear();
    uuid_by_key_.reserve(objects.size());
    for (const auto& [uuid, object] : objects) Add(uuid, keys_of(object));
    indexed_count_ = keys_by_uuid_.size();
    built_ = true;
  }

  void Add(const std::string& uuid, std::vector<std::string> keys) const {
    for (const auto& k : keys) uuid_by_key_.emplace(k, uuid);
    keys_by_uuid_[uuid] = std::move(keys);
  }

  mutable std::mutex mu_;
  mutable bool built_ = false;
  mutable size_t indexed_count_ = 0;
  mutable std::set<std::string> changed_;
  mutable std::unordered_map<std::string, std::string> uuid_by_key_;
  mutable std::unordered_map<std::string, std::vector<std::string>> keys_by_uuid_;
};

}  // namespace herd::objects
