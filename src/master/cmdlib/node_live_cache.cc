#include "master/cmdlib/node_live_cache.h"

#include <algorithm>

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

namespace {
std::chrono::steady_clock::duration AgeLimit(const NodeLiveCache::Entry& e,
                                             std::chrono::milliseconds max_age) {
  // Asking every node must not take most of the time either: on a large or
  // busy cluster, figures are kept ten times as long as their fetch took,
  // and 10 ms per node asked (two calls to each): at 1,000 nodes, fetches
  // every three seconds cost the nodes more than the creations they serve.
  constexpr int kFetchCostFactor = 10;
  constexpr auto kPerNode = std::chrono::milliseconds(10);
  return std::max<std::chrono::steady_clock::duration>(
      {max_age, kFetchCostFactor * e.fetch_duration,
       kPerNode * static_cast<int64_t>(e.nodes.size())});
}

void NoteAnswers(const iallocator::NodeInfoQuery& query, NodeLiveCache::Entry& e) {
  e.nodes = query.node_uuids;
  e.all_answered = std::all_of(e.nodes.begin(), e.nodes.end(), [&](const std::string& uuid) {
    auto it = e.data.find(uuid);
    return it != e.data.end() && it->second.answered;
  });
}

// Past two thirds of their life: time to fetch them afresh, ahead.
bool PastTwoThirds(const NodeLiveCache::Entry& e, std::chrono::milliseconds max_age) {
  return std::chrono::steady_clock::now() - e.fetched > AgeLimit(e, max_age) * 2 / 3;
}

bool Usable(const NodeLiveCache::Entry& e, const iallocator::NodeInfoQuery& query,
            std::chrono::milliseconds max_age) {
  if (std::chrono::steady_clock::now() - e.fetched > AgeLimit(e, max_age)) return false;
  // The common case, asked for every allocation: the same nodes as fetched.
  if (e.all_answered && e.nodes == query.node_uuids) return true;
  for (const auto& uuid : query.node_uuids) {
    auto it = e.data.find(uuid);
    if (it == e.data.end() || !it->second.answered) return false;  // new or failed node
  }
  return true;
}
}  // namespace

uint64_t NodeLiveCache::UsableGeneration(const iallocator::NodeInfoQuery& query) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(KeyOf(query));
  return it != entries_.end() && Usable(it->second, query, max_age_) ? it->second.generation : 0;
}

uint64_t NodeLiveCache::UsableGeneration(const iallocator::NodeInfoQuery& query,
                                         const objects::ConfigData& config) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(KeyOf(query));
  if (it == entries_.end()) return 0;
  const Entry& e = it->second;
  if (!e.all_answered || std::chrono::steady_clock::now() - e.fetched > AgeLimit(e, max_age_)) {
    return 0;
  }
  // In the config's order, as NodeInfoQueryFor lists them.
  auto kept = e.nodes.begin();
  for (const auto& [uuid, node] : config.nodes) {
    if (!iallocator::HasLiveData(node)) continue;
    if (kept == e.nodes.end() || *kept != uuid) return 0;
    ++kept;
  }
  return kept == e.nodes.end() ? e.generation : 0;
}

