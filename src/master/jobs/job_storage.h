// The job queue directory in Ganeti's layout: job-<id> files, the "serial"
// file with the last id handed out, archive/<id / 10000>/job-<id>, and the
// "drain" flag file. Every write is atomic and durable.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "master/jobs/job.h"

namespace herd::jobs {

// Ganeti's JSTORE_JOBS_PER_ARCHIVE_DIRECTORY.
inline constexpr JobId kJobsPerArchiveDirectory = 10000;

// Told of every job file the queue writes or archives, with its contents,
// so that master candidates can keep a copy: (file name in the queue
// directory, e.g. "job-12" or "serial"; contents; archived).
using ReplicaListener =
    std::function<void(const std::string& name, const std::string& contents, bool archived)>;

class JobStorage {
 public:
  // Creates the directory (and "version", "serial") if missing.
  explicit JobStorage(std::string queue_dir);

  const std::string& dir() const { return dir_; }
  // The file whose presence drains the queue in `queue_dir`.
  static std::string DrainFile(const std::string& queue_dir) { return queue_dir + "/drain"; }
  std::string LiveJobPath(JobId id) const;
  std::string ArchivedJobPath(JobId id) const;

  JobId ReadSerial() const;
  void WriteSerial(JobId last_used) const;

  // Ids of the job files in the queue directory (not the archive), sorted.
  std::vector<JobId> ListLiveJobIds() const;
  // Reads a job file; nullopt if absent. Throws on a corrupt file.
  std::optional<Job> LoadLive(JobId id) const;
  std::optional<Job> LoadArchived(JobId id) const;
  void WriteJob(const Job& job) const;
  // Writes a job file from its serialized form.
  // `durable` false: progress (a log message) a later durable write covers.
  void WriteJobData(JobId id, const std::string& data, bool durable = true) const;
  // Set before the queue runs; called after each durable write.
  void SetReplicaListener(ReplicaListener listener) { listener_ = std::move(listener); }
  // Moves a live job file into the archive (atomic rename, both dirs synced).
  void MoveToArchive(JobId id) const;

  bool DrainFlag() const;
  void SetDrainFlag(bool drain) const;

 private:
  void Notify(const std::string& name, const std::string& contents, bool archived) const {
    if (listener_) listener_(name, contents, archived);
  }

  std::string dir_;
  ReplicaListener listener_;
};

}  // namespace herd::jobs
