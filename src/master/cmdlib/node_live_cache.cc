#include "master/cmdlib/node_live_cache.h"

#include "objects/config_data.h"

namespace herd::master {
namespace {

// Queries that ask the nodes the same question share their answers.
std::string KeyOf(const iallocator::NodeInfoQuery& query) {
  return query.hypervisor + "/" + query.storage_type + "/" + query.disk_template;
}

// Disks created since `entry` was fetched take their size off the free space
// of the nodes holding them, when the query reports that storage.
void SubtractNewDisks(const objects::ConfigData& config, const iallocator::NodeInfoQuery& query,
                      const std::set<std::string>& known_instances,
                      iallocator::NodeLiveData& data) {
  if (!query.reports_storage) return;
  for (const auto& [uuid, instance] : config.instances) {
    if (known_instances.count(uuid)) continue;
    for (const auto& disk_uuid : instance.disks) {
      auto disk = config.disks.find(disk_uuid);
      if (disk == config.disks.end()) continue;
      if (iallocator::StorageTypeOf(disk->second.dev_type) != query.storage_type) continue;
      for (const auto& node : disk->second.nodes) {
        if (auto it = data.find(node); it != data.end()) it->second.disk_free -= disk->second.size;
      }
    }
  }
}

}  // namespace

iallocator::NodeLiveData NodeLiveCache::Get(const objects::ConfigData& config,
                                            const iallocator::NodeInfoQuery& query,
                                            const Fetch& fetch) {
  const std::string key = KeyOf(query);
  auto usable = [&](const Entry& e) {
    if (std::chrono::steady_clock::now() - e.fetched > max_age_) return false;
    for (const auto& uuid : query.node_uuids) {
      auto it = e.data.find(uuid);
      if (it == e.data.end() || !it->second.answered) return false;  // new or failed node
    }
    return true;
  };
  auto from_entry = [&](const Entry& e) {
    iallocator::NodeLiveData out;
    for (const auto& uuid : query.node_uuids) out[uuid] = e.data.at(uuid);
    SubtractNewDisks(config, query, e.instances, out);
    return out;
  };
  std::mutex* fetching;
  {
    std::lock_guard lock(mu_);
    if (auto it = entries_.find(key); it != entries_.end() && usable(it->second)) {
      return from_entry(it->second);
    }
    fetching = &fetching_[key];
  }
  std::lock_guard fetch_lock(*fetching);
  {
    // Another allocation may have fetched while this one waited.
    std::lock_guard lock(mu_);
    if (auto it = entries_.find(key); it != entries_.end() && usable(it->second)) {
      return from_entry(it->second);
    }
  }
  Entry entry;
  entry.fetched = std::chrono::steady_clock::now();
  for (const auto& [uuid, instance] : config.instances) entry.instances.insert(uuid);
  entry.data = fetch(query.node_uuids);
  iallocator::NodeLiveData out = entry.data;
  std::lock_guard lock(mu_);
  entries_[key] = std::move(entry);
  return out;
}

void NodeLiveCache::Clear() {
  std::lock_guard lock(mu_);
  entries_.clear();
}

void NodeLiveCache::Reserve(const std::string& owner, const Reservation& reservation) {
  std::lock_guard lock(reservations_mu_);
  reservations_[owner] = reservation;
}

void NodeLiveCache::Release(const std::string& owner) {
  std::lock_guard lock(reservations_mu_);
  reservations_.erase(owner);
}

NodeLiveCache::Reservations NodeLiveCache::CurrentReservations() const {
  std::lock_guard lock(reservations_mu_);
  return reservations_;
}

void NodeLiveCache::Deduct(const Reservations& reserved, const iallocator::NodeInfoQuery& query,
                           iallocator::NodeLiveData& live) {
  for (const auto& [owner, r] : reserved) {
    auto it = live.find(r.node_uuid);
    if (it == live.end()) continue;
    it->second.memory_free -= r.memory_mib;
    if (query.reports_storage) it->second.disk_free -= r.disk_mib;
  }
}

}  // namespace herd::master
