// The cluster configuration held by masterd: the object model in memory; on
// disk a config.data snapshot plus an append-only journal (group commit,
// fsync). A change costs in proportion to what it touches, not to the size
// of the configuration.
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <string>
#include <thread>

#include "base/paths.h"
#include "objects/config_data.h"

namespace herd::master {

// What one update touched; only these objects are written to the journal.
class ConfigTxn {
 public:
  explicit ConfigTxn(objects::ConfigData& data) : data_(data) {}
  const objects::ConfigData& data() const { return data_; }
  objects::Cluster& MutableCluster();
  objects::Node& MutableNode(const std::string& uuid);
  objects::NodeGroup& MutableGroup(const std::string& uuid);
  objects::Instance& MutableInstance(const std::string& uuid);
  objects::Disk& MutableDisk(const std::string& uuid);
  void AddNode(objects::Node node);
  void RemoveNode(const std::string& uuid);
  void AddInstance(objects::Instance instance);
  void RemoveInstance(const std::string& uuid);
  void AddDisk(objects::Disk disk);
  void RemoveDisk(const std::string& uuid);
  bool empty() const;

 private:
  friend class ConfigStore;
  template <typename T>
  T& Touch(std::map<std::string, T>& objects, const char* kind, const std::string& uuid);
  void Rollback();
  objects::ConfigData& data_;
  std::vector<std::function<void()>> undo_;  // restores what was touched, newest last
  bool cluster_ = false;
  // kind ("nodes", "nodegroups", "instances", "disks") -> uuids
  std::map<std::string, std::set<std::string>> upserted_, removed_;
};

class ConfigStore {
 public:
  // Called for each commit with its journal line, in serial order, under an
  // internal lock: it must only hand the line over (e.g. to a replicator).
  using CommitListener = std::function<void(const std::string& journal_line)>;

  explicit ConfigStore(Paths paths);  // loads snapshot + journal; throws ConfigurationError
  ~ConfigStore();

  // Runs `reader` under a shared lock.
  template <typename F>
  auto Read(F&& reader) const {
    std::shared_lock lock(mu_);
    return reader(static_cast<const objects::ConfigData&>(data_));
  }
  // Runs `mutator` under the exclusive lock, then makes the change durable
  // before returning (journal append + fsync, shared among concurrent commits).
  // If `mutator` throws, nothing it did is kept.
  void Update(const std::function<void(ConfigTxn&)>& mutator);

  void SetCommitListener(CommitListener listener);
  // Writes a fresh config.data and empties the journal (also done in the
  // background once the journal grows past a threshold).
  void WriteSnapshot();
  // config.data contents of the current state (for a full replica).
  std::string SerializedSnapshot() const;
  int64_t journal_records() const;

  // Creates config.data for a new cluster (bootstrap), crash-safe.
  static void WriteInitial(const Paths& paths, const objects::ConfigData& data);

 private:
  void Load();
  void ApplyJournalLine(const std::string& line);
  std::string JournalLine(const ConfigTxn& txn) const;
  void AppendAndSync(const std::string& line);
  void SnapshotLoop();

  Paths paths_;
  mutable std::shared_mutex mu_;
  objects::ConfigData data_;
  CommitListener listener_;

  // Journal: appends are ordered by append_mu_; fsyncs are shared (group commit).
  std::mutex append_mu_;
  int journal_fd_ = -1;
  int64_t appended_seq_ = 0;
  int64_t journal_records_ = 0;
  std::mutex sync_mu_;
  int64_t synced_seq_ = 0;

  std::mutex snapshot_mu_;
  std::condition_variable snapshot_cv_;
  bool snapshot_wanted_ = false, stopping_ = false;
  std::thread snapshot_thread_;
};

}  // namespace herd::master
