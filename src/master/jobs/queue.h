// The master daemon's job queue: accepts jobs, persists every change to the
// queue directory before acting on it, runs opcodes on a worker pool, and
// answers LUXI's job calls (query, wait for change, cancel, archive).
#pragma once

#include <boost/json/fwd.hpp>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "master/jobs/job_filters.h"
#include "master/jobs/job_storage.h"
#include "master/jobs/op_context.h"

namespace herd {
namespace json = boost::json;
}

namespace herd::jobs {

// Runs one opcode and returns its result; throws herd::GanetiError on failure
// (any other exception becomes an OpExecError) and OpCanceled on cancel.
using OpcodeExecutor = std::function<json::value(const json::object& opcode_input, OpContext& ctx)>;

// Whether a job's opcode durably committed its configuration change (and did
// not undo it): such an opcode succeeded, even if the daemon died before its
// job file said so.
using CommitCheck = std::function<bool(JobId job_id, int op_index)>;

class JobQueue {
 public:
  // Loads the jobs in `queue_dir`: queued ones are queued again, waiting ones
  // restart from their first unfinished opcode. A running (or canceling)
  // opcode that `committed` reports as committed succeeded, and its job goes
  // on with the next opcode; any other is failed ("Unclean master daemon
  // shutdown"), as Ganeti does. So a job's outcome agrees with the config.
  // With zero workers jobs are only stored (useful for tests and tools).
  // `replica` (optional) is told of every job file written, for master
  // candidates' copies of the queue.
  // `filters`: the job filter rules from the start (see SetFilters).
  JobQueue(std::string queue_dir, OpcodeExecutor executor, int worker_threads,
           ReplicaListener replica = {}, CommitCheck committed = {},
           std::vector<FilterRule> filters = {});
  ~JobQueue();  // Shutdown()
  JobQueue(const JobQueue&) = delete;
  JobQueue& operator=(const JobQueue&) = delete;

  // Validates the opcodes, writes the job file (fsync) and queues it.
  // Throws JobQueueDrainError when drained (unless `even_drained`: Ganeti's
  // SubmitJobToDrainedQueue), GenericError on invalid opcodes.
  JobId Submit(const json::array& opcodes, bool even_drained = false);
  // Ganeti's SubmitManyJobs answer: [[true, id] or [false, message], ...]
  // (false where a job could not be stored). Jobs get consecutive ids; one
  // invalid job refuses the whole call (GenericError) and queues nothing.
  // An opcode waiting for other jobs ("depends") stays "waiting" without
  // holding a worker until they have finished.
  json::array SubmitMany(const json::array& jobs);

  // Ganeti's WaitForJobChange: [field values, new log entries] as soon as the
  // fields differ from `prev_job_info`, there are log entries newer than
  // `prev_log_serial` (-1: none seen yet) or the job is no longer pending;
  // "nochange" after `timeout_s`; null for an unknown job.
  json::value WaitForJobChange(JobId id, const json::array& fields,
                               const json::value& prev_job_info, int64_t prev_log_serial,
                               double timeout_s);
  // Queued jobs are canceled at once, waiting ones when their executor next
  // checks; running ones cannot be canceled. Returns (success, message).
  std::pair<bool, std::string> Cancel(JobId id);
  // Gives the unfinished opcodes of a job that has not finished `priority`
  // (Ganeti's ChangeJobPriority); returns (success, message).
  std::pair<bool, std::string> ChangePriority(JobId id, int priority);
  // Moves a finished job into the archive; false if unknown or unfinished.
  bool Archive(JobId id);
  // Archives finished jobs older than `age_s` (all finished ones when
  // negative) for at most `timeout_s`; returns (archived, left unchecked).
  std::pair<int, int> AutoArchive(double age_s, double timeout_s);

  // Rows of field values; `ids` empty lists every live job, an explicitly
  // requested id is also looked up in the archive, and unknown ids give null.
  json::array QueryJobs(const std::vector<JobId>& ids, const std::vector<std::string>& fields);

  // Called after new jobs are written and before their ids are returned:
  // a job is acknowledged once the master candidates hold it too.
  void SetReplicaSync(std::function<void()> sync);

  // The job filter rules queued jobs are started by (Ganeti's gnt-filter),
  // replacing the previous ones: see job_filters.h.
  void SetFilters(std::vector<FilterRule> rules);
  // The highest job id given out so far (a new filter rule's watermark).
  JobId LastJobId() const;

  void SetDrainFlag(bool drain);  // persisted as the queue's "drain" file
  bool DrainFlag() const;

  // Stops accepting jobs and stops the workers once their current opcodes
  // finish; unfinished jobs stay on disk and resume on the next start.
  void Shutdown();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace herd::jobs
