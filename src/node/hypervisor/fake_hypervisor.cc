#include "node/hypervisor/fake_hypervisor.h"

#include <sys/stat.h>
#include <time.h>

#include <chrono>
#include <mutex>
#include <optional>

#include "base/errors.h"
#include "base/files.h"
#include "base/json.h"
#include "node/capacity.h"

namespace herd {
namespace {

double Now() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

RunningInstance FromJson(const json::value& v, const std::string& what) {
  const auto& o = AsObject(v, what);
  RunningInstance r;
  r.name = GetString(o, "name", what);
  r.uuid = GetStringOr(o, "uuid", "");
  r.memory_mib = GetInt(o, "memory", what);
  r.vcpus = GetIntOr(o, "vcpus", 1);
  r.start_time = GetNumberOr(o, "start_time", 0);
  r.state = GetStringOr(o, "state", "running");
  return r;
}

// The records as last read, per record directory: node_info, instance
// lists and every start read them all, file by file. The node daemon is
// their only writer, and each of its writes invalidates them; the
// directory's times catch a change from outside.
class RecordCache {
 public:
  static RecordCache& Get() {
    static RecordCache cache;
    return cache;
  }
  uint64_t writes() {
    std::lock_guard lock(mu_);
    return writes_;
  }
  void Wrote() {
    std::lock_guard lock(mu_);
    ++writes_;
  }
  std::optional<std::map<std::string, RunningInstance>> Find(const std::string& dir,
                                                             const struct stat& st) {
    std::lock_guard lock(mu_);
    auto it = by_dir_.find(dir);
    if (it == by_dir_.end() || it->second.writes != writes_ || !SameStamp(it->second.st, st)) {
      return std::nullopt;
    }
    return it->second.records;
  }
  // `writes`: the count before the records were read. Not kept while the
  // directory's change time is younger than the file system's clock tick:
  // a change from outside in that tick would not move it.
  void Keep(const std::string& dir, const struct stat& st, uint64_t writes,
            const std::map<std::string, RunningInstance>& records) {
    struct timespec now {};
    ::clock_gettime(CLOCK_REALTIME, &now);
    const int64_t age_ns =
        (now.tv_sec - st.st_ctim.tv_sec) * 1'000'000'000LL + (now.tv_nsec - st.st_ctim.tv_nsec);
    if (age_ns < kTick) return;
    std::lock_guard lock(mu_);
    by_dir_[dir] = {st, writes, records};
  }

