#include "master/jobs/job_storage.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "base/errors.h"
#include "base/files.h"

namespace herd::jobs {
namespace {

constexpr std::string_view kJobPrefix = "job-";
constexpr std::string_view kQueueVersion = "1";  // Ganeti's JOB_QUEUE_VERSION

// "job-123" -> 123; anything else (temporary files, "job-12.tmp.9") -> nullopt.
std::optional<JobId> ParseJobFileName(std::string_view name) {
  if (name.substr(0, kJobPrefix.size()) != kJobPrefix) return std::nullopt;
  std::string_view digits = name.substr(kJobPrefix.size());
  if (digits.empty() || digits.size() > 18) return std::nullopt;
  JobId id = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    id = id * 10 + (c - '0');
  }
  return id;
}

std::optional<Job> LoadFile(const std::string& path) {
  if (!FileExists(path)) return std::nullopt;
  return Job::Restore(ParseJson(ReadFile(path), path));
}

std::string Parent(const std::string& path) { return path.substr(0, path.rfind('/')); }

}  // namespace

JobStorage::JobStorage(std::string queue_dir) : dir_(std::move(queue_dir)) {
  MakeDirs(dir_ + "/archive");
  const std::string version = dir_ + "/version";
  if (!FileExists(version)) WriteFileAtomic(version, std::string(kQueueVersion) + "\n");
  std::string found = ReadFile(version);
  while (!found.empty() && std::isspace(static_cast<unsigned char>(found.back()))) found.pop_back();
  if (found != kQueueVersion) {
    throw JobQueueError("Found job queue version " + found + ", expected " +
                        std::string(kQueueVersion));
  }
  if (!FileExists(dir_ + "/serial")) WriteSerial(0);
}

std::string JobStorage::LiveJobPath(JobId id) const {
  return dir_ + "/" + std::string(kJobPrefix) + std::to_string(id);
}

std::string JobStorage::ArchivedJobPath(JobId id) const {
  return dir_ + "/archive/" + std::to_string(id / kJobsPerArchiveDirectory) + "/" +
         std::string(kJobPrefix) + std::to_string(id);
}

JobId JobStorage::ReadSerial() const {
  const std::string path = dir_ + "/serial";
  const std::string text = ReadFile(path);
  try {
    return std::stoll(text);
  } catch (const std::exception&) {
    throw JobQueueError("Content of file '" + path + "' is not numeric");
  }
}

void JobStorage::WriteSerial(JobId last_used) const {
  const std::string text = std::to_string(last_used) + "\n";
  WriteFileAtomic(dir_ + "/serial", text, 0644, true, Inodes::kRecycled);
  Notify("serial", text, false);
}

std::vector<JobId> JobStorage::ListLiveJobIds() const {
  std::vector<JobId> ids;
  for (const std::string& name : ListDirectory(dir_)) {
    if (auto id = ParseJobFileName(name)) ids.push_back(*id);
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::optional<Job> JobStorage::LoadLive(JobId id) const { return LoadFile(LiveJobPath(id)); }

std::optional<Job> JobStorage::LoadArchived(JobId id) const {
  std::optional<Job> job = LoadFile(ArchivedJobPath(id));
  if (job) job->archived = true;
  return job;
}

void JobStorage::WriteJob(const Job& job) const {
  WriteJobData(job.id, SerializeJsonPretty(job.Serialize()));
}

void JobStorage::WriteJobData(JobId id, const std::string& data, bool durable) const {
  if (durable) {
    WriteFileAtomic(LiveJobPath(id), data, 0644, true, Inodes::kRecycled);
  } else {
    WriteFileAtomicUnsynced(LiveJobPath(id), data);
  }
  Notify(std::string(kJobPrefix) + std::to_string(id), data, false);
}

void JobStorage::MoveToArchive(JobId id) const {
  const std::string from = LiveJobPath(id);
  const std::string to = ArchivedJobPath(id);
  MakeDirs(Parent(to));
  if (std::rename(from.c_str(), to.c_str()) != 0) {
    const int err = errno;
    throw JobQueueError("Archiving failed: cannot rename " + from + " to " + to + ": " +
                        std::strerror(err));
  }
  FsyncDirectory(Parent(to));
  FsyncDirectory(dir_);
  if (listener_) Notify(std::string(kJobPrefix) + std::to_string(id), ReadFile(to), true);
}

bool JobStorage::DrainFlag() const { return FileExists(DrainFile(dir_)); }

void JobStorage::SetDrainFlag(bool drain) const {
  if (drain) {
    WriteFileAtomic(DrainFile(dir_), "");
  } else {
    RemoveFile(DrainFile(dir_));
    FsyncDirectory(dir_);
  }
}

}  // namespace herd::jobs