iallocator::NodeLiveData NodeLiveCache::Get(const objects::ConfigData& config,
                                            const iallocator::NodeInfoQuery& query,
                                            const Fetch& fetch, uint64_t* generation) {
  const std::string key = KeyOf(query);
  auto usable = [&](const Entry& e) { return Usable(e, query, max_age_); };
  auto from_entry = [&](const Entry& e) {
    if (generation) *generation = e.generation;
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
  entry.fetch_duration = std::chrono::steady_clock::now() - entry.fetched;
  NoteAnswers(query, entry);
  iallocator::NodeLiveData out = entry.data;
  std::lock_guard lock(mu_);
  entry.generation = ++fetches_;
  if (generation) *generation = entry.generation;
  entries_[key] = std::move(entry);
  return out;
}

bool NodeLiveCache::Aging(const iallocator::NodeInfoQuery& query) {
  std::lock_guard lock(mu_);
  const std::string key = KeyOf(query);
  if (refreshing_.count(key)) return false;
  auto it = entries_.find(key);
  if (it == entries_.end() || !Usable(it->second, query, max_age_)) return false;
  return PastTwoThirds(it->second, max_age_);
}

bool NodeLiveCache::AnyAging() {
  std::lock_guard lock(mu_);
  return std::any_of(entries_.begin(), entries_.end(), [&](const auto& kv) {
    return !refreshing_.count(kv.first) && PastTwoThirds(kv.second, max_age_);
  });
}

void NodeLiveCache::Refresh(const iallocator::NodeInfoQuery& query, std::set<std::string> instances,
                            const Fetch& fetch) {
  const std::string key = KeyOf(query);
  std::mutex* fetching;
  {
    std::lock_guard lock(mu_);
    fetching = &fetching_[key];
  }
  std::unique_lock fetch_lock(*fetching, std::try_to_lock);
  if (!fetch_lock.owns_lock() || !Aging(query)) return;
  // Marked as under way while the nodes are asked, whatever the outcome.
  struct RefreshMark {
    NodeLiveCache& cache;
    const std::string& key;
    ~RefreshMark() {
      std::lock_guard lock(cache.mu_);
      cache.refreshing_.erase(key);
    }
  };
  {
    std::lock_guard lock(mu_);
    refreshing_.insert(key);
  }
  const RefreshMark mark{*this, key};
  Entry entry;
  entry.fetched = std::chrono::steady_clock::now();
  entry.instances = std::move(instances);
  entry.data = fetch(query.node_uuids);
  entry.fetch_duration = std::chrono::steady_clock::now() - entry.fetched;
  NoteAnswers(query, entry);
  std::lock_guard lock(mu_);
  entry.generation = ++fetches_;
  entries_[key] = std::move(entry);
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

void NodeLiveCache::Abandon(const std::string& owner) {
  bool was_reserved;
  {
    std::lock_guard lock(reservations_mu_);
    was_reserved = reservations_.erase(owner) > 0;
  }
  if (!was_reserved) return;
  std::lock_guard lock(model_mu_);
  if (model_ && model_->owners.count(owner)) model_valid_ = false;  // it counts a phantom
}

NodeLiveCache::KeptModel* NodeLiveCache::ValidModel(const std::string& key,
                                                    uint64_t live_generation,
                                                    const Reservations& reserved) {
  std::lock_guard lock(model_mu_);
  if (!model_ || !model_valid_ || model_->key != key ||
      model_->live_generation != live_generation) {
    return nullptr;
  }
  // A reservation it does not account for (a creation on a named node):
  // the model does not know that memory is taken.
  for (const auto& [owner, r] : reserved) {
    if (!model_->owners.count(owner)) return nullptr;
  }
  return &*model_;
}

void NodeLiveCache::KeepModel(KeptModel model) {
  std::lock_guard lock(model_mu_);
  model_ = std::move(model);
  model_valid_ = true;
  model_pending_.clear();
}

void NodeLiveCache::ForgetModel() {
  std::lock_guard lock(model_mu_);
  model_.reset();
  model_valid_ = false;
  model_pending_.clear();
}

void NodeLiveCache::ModelPlaced(const std::string& owner, const std::string& instance_name) {
  std::lock_guard lock(model_mu_);
  if (!model_) return;
  model_->owners.insert(owner);
  model_pending_.insert(instance_name);
}

void NodeLiveCache::OnCommit(const CommitSummary& summary) {
  std::lock_guard lock(model_mu_);
  if (!model_valid_) return;
  if (!summary.only_added_instances) {
    model_valid_ = false;
    return;
  }
  for (const auto& name : summary.added_instance_names) {
    // An instance the model did not place: its memory is not in the model.
    if (model_pending_.erase(name) == 0) model_valid_ = false;
  }
}

NodeLiveCache::Reservations NodeLiveCache::CurrentReservations() const {
  std::lock_guard lock(reservations_mu_);
  return reservations_;
}

void NodeLiveCache::Attach(const Reservations& reserved, iallocator::NodeLiveData& live) {
  for (const auto& [owner, r] : reserved) {
    auto it = live.find(r.node_uuid);
    if (it != live.end()) it->second.pending.push_back(r.instance);
  }
}

}  // namespace herd::master
