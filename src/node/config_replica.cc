#include "node/config_replica.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <sstream>

#include "base/errors.h"
#include "base/file_lock.h"
#include "base/files.h"
#include "base/json.h"

namespace herd {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kQuiet = std::chrono::seconds(1);
constexpr auto kMaxDelay = std::chrono::seconds(30);
constexpr size_t kCommitTagsKept = 20000;  // as the master's config store

size_t SizeOf(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<size_t>(st.st_size) : 0;
}

// Applies one journal record (the master's format) to config.data's JSON.
void ApplyRecord(json::object& config, const json::object& record) {
  if (auto c = record.find("cluster"); c != record.end()) config["cluster"] = c->value();
  if (auto f = record.find("filters"); f != record.end()) config["filters"] = f->value();
  for (const char* kind : {"nodes", "nodegroups", "instances", "disks", "networks"}) {
    json::value& slot = config[kind];
    if (!slot.is_object()) slot.emplace_object();
    json::object& objects = slot.get_object();
    if (auto up = record.find("upsert"); up != record.end()) {
      if (auto it = up->value().as_object().find(kind); it != up->value().as_object().end()) {
        for (const auto& kv : it->value().as_object()) objects[kv.key()] = kv.value();
      }
    }
    if (auto rm = record.find("remove"); rm != record.end()) {
      if (auto it = rm->value().as_object().find(kind); it != rm->value().as_object().end()) {
        for (const auto& uuid : it->value().as_array()) objects.erase(uuid.as_string());
      }
    }
  }
  config["serial_no"] = record.at("serial");
  if (auto m = record.find("mtime"); m != record.end()) config["mtime"] = m->value();
}

}  // namespace

ConfigReplica::ConfigReplica(Paths paths) : paths_(std::move(paths)) {}

ConfigReplica::~ConfigReplica() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ConfigReplica::Append(const std::string& records) {
  std::lock_guard lock(mu_);
  int fd = ::open(paths_.ConfigJournal().c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) throw SystemError("open " + paths_.ConfigJournal(), errno);
  const off_t start = ::lseek(fd, 0, SEEK_END);
  ssize_t n = ::write(fd, records.data(), records.size());
  int err = errno;
  const bool synced = n == static_cast<ssize_t>(records.size()) && ::fdatasync(fd) == 0;
  if (!synced) {
    err = n < 0 ? err : errno;
    if (start >= 0 && ::ftruncate(fd, start) != 0) {
      spdlog::error("cannot cut a partial record off {}", paths_.ConfigJournal());
    }
  }
  ::close(fd);
  if (!synced) throw SystemError("append to " + paths_.ConfigJournal(), err);
  unmerged_bytes_ += records.size();
  const auto now = Clock::now();
  last_append_ = now;
  if (!first_unmerged_) first_unmerged_ = now;
  // Started with the first record, in the daemon (a thread would not
  // survive the fork that detaches it).
  if (!thread_.joinable()) thread_ = std::thread([this] { MergeLoop(); });
  cv_.notify_all();
}

void ConfigReplica::Replace(const std::string& config_data) {
  std::lock_guard lock(mu_);
  WriteFileAtomic(paths_.ConfigFile(), config_data, 0600);
  RemoveFile(paths_.ConfigJournal());
  first_unmerged_.reset();
  unmerged_bytes_ = 0;
  config_bytes_ = config_data.size();
}

bool ConfigReplica::Merge() {
  std::lock_guard lock(mu_);
  FileLock files = FileLock::Acquire(paths_.ConfigLockFile());
  if (!files.held()) return false;
  if (!FileExists(paths_.ConfigJournal()) || !FileExists(paths_.ConfigFile())) {
    first_unmerged_.reset();
    unmerged_bytes_ = 0;
    return true;
  }
  const std::string journal = ReadFile(paths_.ConfigJournal());
  if (journal.empty()) {
    first_unmerged_.reset();
    unmerged_bytes_ = 0;
    return true;
  }
  json::value config_value = ParseJson(ReadFile(paths_.ConfigFile()), paths_.ConfigFile());
  json::object& config = config_value.as_object();
  const int64_t serial = GetInt(config, "serial_no", paths_.ConfigFile());
  json::array tags;
  if (FileExists(paths_.ConfigCommitTags())) {
    tags = AsArray(ParseJson(ReadFile(paths_.ConfigCommitTags()), paths_.ConfigCommitTags()),
                   paths_.ConfigCommitTags());
  }
  const size_t tags_before = tags.size();
  std::istringstream lines(journal);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    const json::value record_value = ParseJson(line, paths_.ConfigJournal());
    const json::object& record = AsObject(record_value, "config journal record");
    // The job tags outlive the journal, as on the master (job recovery after
    // a failover needs them).
    if (auto job = record.find("job"); job != record.end()) {
      const auto& fields = job->value().as_array();
      tags.push_back(json::array{fields.at(0), fields.at(1),
                                 !(fields.size() > 2 && fields[2] == json::value("undo"))});
    }
    if (GetInt(record, "serial", "journal") <= serial) continue;
    ApplyRecord(config, record);
  }
  if (tags.size() != tags_before) {
    if (tags.size() > kCommitTagsKept) tags.erase(tags.begin(), tags.end() - kCommitTagsKept);
    WriteFileAtomic(paths_.ConfigCommitTags(), SerializeJson(tags) + "\n", 0600);
  }
  const std::string merged = SerializeJsonPretty(config_value);
  WriteFileAtomic(paths_.ConfigFile(), merged, 0600);
  WriteFileAtomic(paths_.ConfigJournal(), "", 0600);
  first_unmerged_.reset();
  unmerged_bytes_ = 0;
  config_bytes_ = merged.size();
  return true;
}

void ConfigReplica::MergeLoop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    if (!first_unmerged_) {
      // Nothing to merge: no wake-ups until a record comes.
      cv_.wait(lock, [this] { return stopping_ || first_unmerged_.has_value(); });
      continue;
    }
    cv_.wait_for(lock, std::chrono::milliseconds(500));
    if (stopping_ || !first_unmerged_) continue;
    const auto now = Clock::now();
    if (!config_bytes_) config_bytes_ = SizeOf(paths_.ConfigFile());
    const bool due = now - *first_unmerged_ >= kMaxDelay && unmerged_bytes_ >= *config_bytes_;
    if (now - *last_append_ < kQuiet && !due) continue;
    lock.unlock();
    bool merged = false;
    try {
      merged = Merge();
    } catch (const std::exception& e) {
      spdlog::error("merging the config journal into config.data failed (kept as is): {}",
                    e.what());
    }
    lock.lock();
    // Not now (the files are owned, or damaged): again after a while.
    if (!merged && first_unmerged_) first_unmerged_ = last_append_ = Clock::now();
  }
}

}  // namespace herd
