// The cluster configuration held by masterd: the object model in memory; on
// disk a config.data snapshot plus an append-only journal (group commit,
// fsync). A change costs in proportion to what it touches, not to the size
// of the configuration.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <thread>

#include "base/file_lock.h"
#include "base/paths.h"
#include "objects/config_data.h"

namespace herd::master {

// What one update touched; only these objects are written to the journal.
class ConfigTxn {
 public:
  explicit ConfigTxn(objects::ConfigData& data) : data_(data) {}
  // Committed or rolled back, the change is taken into the name indexes.
  ~ConfigTxn() { data_.SettleIndexes(); }
  ConfigTxn(const ConfigTxn&) = delete;
  ConfigTxn& operator=(const ConfigTxn&) = delete;
  const objects::ConfigData& data() const { return data_; }
  objects::Cluster& MutableCluster();
  objects::Node& MutableNode(const std::string& uuid);
  objects::NodeGroup& MutableGroup(const std::string& uuid);
  objects::Instance& MutableInstance(const std::string& uuid);
  objects::Disk& MutableDisk(const std::string& uuid);
  objects::Network& MutableNetwork(const std::string& uuid);
  // The job filter rules (config.data's "filters"), uuid -> rule.
  json::object& MutableFilters();
  void AddNode(objects::Node node);
  void RemoveNode(const std::string& uuid);
  void AddGroup(objects::NodeGroup group);
  void RemoveGroup(const std::string& uuid);
  void AddNetwork(objects::Network network);
  void RemoveNetwork(const std::string& uuid);
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
  bool filters_ = false;
  // kind ("nodes", "nodegroups", "instances", "disks", "networks") -> uuids
  std::map<std::string, std::set<std::string>> upserted_, removed_;
  std::set<std::string> added_instances_, added_disks_;
};

// What a commit changed, in brief: whether it only added instances (and
// their disks), and their names.
struct CommitSummary {
  bool only_added_instances = true;
  std::vector<std::string> added_instance_names;
};

// The job opcode a commit belongs to. A logical unit commits its config
// change once; what follows the commit cannot fail the opcode, or undoes the
// change with a commit tagged `undo`. So after a crash, an opcode whose last
// tagged commit is not an undo has succeeded (see JobQueue's recovery).
struct CommitTag {
  int64_t job_id = 0;
  int op_index = 0;
  bool undo = false;
};

class ConfigStore {
 public:
  // Called for each commit with its journal line, in serial order, under an
  // internal lock: it must only hand the line over (e.g. to a replicator).
  using CommitListener = std::function<void(const std::string& journal_line)>;
  // Called for each commit with its summary, under the same lock.
  using SummaryListener = std::function<void(const CommitSummary& summary)>;

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
  // If `mutator` throws, nothing it did is kept. A `tag` is recorded with the
  // change, durably, in the same journal record.
  void Update(const std::function<void(ConfigTxn&)>& mutator,
              std::optional<CommitTag> tag = std::nullopt);
  // Runs `mutator` as Update would, then takes everything it did back: the
  // checks of a change without the change (an opcode's dry run).
  void TryUpdate(const std::function<void(ConfigTxn&)>& mutator);
  // Whether job `job_id`'s opcode `op_index` committed a change that it did
  // not undo (remembered across restarts for the latest kCommitTagsKept).
  bool Committed(int64_t job_id, int op_index) const;
  static constexpr size_t kCommitTagsKept = 20000;

  void SetCommitListener(CommitListener listener);
  void SetSummaryListener(SummaryListener listener);
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
  CommitSummary Summarize(const ConfigTxn& txn) const;
  std::string JournalLine(const ConfigTxn& txn, const std::optional<CommitTag>& tag) const;
  void RememberTag(const CommitTag& tag);  // under mu_ (or before threads start)
  void SaveCommitTags() const;
  void AppendAndSync(const std::string& line);
  void SnapshotLoop();

  Paths paths_;
  FileLock files_lock_;  // config.data and the journal are ours while we live
  mutable std::shared_mutex mu_;
  objects::ConfigData data_;
  CommitListener listener_;
  SummaryListener summary_listener_;
  // (job, opcode) -> whether its change stands (false: undone); oldest
  // first in `tag_order_`.
  using OpKey = std::pair<int64_t, int>;
  std::map<OpKey, bool> tags_;
  std::deque<OpKey> tag_order_;

  // Journal: appends are ordered by append_mu_; fsyncs are shared (group commit).
  std::mutex append_mu_;
  int journal_fd_ = -1;
  int64_t appended_seq_ = 0;
  int64_t journal_records_ = 0;
  int64_t journal_bytes_ = 0;   // guarded by append_mu_
  int64_t snapshot_bytes_ = 0;  // size of config.data; guarded by append_mu_
  std::mutex sync_mu_;
  int64_t synced_seq_ = 0;

  std::mutex snapshot_mu_;
  std::condition_variable snapshot_cv_;
  bool snapshot_wanted_ = false, stopping_ = false;
  std::thread snapshot_thread_;
};

}  // namespace herd::master