 private:
  static bool SameStamp(const struct stat& a, const struct stat& b) {
    return a.st_ino == b.st_ino && a.st_mtim.tv_sec == b.st_mtim.tv_sec &&
           a.st_mtim.tv_nsec == b.st_mtim.tv_nsec && a.st_ctim.tv_sec == b.st_ctim.tv_sec &&
           a.st_ctim.tv_nsec == b.st_ctim.tv_nsec;
  }
  struct Entry {
    struct stat st;
    uint64_t writes;
    std::map<std::string, RunningInstance> records;
  };
  static constexpr int64_t kTick = 20'000'000;  // ns; file times move in jiffies
  std::mutex mu_;
  uint64_t writes_ = 0;
  std::map<std::string, Entry> by_dir_;
};

}  // namespace

FakeHypervisor::FakeHypervisor(const Paths& paths)
    : paths_(paths), dir_(paths.RunDir() + "/fake-hv") {}

std::string FakeHypervisor::RecordPath(const std::string& name) const {
  if (name.empty() || name.find('/') != std::string::npos || name[0] == '.') {
    throw HypervisorError("Invalid instance name '" + name + "'");
  }
  return dir_ + "/" + name;
}

void FakeHypervisor::Write(const RunningInstance& r) const {
  MakeDirs(dir_, 0750);
  json::object o{{"name", r.name},
                 {"uuid", r.uuid},
                 {"memory", r.memory_mib},
                 {"vcpus", r.vcpus},
                 {"start_time", r.start_time},
                 {"state", r.state}};
  WriteFileAtomic(RecordPath(r.name), SerializeJson(o) + "\n", 0640);
  RecordCache::Get().Wrote();
}

void FakeHypervisor::Remove(const std::string& name) const {
  RemoveFile(RecordPath(name));
  RecordCache::Get().Wrote();
}

std::map<std::string, RunningInstance> FakeHypervisor::List() const {
  std::map<std::string, RunningInstance> out;
  RecordCache& cache = RecordCache::Get();
  const uint64_t writes = cache.writes();
  struct stat st {};
  if (::stat(dir_.c_str(), &st) != 0) return out;
  if (auto kept = cache.Find(dir_, st)) return std::move(*kept);
  for (const auto& name : ListDirectory(dir_)) {
    if (name.empty() || name[0] == '.' || name.find(".tmp") != std::string::npos) continue;
    std::string path = dir_ + "/" + name;
    std::string text;
    try {
      text = ReadFile(path);
    } catch (const GanetiError&) {
      continue;  // removed between listing and reading
    }
    out[name] = FromJson(ParseJson(text, path), path);
  }
  cache.Keep(dir_, st, writes, out);
  return out;
}

int64_t FakeHypervisor::UsedMemory() const {
  int64_t used = 0;
  for (const auto& [name, r] : List()) used += r.memory_mib;
  return used;
}

int64_t FakeHypervisor::AvailableMemory() const {
  NodeCapacity cap = ReadNodeCapacity(paths_);
  return cap.memory_mib - cap.memory_dom0_mib - UsedMemory();
}

void FakeHypervisor::CheckMemory(const rpc::InstanceSpec& spec, int64_t available) const {
  if (spec.memory_mib > available) {
    throw HypervisorError("Not enough memory to start instance " + spec.name + " on node " +
                          paths_.hostname() + ": needed " + std::to_string(spec.memory_mib) +
                          " MiB, available " + std::to_string(available) + " MiB");
  }
}

void FakeHypervisor::Start(const rpc::InstanceSpec& spec) {
  std::lock_guard lock(mu_);
  if (FileExists(RecordPath(spec.name))) {
    throw HypervisorError("Failed to start instance " + spec.name + ": already running");
  }
  CheckMemory(spec, AvailableMemory());
  Write({spec.name, spec.uuid, spec.memory_mib, spec.vcpus, Now(), "running"});
}

void FakeHypervisor::Stop(const std::string& name) {
  std::lock_guard lock(mu_);
  Remove(name);
}

void FakeHypervisor::Reboot(const std::string& name) {
  std::lock_guard lock(mu_);
  std::string path = RecordPath(name);
  if (!FileExists(path)) {
    throw HypervisorError("Failed to reboot instance " + name + ": not running");
  }
  auto record = FromJson(ParseJson(ReadFile(path), path), path);
  record.start_time = Now();
  Write(record);
}

void FakeHypervisor::AcceptIncoming(const rpc::InstanceSpec& spec) {
  std::lock_guard lock(mu_);
  if (FileExists(RecordPath(spec.name))) {
    throw HypervisorError("Instance " + spec.name + " is already present on node " +
                          paths_.hostname());
  }
  CheckMemory(spec, AvailableMemory());
  Write({spec.name, spec.uuid, spec.memory_mib, spec.vcpus, Now(), "migrating"});
}

void FakeHypervisor::FinalizeIncoming(const std::string& name, bool success) {
  std::lock_guard lock(mu_);
  std::string path = RecordPath(name);
  if (!success) {
    Remove(name);
    return;
  }
  if (!FileExists(path)) {
    throw HypervisorError("No incoming migration of instance " + name + " on node " +
                          paths_.hostname());
  }
  auto record = FromJson(ParseJson(ReadFile(path), path), path);
  record.state = "running";
  Write(record);
}

void FakeHypervisor::SetMemory(const std::string& name, int64_t memory_mib) {
  std::lock_guard lock(mu_);
  std::string path = RecordPath(name);
  if (!FileExists(path)) return;
  auto record = FromJson(ParseJson(ReadFile(path), path), path);
  int64_t available = AvailableMemory() + record.memory_mib;
  if (memory_mib > available) {
    throw HypervisorError("Not enough memory on node " + paths_.hostname() + " to give instance " +
                          name + " " + std::to_string(memory_mib) + " MiB (available " +
                          std::to_string(available) + " MiB)");
  }
  record.memory_mib = memory_mib;
  Write(record);
}

}  // namespace herd
