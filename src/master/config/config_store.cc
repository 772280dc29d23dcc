#include "master/config/config_store.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstring>

#include "base/errors.h"
#include "base/files.h"
#include "base/json.h"

namespace herd::master {
namespace {
// A background snapshot is due once the journal holds this many records
// and has grown as large as the snapshot it follows: each byte of journal
// then pays for about one byte of snapshot, whatever the config's size (a
// fixed record count made a snapshot per 2,000 commits cost a write of the
// whole config, ever larger as instances are added). A restart replays at
// most about one config's worth of journal.
constexpr int64_t kSnapshotAfterRecords = 2000;

double Now() {
  timeval tv;
  gettimeofday(&tv, nullptr);
  return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
}

template <typename T>
void Bump(T& object) {
  object.serial_no += 1;
  object.mtime = Now();
}
}  // namespace

template <typename T>
T& ConfigTxn::Touch(std::map<std::string, T>& objects, const char* kind, const std::string& uuid) {
  auto it = objects.find(uuid);
  if (it == objects.end()) {
    throw OpPrereqError(std::string("Unknown ") + kind + " '" + uuid + "'", kEcodeNoEnt);
  }
  if (upserted_[kind].insert(uuid).second) {
    undo_.push_back([&objects, uuid, original = it->second] { objects[uuid] = original; });
    Bump(it->second);
  }
  return it->second;
}

objects::Cluster& ConfigTxn::MutableCluster() {
  if (!cluster_) {
    cluster_ = true;
    undo_.push_back([this, original = data_.cluster] { data_.cluster = original; });
    Bump(data_.cluster);
  }
  return data_.cluster;
}
json::object& ConfigTxn::MutableFilters() {
  json::value& filters = data_.extra["filters"];
  if (!filters_) {
    filters_ = true;
    undo_.push_back([this, original = filters] { data_.extra["filters"] = original; });
  }
  if (!filters.is_object()) filters = json::object{};
  return filters.as_object();
}
objects::Node& ConfigTxn::MutableNode(const std::string& uuid) {
  data_.MarkNodeChanged(uuid);
  return Touch(data_.nodes, "nodes", uuid);
}
objects::NodeGroup& ConfigTxn::MutableGroup(const std::string& uuid) {
  return Touch(data_.nodegroups, "nodegroups", uuid);
}
objects::Instance& ConfigTxn::MutableInstance(const std::string& uuid) {
  data_.MarkInstanceChanged(uuid);
  return Touch(data_.instances, "instances", uuid);
}
objects::Disk& ConfigTxn::MutableDisk(const std::string& uuid) {
  return Touch(data_.disks, "disks", uuid);
}
objects::Network& ConfigTxn::MutableNetwork(const std::string& uuid) {
  return Touch(data_.networks, "networks", uuid);
}

namespace {
template <typename T>
void AddObject(std::map<std::string, T>& objects, T object, const char* kind,
               std::map<std::string, std::set<std::string>>& upserted,
               std::map<std::string, std::set<std::string>>& removed,
               std::vector<std::function<void()>>& undo) {
  std::string uuid = object.uuid;
  if (objects.count(uuid))
    throw OpPrereqError(std::string(kind) + " uuid '" + uuid + "' already exists", kEcodeExists);
  object.ctime = object.mtime = Now();
  objects.emplace(uuid, std::move(object));
  upserted[kind].insert(uuid);
  removed[kind].erase(uuid);
  undo.push_back([&objects, uuid] { objects.erase(uuid); });
}
template <typename T>
void RemoveObject(std::map<std::string, T>& objects, const std::string& uuid, const char* kind,
                  std::map<std::string, std::set<std::string>>& upserted,
                  std::map<std::string, std::set<std::string>>& removed,
                  std::vector<std::function<void()>>& undo) {
  auto it = objects.find(uuid);
  if (it == objects.end())
    throw OpPrereqError(std::string("Unknown ") + kind + " '" + uuid + "'", kEcodeNoEnt);
  undo.push_back([&objects, uuid, original = it->second] { objects[uuid] = original; });
  objects.erase(it);
  upserted[kind].erase(uuid);
  removed[kind].insert(uuid);
}
}  // namespace

void ConfigTxn::AddNode(objects::Node node) {
  data_.MarkNodeChanged(node.uuid);
  AddObject(data_.nodes, std::move(node), "nodes", upserted_, removed_, undo_);
}
void ConfigTxn::RemoveNode(const std::string& uuid) {
  data_.MarkNodeChanged(uuid);
  RemoveObject(data_.nodes, uuid, "nodes", upserted_, removed_, undo_);
}
void ConfigTxn::AddGroup(objects::NodeGroup group) {
  AddObject(data_.nodegroups, std::move(group), "nodegroups", upserted_, removed_, undo_);
}
void ConfigTxn::RemoveGroup(const std::string& uuid) {
  RemoveObject(data_.nodegroups, uuid, "nodegroups", upserted_, removed_, undo_);
}
void ConfigTxn::AddNetwork(objects::Network network) {
  AddObject(data_.networks, std::move(network), "networks", upserted_, removed_, undo_);
}
void ConfigTxn::RemoveNetwork(const std::string& uuid) {
  RemoveObject(data_.networks, uuid, "networks", upserted_, removed_, undo_);
}
void ConfigTxn::AddInstance(objects::Instance instance) {
  data_.MarkInstanceChanged(instance.uuid);
  added_instances_.insert(instance.uuid);
  AddObject(data_.instances, std::move(instance), "instances", upserted_, removed_, undo_);
}
void ConfigTxn::RemoveInstance(const std::string& uuid) {
  data_.MarkInstanceChanged(uuid);
  RemoveObject(data_.instances, uuid, "instances", upserted_, removed_, undo_);
}
void ConfigTxn::AddDisk(objects::Disk disk) {
  added_disks_.insert(disk.uuid);
  AddObject(data_.disks, std::move(disk), "disks", upserted_, removed_, undo_);
}
void ConfigTxn::RemoveDisk(const std::string& uuid) {
  RemoveObject(data_.disks, uuid, "disks", upserted_, removed_, undo_);
}

bool ConfigTxn::empty() const {
  if (cluster_ || filters_) return false;
  for (const auto& [k, s] : upserted_)
    if (!s.empty()) return false;
  for (const auto& [k, s] : removed_)
    if (!s.empty()) return false;
  return true;
}

void ConfigTxn::Rollback() {
  for (auto it = undo_.rbegin(); it != undo_.rend(); ++it) (*it)();
  undo_.clear();
}

ConfigStore::ConfigStore(Paths paths)
    : paths_(std::move(paths)),
      files_lock_(FileLock::Acquire(paths_.ConfigLockFile(), std::chrono::seconds(30))) {
  if (!files_lock_.held()) {
    throw ConfigurationError("The configuration in " + paths_.DataDir() +
                             " is in use by another process (a master daemon, or a master "
                             "failover in progress); try again once it has finished");
  }
  Load();
  snapshot_thread_ = std::thread([this] { SnapshotLoop(); });
}

ConfigStore::~ConfigStore() {
  {
    std::lock_guard lock(snapshot_mu_);
    stopping_ = true;
  }
  snapshot_cv_.notify_all();
  if (snapshot_thread_.joinable()) snapshot_thread_.join();
  if (journal_fd_ >= 0) ::close(journal_fd_);
}

void ConfigStore::WriteInitial(const Paths& paths, const objects::ConfigData& data) {
  WriteFileAtomic(paths.ConfigFile(), SerializeJsonPretty(objects::ToJson(data)), 0600);
  RemoveFile(paths.ConfigJournal());
  RemoveFile(paths.ConfigCommitTags());
}

void ConfigStore::Load() {
  const std::string file = paths_.ConfigFile();
  if (!FileExists(file)) {
    throw ConfigurationError("Can't read the configuration file " + file +
                             ": this node is not the master of an initialised cluster");
  }
  const std::string text = ReadFile(file);
  snapshot_bytes_ = static_cast<int64_t>(text.size());
  data_ = objects::ConfigDataFromJson(ParseJson(text, file));
  if (FileExists(paths_.ConfigCommitTags())) {
    const std::string tags_file = paths_.ConfigCommitTags();
    const json::value saved = ParseJson(ReadFile(tags_file), tags_file);
    for (const auto& t : AsArray(saved, tags_file)) {
      const auto& fields = AsArray(t, tags_file);
      if (fields.size() != 3) throw ConfigurationError("Malformed commit tag in " + tags_file);
      RememberTag({fields[0].to_number<int64_t>(), fields[1].to_number<int>(),
                   fields[2] == json::value(false)});
    }
  }
  if (FileExists(paths_.ConfigJournal())) {
    std::string journal = ReadFile(paths_.ConfigJournal());
    size_t pos = 0, line_no = 0;
    while (pos < journal.size()) {
      size_t end = journal.find('\n', pos);
      ++line_no;
      if (end == std::string::npos) {
        // A torn last record (crash during append) was never acknowledged.
        spdlog::warn("config journal: ignoring incomplete last record at line {}", line_no);
        break;
      }
      ApplyJournalLine(journal.substr(pos, end - pos));
      ++journal_records_;
      journal_bytes_ += static_cast<int64_t>(end + 1 - pos);
      pos = end + 1;
    }
    // Rewrite without a torn tail so that later appends start on a clean line.
    if (pos < journal.size()) WriteFileAtomic(paths_.ConfigJournal(), journal.substr(0, pos), 0600);
  }
  journal_fd_ =
      ::open(paths_.ConfigJournal().c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (journal_fd_ < 0) throw SystemError("open " + paths_.ConfigJournal(), errno);
}

void ConfigStore::ApplyJournalLine(const std::string& line) {
  json::value v = ParseJson(line, "config journal record");
  const auto& record = AsObject(v, "config journal record");
  if (auto job = record.find("job"); job != record.end()) {
    const auto& fields = AsArray(job->value(), "config journal record job");
    RememberTag({fields.at(0).to_number<int64_t>(), fields.at(1).to_number<int>(),
                 fields.size() > 2 && fields[2] == json::value("undo")});
  }
  objects::ApplyJournalRecord(data_, record);  // skipped when already in the snapshot
}

void ConfigStore::RememberTag(const CommitTag& tag) {
  const OpKey key{tag.job_id, tag.op_index};
  auto [it, added] = tags_.insert_or_assign(key, !tag.undo);
  if (!added) return;
  tag_order_.push_back(key);
  while (tag_order_.size() > kCommitTagsKept) {
    tags_.erase(tag_order_.front());
    tag_order_.pop_front();
  }
}

bool ConfigStore::Committed(int64_t job_id, int op_index) const {
  std::shared_lock lock(mu_);
  auto it = tags_.find({job_id, op_index});
  return it != tags_.end() && it->second;
}

void ConfigStore::SaveCommitTags() const {
  json::array tags;
  {
    std::shared_lock lock(mu_);
    for (const auto& key : tag_order_) {
      tags.push_back(json::array{key.first, key.second, tags_.at(key)});
    }
  }
  WriteFileAtomic(paths_.ConfigCommitTags(), SerializeJson(tags) + "\n", 0600);
}

std::string ConfigStore::JournalLine(const ConfigTxn& txn,
                                     const std::optional<CommitTag>& tag) const {
  json::object record{{"serial", data_.serial_no}, {"mtime", data_.mtime}};
  if (tag) {
    json::array job{tag->job_id, tag->op_index};
    if (tag->undo) job.emplace_back("undo");
    record["job"] = std::move(job);
  }
  if (txn.cluster_) record["cluster"] = objects::ToJson(data_.cluster);
  if (txn.filters_) record["filters"] = data_.extra.at("filters");
  json::object upsert, remove;
  auto dump = [&](const char* kind, const auto& objects) {
    if (auto it = txn.upserted_.find(kind); it != txn.upserted_.end() && !it->second.empty()) {
      json::object o;
      for (const auto& uuid : it->second) o[uuid] = objects::ToJson(objects.at(uuid));
      upsert[kind] = std::move(o);
    }
    if (auto it = txn.removed_.find(kind); it != txn.removed_.end() && !it->second.empty()) {
      json::array a;
      for (const auto& uuid : it->second) a.emplace_back(uuid);
      remove[kind] = std::move(a);
    }
  };
  dump("nodes", data_.nodes);
  dump("nodegroups", data_.nodegroups);
  dump("instances", data_.instances);
  dump("disks", data_.disks);
  dump("networks", data_.networks);
  if (!upsert.empty()) record["upsert"] = std::move(upsert);
  if (!remove.empty()) record["remove"] = std::move(remove);
  return SerializeJson(record) + "\n";
}

void ConfigStore::TryUpdate(const std::function<void(ConfigTxn&)>& mutator) {
  std::unique_lock lock(mu_);
  ConfigTxn txn(data_);
  try {
    mutator(txn);
  } catch (...) {
    txn.Rollback();
    throw;
  }
  txn.Rollback();
}

void ConfigStore::Update(const std::function<void(ConfigTxn&)>& mutator,
                         std::optional<CommitTag> tag) {
  std::string line;
  int64_t seq = 0;
  bool snapshot_due = false;
  {
    std::unique_lock lock(mu_);
    ConfigTxn txn(data_);
    try {
      mutator(txn);
    } catch (...) {
      txn.Rollback();
      throw;
    }
    if (txn.empty()) return;
    data_.serial_no += 1;
    data_.mtime = Now();
    line = JournalLine(txn, tag);
    // Appending under the config lock keeps the journal in serial order.
    std::lock_guard append(append_mu_);
    const off_t start = ::lseek(journal_fd_, 0, SEEK_END);
    std::string_view rest = line;
    while (!rest.empty()) {
      ssize_t n = ::write(journal_fd_, rest.data(), rest.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        // A full disk (say): the record goes, whole, and the change with it.
        int err = errno;
        if (start >= 0 && ::ftruncate(journal_fd_, start) != 0) {
          spdlog::error("cannot cut a partial record off {}: {}", paths_.ConfigJournal(),
                        std::strerror(errno));
        }
        txn.Rollback();
        data_.serial_no -= 1;
        throw SystemError("append to " + paths_.ConfigJournal(), err);
      }
      rest.remove_prefix(static_cast<size_t>(n));
    }
    seq = ++appended_seq_;
    ++journal_records_;
    journal_bytes_ += static_cast<int64_t>(line.size());
    snapshot_due = journal_records_ > kSnapshotAfterRecords && journal_bytes_ >= snapshot_bytes_;
    if (tag) RememberTag(*tag);
    // Under the append lock, so that listeners see records in serial order.
    if (listener_) listener_(line);
    if (summary_listener_) summary_listener_(Summarize(txn));
  }
  {
    // Group commit: one fdatasync covers every record appended before it.
    std::lock_guard sync(sync_mu_);
    if (synced_seq_ < seq) {
      int64_t target;
      {
        std::lock_guard append(append_mu_);
        target = appended_seq_;
      }
      if (::fdatasync(journal_fd_) != 0)
        throw SystemError("fsync " + paths_.ConfigJournal(), errno);
      synced_seq_ = target;
    }
  }
  if (snapshot_due) {
    std::lock_guard lock(snapshot_mu_);
    snapshot_wanted_ = true;
    snapshot_cv_.notify_all();
  }
}

void ConfigStore::SetCommitListener(CommitListener listener) { listener_ = std::move(listener); }
void ConfigStore::SetSummaryListener(SummaryListener listener) {
  summary_listener_ = std::move(listener);
}

CommitSummary ConfigStore::Summarize(const ConfigTxn& txn) const {
  CommitSummary summary;
  summary.only_added_instances = !txn.cluster_;
  for (const auto& [kind, uuids] : txn.removed_) {
    if (!uuids.empty()) summary.only_added_instances = false;
  }
  for (const auto& [kind, uuids] : txn.upserted_) {
    for (const auto& uuid : uuids) {
      if (kind == "disks" && txn.added_disks_.count(uuid)) continue;
      if (kind != "instances" || !txn.added_instances_.count(uuid)) {
        summary.only_added_instances = false;
        continue;
      }
      summary.added_instance_names.push_back(data_.instances.at(uuid).name);
    }
  }
  return summary;
}

std::string ConfigStore::SerializedSnapshot() const {
  std::shared_lock lock(mu_);
  return SerializeJsonPretty(objects::ToJson(data_));
}

int64_t ConfigStore::journal_records() const { return journal_records_; }

void ConfigStore::WriteSnapshot() {
  objects::ConfigData copy;
  {
    std::shared_lock lock(mu_);
    copy = data_;
  }
  const std::string snapshot = SerializeJsonPretty(objects::ToJson(copy));
  WriteFileAtomic(paths_.ConfigFile(), snapshot, 0600);
  // The tags of the records about to leave the journal are kept apart first.
  SaveCommitTags();
  // Keep only records newer than the snapshot. Lock order: sync, then append.
  std::lock_guard sync(sync_mu_);
  std::lock_guard append(append_mu_);
  std::string journal = FileExists(paths_.ConfigJournal()) ? ReadFile(paths_.ConfigJournal()) : "";
  std::string kept;
  int64_t kept_records = 0;
  size_t pos = 0;
  while (pos < journal.size()) {
    size_t end = journal.find('\n', pos);
    if (end == std::string::npos) break;
    std::string line = journal.substr(pos, end - pos + 1);
    auto serial = GetInt(AsObject(ParseJson(line, "journal"), "journal"), "serial", "journal");
    if (serial > copy.serial_no) {
      kept += line;
      ++kept_records;
    }
    pos = end + 1;
  }
  WriteFileAtomic(paths_.ConfigJournal(), kept, 0600);
  ::close(journal_fd_);
  journal_fd_ = ::open(paths_.ConfigJournal().c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (journal_fd_ < 0) throw SystemError("open " + paths_.ConfigJournal(), errno);
  journal_records_ = kept_records;
  journal_bytes_ = static_cast<int64_t>(kept.size());
  snapshot_bytes_ = static_cast<int64_t>(snapshot.size());
  synced_seq_ = appended_seq_;  // the rewritten journal was fsynced whole
}

void ConfigStore::SnapshotLoop() {
  std::unique_lock lock(snapshot_mu_);
  for (;;) {
    snapshot_cv_.wait(lock, [this] { return snapshot_wanted_ || stopping_; });
    if (stopping_) return;
    snapshot_wanted_ = false;
    lock.unlock();
    try {
      WriteSnapshot();
    } catch (const std::exception& e) {
      spdlog::error("config snapshot failed (journal kept, nothing lost): {}", e.what());
    }
    lock.lock();
  }
}

}  // namespace herd::master
