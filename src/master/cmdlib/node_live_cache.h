// The node figures allocations work from (node_info and all_instances_info
// of every vm_capable node), shared by the allocations of a few seconds, and
// what creations under way have reserved of them.
//
// Asking a thousand nodes costs far more than the allocation itself, and two
// allocations a moment apart would ask the same. Figures kept a little while
// stay right for what the master itself changed since: an instance created
// since is not in the kept list of running instances, so the request counts
// its whole memory, and its disks are taken off the kept free space here.
// What others changed meanwhile (an instance stopped by hand) is seen as
// late as in Ganeti, where the figures age while the allocator runs.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "master/config/config_store.h"
#include "master/iallocator/request.h"

namespace herd::master {

class NodeLiveCache {
 public:
  using Fetch = std::function<iallocator::NodeLiveData(const std::vector<std::string>& node_uuids)>;
  explicit NodeLiveCache(std::chrono::milliseconds max_age) : max_age_(max_age) {}

  // Figures of `query`'s nodes: kept ones younger than the maximum age, with
  // the disks of instances created since taken off, else fetched afresh by
  // `fetch` (one fetch at a time per kind of query; the others wait for it).
  // `generation`, when given, receives the number of the fetch they come from.
  iallocator::NodeLiveData Get(const objects::ConfigData& config,
                               const iallocator::NodeInfoQuery& query, const Fetch& fetch,
                               uint64_t* generation = nullptr);
  // The fetch number of `query`'s kept figures if they are usable as they
  // are (young enough, every node answered), else 0. Never asks the nodes.
  uint64_t UsableGeneration(const iallocator::NodeInfoQuery& query);
  // The same for a query without its node list: the figures must cover
  // exactly `config`'s nodes that have live data, all answered. Asked for
  // every allocation, so it compares in place rather than list the nodes.
  uint64_t UsableGeneration(const iallocator::NodeInfoQuery& query,
                            const objects::ConfigData& config);
  // Whether `query`'s kept figures are usable but past two thirds of their
  // age limit, and no refresh of them is under way: time to fetch them
  // afresh (see Refresh).
  bool Aging(const iallocator::NodeInfoQuery& query);
  // Whether any kept figures are past two thirds of their age limit: the
  // cheap test before building a query for Aging.
  bool AnyAging();
  // Fetches `query`'s figures afresh and keeps them, unless a fetch of that
  // kind is under way or they are no longer aging. Called outside
  // DecideAlone, so that allocations go on with the kept figures meanwhile
  // instead of all waiting for the fetch once they expire. `instances`:
  // the uuids of the instances configured now.
  void Refresh(const iallocator::NodeInfoQuery& query, std::set<std::string> instances,
               const Fetch& fetch);
  // Forgets everything (nodes changed, say).
  void Clear();

  // Allocation decisions, one at a time: the config they read, the node
  // figures and the reservations below must not change under them. Never
  // wait for a lock while holding this.
  std::unique_lock<std::mutex> DecideAlone() { return std::unique_lock(decide_mu_); }

  // What creations under way (chosen, not yet in the config) will take from
  // their node: allocations deduct it, so that two creations a moment apart
  // do not count on the same memory. `owner` (a job) holds one reservation;
  // it ends when the instance is committed (Release inside the commit, so
  // that a config snapshot and the reservations always agree) or the
  // creation fails.
  struct Reservation {
    std::string node_uuid;
    iallocator::PendingInstance instance;
  };
  using Reservations = std::map<std::string, Reservation>;  // by owner
  void Reserve(const std::string& owner, const Reservation& reservation);
  // The instance is committed: the config counts it now.
  void Release(const std::string& owner);
  // The creation failed before its commit.
  void Abandon(const std::string& owner);
  Reservations CurrentReservations() const;
  // Lists `reserved` among their nodes' creations under way in `live`.
  static void Attach(const Reservations& reserved, iallocator::NodeLiveData& live);

  // The allocator's model kept between decisions (Herd's hail in the master
  // daemon), used under DecideAlone. It stays valid while the commits since
  // it was built only added the instances it placed, and no creation it
  // did not place was abandoned.
  struct KeptModel {
    std::shared_ptr<void> model;  // the allocator's own state
    uint64_t live_generation = 0;
    std::string key;               // what the model answers (query kind, parameters)
    std::set<std::string> owners;  // reservations it accounts for
  };
  // The kept model, if still valid for `key` and the figures of
  // `live_generation` with `reserved` standing; else null.
  KeptModel* ValidModel(const std::string& key, uint64_t live_generation,
                        const Reservations& reserved);
  void KeepModel(KeptModel model);
  void ForgetModel();
  // The kept model placed `instance_name` for `owner`.
  void ModelPlaced(const std::string& owner, const std::string& instance_name);
  // Every commit, in order (ConfigStore's summary listener).
  void OnCommit(const CommitSummary& summary);

  // One fetch's figures, as kept.
  struct Entry {
    std::chrono::steady_clock::time_point fetched;
    std::chrono::steady_clock::duration fetch_duration{};  // how long asking the nodes took
    iallocator::NodeLiveData data;
    std::vector<std::string> nodes;   // the nodes asked, in the query's order
    bool all_answered = false;        // every one of them answered
    std::set<std::string> instances;  // uuids of the instances configured at the fetch
    uint64_t generation = 0;
  };

 private:
  std::chrono::milliseconds max_age_;
  std::mutex mu_;  // guards entries_
  std::map<std::string, Entry> entries_;
  std::map<std::string, std::mutex> fetching_;  // one per query kind
  // Query kinds whose Refresh is asking the nodes (under mu_): meanwhile
  // they are not aging, so that allocations do not each prepare a refresh
  // (a copy of the config's nodes and instance uuids) only to find it taken.
  std::set<std::string> refreshing_;
  std::mutex decide_mu_;
  mutable std::mutex reservations_mu_;
  Reservations reservations_;
  uint64_t fetches_ = 0;  // under mu_
  std::mutex model_mu_;   // guards the three below
  std::optional<KeptModel> model_;
  bool model_valid_ = false;
  std::set<std::string> model_pending_;  // names it placed, not committed yet
};

}  // namespace herd::master
