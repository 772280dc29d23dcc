#include "master/jobs/queue.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "base/errors.h"
#include "base/files.h"
#include "base/json.h"
#include "master/jobs/job.h"
#include "master/jobs/job_filters.h"
#include "master/jobs/job_query.h"
#include "master/jobs/job_storage.h"

namespace herd::jobs {
namespace {

using Clock = std::chrono::steady_clock;

// Ganeti's LUXI_WFJC_TIMEOUT: (LUXI_DEF_RWTO - 1) / 2 seconds.
constexpr double kMaxWaitForJobChange = 89;
constexpr std::string_view kCanceledResult = "Job canceled by request";
// Progress (log messages) reaches a job's file at most this often: the file
// only serves a restart, which fails running jobs' opcodes or finishes them
// from the config, while clients read progress from memory. Each write is
// a new file for the file system (about a third of a short job's writes).
constexpr auto kProgressWriteInterval = std::chrono::seconds(1);
// The jobs that finished last stay whole in memory, for the clients that read
// a job's result as it finishes. Older finished jobs keep only what
// scheduling and job lists read (Job::Strip): the rest, most of a job, is
// read back from its file when a query asks for it. Finished jobs stay in
// the queue until archived (hours), and would otherwise be the larger part of
// masterd's memory after some thousands of jobs.
constexpr size_t kWholeFinishedJobs = 256;

// A live job plus what the queue needs to persist it and to wake waiters.
struct JobEntry {
  explicit JobEntry(Job j) : job(std::move(j)) {}
  Job job;                          // guarded by Impl::mu
  uint64_t version = 0;             // guarded by Impl::mu; bumped on every change
  bool archived = false;            // guarded by Impl::mu; no more writes once set
  bool blocked = false;             // guarded by Impl::mu; waits for a job it depends on
  bool cancelable_running = false;  // guarded by Impl::mu; see SetCancelableWhileRunning
  bool retired = false;             // guarded by Impl::mu; finished and counted in Impl::Retire
  bool unwritable = false;          // guarded by Impl::mu; its final state could not be written
  std::condition_variable changed;  // waited on with Impl::mu
  std::mutex write_mu;              // serializes this job's file writes; taken before Impl::mu
  uint64_t written = 0;             // version last on disk; set holding write_mu and Impl::mu
  Clock::time_point written_at;     // guarded by write_mu; when it was written
};
using EntryPtr = std::shared_ptr<JobEntry>;

double WallClockNow() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string JobText(JobId id) { return std::string("Job ").append(std::to_string(id)); }

}  // namespace

struct JobQueue::Impl {
  Impl(std::string dir, OpcodeExecutor exec) : storage(std::move(dir)), executor(std::move(exec)) {}

  JobStorage storage;
  OpcodeExecutor executor;
  CommitCheck committed;
  std::function<void()> replica_sync;

  mutable std::mutex mu;
  std::map<JobId, EntryPtr> jobs;         // live (not archived) jobs
  std::set<std::pair<int, JobId>> ready;  // (priority, id): most urgent, then oldest first
  // Jobs blocked until the keyed job finishes (see CheckDependencies).
  std::map<JobId, std::vector<EntryPtr>> dependents;
  std::vector<FilterRule> filters;            // sorted (SortFilterRules)
  std::map<JobId, std::string> rate_limited;  // running job -> its RATE_LIMIT rule
  std::deque<EntryPtr> whole_finished;        // finished jobs not stripped yet, oldest first
  std::condition_variable work_cv;
  bool stopping = false;
  bool drained = false;

  std::mutex id_mu;  // guards last_id and the serial file
  JobId last_id = 0;

  std::vector<std::thread> workers;

  // Call with `mu` held after changing `e.job`.
  static void Changed(JobEntry& e) {
    ++e.version;
    e.changed.notify_all();
  }

  // Writes the job's latest state unless it is already on disk. A newer
  // snapshot covers every older change, so racing callers write at most once each.
  // `durable` false for progress (log messages): written without a sync, and
  // not at all within kProgressWriteInterval of the job's last write; the
  // job's next status change is written durably and covers it.
  void Persist(const EntryPtr& e, bool durable = true) {
    bool finished;
    {
      std::lock_guard write_lock(e->write_mu);
      const auto now = Clock::now();
      if (!durable && e->written != 0 && now - e->written_at < kProgressWriteInterval) return;
      std::string data;
      uint64_t version;
      {
        std::lock_guard lk(mu);
        if (e->archived || e->version == e->written) return;
        version = e->version;
        finished = IsFinalized(e->job.CalcStatus());
        data = SerializeJsonPretty(e->job.Serialize());
      }
      std::exception_ptr failure;
      try {
        storage.WriteJobData(e->job.id, data, durable);
        e->written_at = now;
      } catch (...) {
        failure = std::current_exception();
      }
      {
        // A finished job's outcome is told once its final state is on disk
        // (see WaitForJobChange), or once writing it failed.
        std::lock_guard lk(mu);
        if (!failure) e->written = version;
        if (failure && finished) e->unwritable = true;
        if (finished) e->changed.notify_all();
      }
      if (failure) std::rethrow_exception(failure);
    }
    if (finished) Retire(e);
  }

  // Counts a finished job, written, among the whole ones, and strips the
  // oldest beyond kWholeFinishedJobs (see there).
  void Retire(const EntryPtr& e) {
    std::vector<EntryPtr> oldest;
    {
      std::lock_guard lk(mu);
      if (e->retired) return;
      e->retired = true;
      whole_finished.push_back(e);
      while (whole_finished.size() > kWholeFinishedJobs) {
        oldest.push_back(std::move(whole_finished.front()));
        whole_finished.pop_front();
      }
    }
    for (const EntryPtr& old : oldest) {
      std::lock_guard write_lock(old->write_mu);
      std::lock_guard lk(mu);
      // Only what its file holds may be dropped.
      if (!old->archived && old->written == old->version) old->job.Strip();
    }
  }

  // A job as its file holds it: the live one (unless `live` is false), else
  // the archived one; nullopt (and a warning for a file that cannot be
  // read) when there is none.
  std::optional<Job> ReadJobFile(JobId id, bool live = true) const {
    try {
      std::optional<Job> job = live ? storage.LoadLive(id) : std::nullopt;
      if (!job) job = storage.LoadArchived(id);
      return job;
    } catch (const std::exception& err) {
      spdlog::warn("Cannot read job {}: {}", id, err.what());
      return std::nullopt;
    }
  }

  JobId AllocateIds(JobId count) {
    std::lock_guard lk(id_mu);
    const JobId first = last_id + 1;
    storage.WriteSerial(last_id + count);
    last_id += count;
    return first;
  }

  void CheckAccepting(bool even_drained = false) const {
    std::lock_guard lk(mu);
    if (stopping) throw JobQueueError("Job queue is shutting down, refusing job");
    if (drained && !even_drained) throw JobQueueDrainError("Job queue is drained, refusing job");
  }

  // Stores a new job durably; the caller enqueues it.
  EntryPtr Create(JobId id, const json::array& opcodes) {
    Job job = Job::FromOpcodes(id, opcodes);
    storage.WriteJob(job);
    return std::make_shared<JobEntry>(std::move(job));
  }

  void Enqueue(const std::vector<EntryPtr>& entries) {
    {
      std::lock_guard lk(mu);
      for (const EntryPtr& e : entries) {
        jobs[e->job.id] = e;
        ready.emplace(e->job.CalcPriority(), e->job.id);
      }
    }
    work_cv.notify_all();
  }

  // Ganeti's dependency check for opcode `index` of `e`, with `mu` held.
  enum class DependencyVerdict { kRun, kWait, kFail, kCancel };
  DependencyVerdict CheckDependencies(JobEntry& e, size_t index, std::string* message);
  // Status of job `id` if it has finished; nullopt while it has not;
  // JobLost if there is no such job. With `mu` held.
  std::optional<Status> FinishedStatus(JobId id);
  // Queues again the jobs blocked on `id`, which has just finished. With `mu` held.
  void WakeDependents(JobId id);

  // The next job the filters let start, with `mu` held; jobs a REJECT rule
  // matches are canceled on the way and added to `rejected` (to persist).
  EntryPtr PickNext(std::vector<EntryPtr>& rejected);

  void Load();
  // A job found running at start-up: see the constructor's comment.
  void RecoverInterruptedJob(JobEntry& e);
  // Marks the job's first unfinished opcode succeeded if it committed its
  // config change (the rest queued again); false if it did not.
  bool FinishCommittedOpcode(JobEntry& e);
  void WorkerLoop();
  void RunJob(const EntryPtr& e);
  // Ends a job whose file could not be written as failed, in memory.
  void FailForStorage(const EntryPtr& e, const std::string& why);
};

namespace {

// The context a running opcode gets: writes feedback and status changes into
// its job (status changes durably, log messages atomically), and reports
// cancel requests.
class QueueOpContext : public OpContext {
 public:
  QueueOpContext(std::mutex& mu, std::function<void(bool durable)> persist, JobEntry& entry,
                 int op_index)
      : OpContext(entry.job.id, op_index), mu_(mu), persist_(std::move(persist)), entry_(entry) {}

  void FeedbackOfType(std::string_view log_type, std::string_view msg) override {
    {
      std::lock_guard lk(mu_);
      entry_.job.AppendLog(static_cast<size_t>(op_index), log_type, msg);
      ++entry_.version;
      entry_.changed.notify_all();
    }
    persist_(false);
  }

  void FeedbackJsonOfType(std::string_view log_type, std::string_view json_text) override {
    json::value message = ParseJson(json_text, "log message");
    {
      std::lock_guard lk(mu_);
      entry_.job.AppendLogValue(static_cast<size_t>(op_index), log_type, std::move(message));
      ++entry_.version;
      entry_.changed.notify_all();
    }
    persist_(false);
  }

  void NotifyStart() override {
    {
      std::lock_guard lk(mu_);
      QueuedOpCode& op = entry_.job.ops[static_cast<size_t>(op_index)];
      if (op.status == Status::kCanceling) throw OpCanceled();
      if (op.status != Status::kWaiting) return;
      op.status = Status::kRunning;
      op.exec_timestamp = TimestampNow();
      ++entry_.version;
      entry_.changed.notify_all();
    }
    persist_(true);
  }

  bool CancelRequested() const override {
    std::lock_guard lk(mu_);
    return entry_.job.ops[static_cast<size_t>(op_index)].status == Status::kCanceling;
  }

  void SetCancelableWhileRunning(bool cancelable) override {
    std::lock_guard lk(mu_);
    entry_.cancelable_running = cancelable;
  }

 private:
  std::mutex& mu_;
  std::function<void(bool durable)> persist_;
  JobEntry& entry_;
};

}  // namespace

void JobQueue::Impl::Load() {
  drained = storage.DrainFlag();
  last_id = storage.ReadSerial();
  const JobId serial = last_id;
  for (JobId id : storage.ListLiveJobIds()) {
    last_id = std::max(last_id, id);
    std::optional<Job> job;
    try {
      job = storage.LoadLive(id);
    } catch (const std::exception& err) {
      // Left in place for an administrator; Ganeti skips unreadable jobs too.
      spdlog::error("Ignoring unreadable job file {}: {}", storage.LiveJobPath(id), err.what());
      continue;
    }
    if (!job) continue;
    job->id = id;
    auto e = std::make_shared<JobEntry>(std::move(*job));
    switch (e->job.CalcStatus()) {
      case Status::kQueued:
      case Status::kWaiting:
        // A master candidate's copy may lag a job by a moment (see
        // QueueReplicator): an opcode whose change was committed did run,
        // whatever the copy says.
        if (FinishCommittedOpcode(*e)) {
          Changed(*e);
        } else if (e->job.CalcStatus() == Status::kWaiting) {
          // Nothing ran yet for the waiting opcode: it is safe to start over.
          spdlog::warn("Restarting job {} found waiting", id);
          e->job.MarkUnfinishedOps(Status::kQueued, nullptr);
          Changed(*e);
        }
        break;
      case Status::kRunning:
      case Status::kCanceling:
        RecoverInterruptedJob(*e);
        Changed(*e);
        break;
      default:
        break;
    }
    Persist(e);
    jobs[id] = e;
    if (e->job.CalcStatus() == Status::kQueued) ready.emplace(e->job.CalcPriority(), id);
    if (IsFinalized(e->job.CalcStatus())) Retire(e);
  }
  if (last_id != serial) storage.WriteSerial(last_id);
}

bool JobQueue::Impl::FinishCommittedOpcode(JobEntry& e) {
  Job& job = e.job;
  auto unfinished = std::find_if(job.ops.begin(), job.ops.end(),
                                 [](const QueuedOpCode& op) { return !IsFinalized(op.status); });
  const int index = static_cast<int>(unfinished - job.ops.begin());
  if (unfinished == job.ops.end() || !committed || !committed(job.id, index)) return false;
  spdlog::warn("Job {}: opcode {} had committed its change before an unclean shutdown", job.id,
               index);
  unfinished->status = Status::kSuccess;
  unfinished->end_timestamp = TimestampNow();
  job.AppendLog(static_cast<size_t>(index), "message",
                "The master daemon stopped uncleanly after this opcode committed its "
                "configuration change; the opcode succeeded");
  job.MarkUnfinishedOps(Status::kQueued, nullptr);  // the rest of the job runs
  if (unfinished + 1 == job.ops.end()) job.Finalize();
  return true;
}

void JobQueue::Impl::RecoverInterruptedJob(JobEntry& e) {
  if (FinishCommittedOpcode(e)) return;
  Job& job = e.job;
  spdlog::warn("Failing job {} left unfinished by an unclean shutdown", job.id);
  job.MarkUnfinishedOps(Status::kError, EncodeError(OpExecError("Unclean master daemon shutdown")));
  job.Finalize();
}

std::optional<Status> JobQueue::Impl::FinishedStatus(JobId id) {
  if (auto it = jobs.find(id); it != jobs.end()) {
    const Status status = it->second->job.CalcStatus();
    return IsFinalized(status) ? std::optional<Status>(status) : std::nullopt;
  }
  std::optional<Job> archived = storage.LoadArchived(id);
  if (!archived) throw JobLost(JobText(id) + " not found");
  return archived->CalcStatus();
}

JobQueue::Impl::DependencyVerdict JobQueue::Impl::CheckDependencies(JobEntry& e, size_t index,
                                                                    std::string* message) {
  for (const Dependency& dep : DependenciesOf(e.job.ops[index].input)) {
    if (dep.job == e.job.id) {
      *message = "Job can't depend on itself";
      return DependencyVerdict::kFail;
    }
    std::optional<Status> status;
    try {
      status = FinishedStatus(dep.job);
    } catch (const GanetiError& err) {
      *message = "Dependency error: " + (err.args().empty() ? err.what() : err.args().front());
      return DependencyVerdict::kFail;
    } catch (const std::exception& err) {
      *message = std::string("Dependency error: ") + err.what();
      return DependencyVerdict::kFail;
    }
    if (!status) {
      dependents[dep.job].push_back(jobs.at(e.job.id));
      return DependencyVerdict::kWait;
    }
    const auto& wanted = dep.statuses;
    const bool accepted =
        wanted.empty() || std::find(wanted.begin(), wanted.end(), *status) != wanted.end();
    if (*status == Status::kCanceled && !accepted) {
      *message = "Dependency job " + std::to_string(dep.job) + " was cancelled";
      return DependencyVerdict::kCancel;
    }
    if (!accepted) {
      std::string names;
      for (Status w : wanted) names += (names.empty() ? "" : ", ") + std::string(StatusName(w));
      *message = "Dependency job " + std::to_string(dep.job) + " finished with status '" +
                 std::string(StatusName(*status)) + "', not one of '" + names + "' as required";
      return DependencyVerdict::kFail;
    }
  }
  return DependencyVerdict::kRun;
}

void JobQueue::Impl::WakeDependents(JobId id) {
  auto it = dependents.find(id);
  if (it == dependents.end()) return;
  for (const EntryPtr& waiting : it->second) {
    if (!waiting->blocked || IsFinalized(waiting->job.CalcStatus())) continue;
    waiting->blocked = false;
    ready.emplace(waiting->job.CalcPriority(), waiting->job.id);
  }
  dependents.erase(it);
  work_cv.notify_all();
}

EntryPtr JobQueue::Impl::PickNext(std::vector<EntryPtr>& rejected) {
  for (auto it = ready.begin(); it != ready.end();) {
    auto found = jobs.find(it->second);
    if (found == jobs.end()) {
      it = ready.erase(it);
      continue;
    }
    EntryPtr e = found->second;
    const FilterRule* rule = filters.empty() ? nullptr : ApplyingFilter(filters, e->job);
    if (!rule || rule->action == FilterRule::Action::kAccept) {
      ready.erase(it);
      return e;
    }
    if (rule->action == FilterRule::Action::kReject) {
      it = ready.erase(it);
      spdlog::info("Canceling job {}: rejected by filter rule {}", e->job.id, rule->uuid);
      e->job.MarkUnfinishedOps(Status::kCanceled, json::string(kCanceledResult));
      e->job.Finalize();
      WakeDependents(e->job.id);
      Changed(*e);
      rejected.push_back(e);
      continue;
    }
    if (rule->action == FilterRule::Action::kRateLimit) {
      const auto running = std::count_if(rate_limited.begin(), rate_limited.end(),
                                         [&](const auto& r) { return r.second == rule->uuid; });
      if (running < rule->rate_limit) {
        rate_limited[e->job.id] = rule->uuid;
        ready.erase(it);
        return e;
      }
    }
    ++it;  // paused, or its rate limit is reached: it waits
  }
  return nullptr;
}

void JobQueue::Impl::FailForStorage(const EntryPtr& e, const std::string& why) {
  {
    std::lock_guard lk(mu);
    Job& job = e->job;
    if (IsFinalized(job.CalcStatus())) return;
    job.MarkUnfinishedOps(Status::kError,
                          EncodeError(OpExecError("Could not write the job's file: " + why)));
    job.Finalize();
    WakeDependents(job.id);
    Changed(*e);
  }
  try {
    Persist(e);
  } catch (const std::exception& err) {
    spdlog::error("Job {} could not be written either: {}", e->job.id, err.what());
  }
}

void JobQueue::Impl::WorkerLoop() {
  for (;;) {
    EntryPtr e;
    std::vector<EntryPtr> rejected;
    {
      std::unique_lock lk(mu);
      work_cv.wait(lk, [&] {
        if (stopping) return true;
        e = PickNext(rejected);
        return e != nullptr || !rejected.empty();
      });
      if (stopping) return;
    }
    for (const auto& r : rejected) {
      try {
        Persist(r);
      } catch (const std::exception& err) {  // final in memory already
        spdlog::error("Job {} could not be written: {}", r->job.id, err.what());
      }
    }
    if (!e) continue;
    try {
      RunJob(e);
    } catch (const std::exception& err) {
      // Only storage failures get here (a full disk): the job ends as failed
      // for whoever waits on it, rather than staying unfinished forever; its
      // file stays as last written, which a restart takes up again safely.
      spdlog::error("Processing job {} failed: {}", e->job.id, err.what());
      FailForStorage(e, err.what());
    }
    {
      std::lock_guard lk(mu);
      if (rate_limited.erase(e->job.id) == 0) continue;
    }
    work_cv.notify_all();  // a rate-limited job may start now
  }
}

// Runs the job's unfinished opcodes in order, as Ganeti's _JobProcessor:
// waiting -> (executor) -> success / error / canceled, each step on disk
// before the next one starts.
void JobQueue::Impl::RunJob(const EntryPtr& e) {
  const size_t count = e->job.ops.size();  // fixed for the job's life
  for (size_t i = 0; i < count; ++i) {
    json::object input;
    bool finished = false;
    {
      std::lock_guard lk(mu);
      Job& job = e->job;
      if (stopping || IsFinalized(job.CalcStatus())) return;  // resumes after restart / canceled
      QueuedOpCode& op = job.ops[i];
      if (IsFinalized(op.status)) continue;  // done before a restart
      bool blocked = false;
      if (op.status == Status::kCanceling) {
        op.end_timestamp = TimestampNow();
        job.MarkUnfinishedOps(Status::kCanceled, json::string(kCanceledResult));
        job.Finalize();
        finished = true;
      } else {
        op.status = Status::kWaiting;
        op.result = nullptr;
        if (op.start_timestamp.is_null()) op.start_timestamp = TimestampNow();
        if (job.start_timestamp.is_null()) job.start_timestamp = op.start_timestamp;
        input = op.input;
        std::string message;
        switch (CheckDependencies(*e, i, &message)) {
          case DependencyVerdict::kRun:
            break;
          case DependencyVerdict::kWait:
            e->blocked = blocked = true;
            break;
          case DependencyVerdict::kCancel:
            spdlog::info("Job {}: {}", job.id, message);
            op.end_timestamp = TimestampNow();
            job.MarkUnfinishedOps(Status::kCanceled, json::string(kCanceledResult));
            job.Finalize();
            finished = true;
            break;
          case DependencyVerdict::kFail:
            op.status = Status::kError;
            op.result = EncodeError(OpExecError(message));
            op.end_timestamp = TimestampNow();
            job.MarkUnfinishedOps(Status::kError,
                                  EncodeError(OpExecError("Preceding opcode failed")));
            job.Finalize();
            finished = true;
            break;
        }
      }
      if (finished) WakeDependents(job.id);
      Changed(*e);
      if (blocked) finished = true;  // a worker takes it up again (WakeDependents)
    }
    // "waiting" is not written: a restart starts a waiting opcode over, as a
    // queued one, so a file still saying "queued" loses nothing (and each
    // write of a job file costs every master candidate a copy). The opcode's
    // start ("running") is written durably before it does anything.
    if (finished) {
      Persist(e);
      return;
    }

    Status status = Status::kSuccess;
    json::value result;
    QueueOpContext ctx(
        mu, [this, e](bool durable) { Persist(e, durable); }, *e, static_cast<int>(i));
    try {
      result = executor(input, ctx);
    } catch (const OpCanceled&) {
      status = Status::kCanceling;
    } catch (const GanetiError& err) {
      status = Status::kError;
      result = EncodeError(err);
    } catch (const std::exception& err) {
      status = Status::kError;
      result = EncodeError(OpExecError(err.what()));
    }

    {
      std::lock_guard lk(mu);
      Job& job = e->job;
      QueuedOpCode& op = job.ops[i];
      op.status = status;
      op.result = std::move(result);
      op.end_timestamp = TimestampNow();
      if (status == Status::kError) {
        job.MarkUnfinishedOps(Status::kError, EncodeError(OpExecError("Preceding opcode failed")));
      } else if (status == Status::kCanceling) {
        job.MarkUnfinishedOps(Status::kCanceled, json::string(kCanceledResult));
      }
      finished = status != Status::kSuccess || i + 1 == count;
      if (finished) {
        job.Finalize();
        WakeDependents(job.id);
      }
      Changed(*e);
    }
    Persist(e);
    if (finished) return;
  }
}

JobQueue::JobQueue(std::string queue_dir, OpcodeExecutor executor, int worker_threads,
                   ReplicaListener replica, CommitCheck committed, std::vector<FilterRule> filters)
    : impl_(std::make_unique<Impl>(std::move(queue_dir), std::move(executor))) {
  impl_->storage.SetReplicaListener(std::move(replica));
  impl_->committed = std::move(committed);
  SortFilterRules(filters);
  impl_->filters = std::move(filters);
  impl_->Load();
  for (int i = 0; i < worker_threads; ++i) {
    impl_->workers.emplace_back([this] { impl_->WorkerLoop(); });
  }
}

JobQueue::~JobQueue() { Shutdown(); }

void JobQueue::Shutdown() {
  {
    std::lock_guard lk(impl_->mu);
    impl_->stopping = true;
  }
  impl_->work_cv.notify_all();
  for (std::thread& t : impl_->workers) {
    if (t.joinable()) t.join();
  }
  impl_->workers.clear();
}

JobId JobQueue::Submit(const json::array& opcodes, bool even_drained) {
  impl_->CheckAccepting(even_drained);
  Job::Validate(opcodes);
  EntryPtr e = impl_->Create(impl_->AllocateIds(1), opcodes);
  impl_->Enqueue({e});
  if (impl_->replica_sync) impl_->replica_sync();
  return e->job.id;
}

void JobQueue::SetReplicaSync(std::function<void()> sync) { impl_->replica_sync = std::move(sync); }

JobId JobQueue::LastJobId() const {
  std::lock_guard lk(impl_->id_mu);
  return impl_->last_id;
}

void JobQueue::SetFilters(std::vector<FilterRule> rules) {
  SortFilterRules(rules);
  {
    std::lock_guard lk(impl_->mu);
    impl_->filters = std::move(rules);
  }
  impl_->work_cv.notify_all();  // paused jobs may start, rejected ones are canceled
}

json::array JobQueue::SubmitMany(const json::array& jobs) {
  impl_->CheckAccepting();
  // As Ganeti, one invalid job refuses the whole request: nothing is queued.
  for (const json::value& job : jobs) Job::Validate(AsArray(job, "job"));
  JobId next = jobs.empty() ? 0 : impl_->AllocateIds(static_cast<JobId>(jobs.size()));
  json::array answer;
  std::vector<EntryPtr> created;
  for (const json::value& job : jobs) {
    try {
      created.push_back(impl_->Create(next++, job.get_array()));
      answer.push_back(json::array{true, created.back()->job.id});
    } catch (const GanetiError& err) {
      answer.push_back(
          json::array{false, json::string(err.args().empty() ? err.what() : err.args().front())});
    }
  }
  impl_->Enqueue(created);
  if (!created.empty() && impl_->replica_sync) impl_->replica_sync();
  return answer;
}

json::value JobQueue::WaitForJobChange(JobId id, const json::array& fields,
                                       const json::value& prev_job_info, int64_t prev_log_serial,
                                       double timeout_s) {
  std::vector<std::string> names;
  for (const json::value& f : fields) {
    if (!f.is_string()) throw GenericError("Job field names must be strings");
    names.emplace_back(f.get_string());
  }
  CheckJobFields(names);
  const auto wait = std::chrono::duration<double>(std::clamp(timeout_s, 0.0, kMaxWaitForJobChange));
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(wait);

  std::unique_lock lk(impl_->mu);
  auto it = impl_->jobs.find(id);
  if (it == impl_->jobs.end()) return nullptr;
  EntryPtr e = it->second;
  bool timed_out = false;
  for (;;) {
    if (e->job.stripped) {  // finished long ago: its file answers
      lk.unlock();
      std::optional<Job> job = impl_->ReadJobFile(id);
      if (!job) return nullptr;
      return json::array{JobRow(*job, names), job->LogEntriesAfter(prev_log_serial)};
    }
    json::value info = JobRow(e->job, names);
    json::array logs = e->job.LogEntriesAfter(prev_log_serial);
    const Status status = e->job.CalcStatus();
    const bool pending =
        status == Status::kQueued || status == Status::kWaiting || status == Status::kRunning;
    // A job's outcome is told once its file holds it, and so the master
    // candidates' copies soon (the next job waits for them): whoever learns
    // it can count on it, after a master failover too.
    const bool outcome_unwritten =
        IsFinalized(status) && e->written != e->version && !e->unwritable && !e->archived;
    if (!outcome_unwritten && (!pending || info != prev_job_info || !logs.empty())) {
      return json::array{std::move(info), std::move(logs)};
    }
    if (timed_out) return json::string("nochange");
    timed_out = e->changed.wait_until(lk, deadline) == std::cv_status::timeout;
  }
}

std::pair<bool, std::string> JobQueue::Cancel(JobId id) {
  EntryPtr e;
  std::pair<bool, std::string> answer;
  {
    std::lock_guard lk(impl_->mu);
    auto it = impl_->jobs.find(id);
    if (it == impl_->jobs.end()) return {false, JobText(id) + " not found"};
    e = it->second;
    Job& job = e->job;
    switch (job.CalcStatus()) {
      case Status::kQueued:
        impl_->ready.erase({job.CalcPriority(), id});
        job.MarkUnfinishedOps(Status::kCanceled, json::string(kCanceledResult));
        job.Finalize();
        impl_->WakeDependents(id);
        answer = {true, JobText(id) + " canceled"};
        break;
      case Status::kWaiting:
        if (e->blocked) {  // no executor runs it: canceled now
          e->blocked = false;
          job.MarkUnfinishedOps(Status::kCanceled, json::string(kCanceledResult));
          job.Finalize();
          impl_->WakeDependents(id);
          answer = {true, JobText(id) + " canceled"};
          break;
        }
        // The executor sees it at NotifyStart / CheckCancel.
        job.MarkUnfinishedOps(Status::kCanceling, nullptr);
        answer = {true, JobText(id) + " will be canceled"};
        break;
      case Status::kRunning:
        if (!e->cancelable_running) {
          return {false, JobText(id) + " is no longer waiting in the queue"};
        }
        job.MarkUnfinishedOps(Status::kCanceling, nullptr);
        answer = {true, JobText(id) + " will be canceled"};
        break;
      default:
        return {false, JobText(id) + " is no longer waiting in the queue"};
    }
    Impl::Changed(*e);
  }
  impl_->Persist(e);
  return answer;
}

std::pair<bool, std::string> JobQueue::ChangePriority(JobId id, int priority) {
  EntryPtr e;
  {
    std::lock_guard lk(impl_->mu);
    auto it = impl_->jobs.find(id);
    if (it == impl_->jobs.end()) return {false, JobText(id) + " not found"};
    e = it->second;
    Job& job = e->job;
    if (IsFinalized(job.CalcStatus())) return {false, JobText(id) + " is finished"};
    const bool was_ready = impl_->ready.erase({job.CalcPriority(), id}) > 0;
    for (QueuedOpCode& op : job.ops) {
      if (!IsFinalized(op.status)) op.priority = priority;
    }
    if (was_ready) impl_->ready.emplace(job.CalcPriority(), id);
    Impl::Changed(*e);
  }
  impl_->Persist(e);
  return {true, "Priorities of pending opcodes for job " + std::to_string(id) +
                    " have been changed to " + std::to_string(priority)};
}

bool JobQueue::Archive(JobId id) {
  EntryPtr e;
  {
    std::lock_guard lk(impl_->mu);
    auto it = impl_->jobs.find(id);
    if (it == impl_->jobs.end()) return false;
    e = it->second;
  }
  // Holding write_mu keeps a late Persist from recreating the live file.
  std::lock_guard write_lock(e->write_mu);
  std::string pending_write;
  {
    std::lock_guard lk(impl_->mu);
    if (e->archived || !IsFinalized(e->job.CalcStatus())) return false;
    if (e->version != e->written) pending_write = SerializeJsonPretty(e->job.Serialize());
  }
  if (!pending_write.empty()) {
    WriteFileAtomic(impl_->storage.LiveJobPath(id), pending_write, 0644, true, Inodes::kRecycled);
  }
  impl_->storage.MoveToArchive(id);
  std::lock_guard lk(impl_->mu);
  e->archived = true;
  e->job.archived = true;
  impl_->jobs.erase(id);
  e->changed.notify_all();
  return true;
}

std::pair<int, int> JobQueue::AutoArchive(double age_s, double timeout_s) {
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                           std::chrono::duration<double>(std::max(timeout_s, 0.0)));
  const double cutoff = WallClockNow() - age_s;
  std::vector<JobId> candidates;
  {
    std::lock_guard lk(impl_->mu);
    for (const auto& [id, e] : impl_->jobs) candidates.push_back(id);
  }
  int archived = 0;
  for (size_t i = 0; i < candidates.size(); ++i) {
    if (Clock::now() >= deadline) return {archived, static_cast<int>(candidates.size() - i)};
    bool old_enough = false;
    {
      std::lock_guard lk(impl_->mu);
      auto it = impl_->jobs.find(candidates[i]);
      if (it == impl_->jobs.end()) continue;
      const Job& job = it->second->job;
      if (!IsFinalized(job.CalcStatus())) continue;
      std::optional<double> ts = TimestampSeconds(job.end_timestamp);
      if (!ts) ts = TimestampSeconds(job.start_timestamp);
      if (!ts) ts = TimestampSeconds(job.received_timestamp);
      old_enough = age_s < 0 || (ts && *ts < cutoff);
    }
    if (old_enough && Archive(candidates[i])) ++archived;
  }
  return {archived, 0};
}

json::array JobQueue::QueryJobs(const std::vector<JobId>& ids,
                                const std::vector<std::string>& fields) {
  CheckJobFields(fields);
  const bool whole = FieldsNeedWholeJob(fields);
  json::array rows;
  // Archived jobs, and stripped ones when the fields need them whole, are
  // read from their files once the lock is released.
  struct FromFile {
    size_t row;
    JobId id;
    bool live;  // a stripped live job, else one not in the queue
  };
  std::vector<FromFile> from_files;
  {
    std::lock_guard lk(impl_->mu);
    auto add = [&](JobId id, const JobEntry* e) {
      if (e && !(whole && e->job.stripped)) {
        rows.push_back(JobRow(e->job, fields));
      } else {
        from_files.push_back({rows.size(), id, e != nullptr});
        rows.push_back(nullptr);
      }
    };
    if (ids.empty()) {
      for (const auto& [id, e] : impl_->jobs) add(id, e.get());
    }
    for (JobId id : ids) {
      auto it = impl_->jobs.find(id);
      add(id, it == impl_->jobs.end() ? nullptr : it->second.get());
    }
  }
  for (const FromFile& f : from_files) {
    if (std::optional<Job> job = impl_->ReadJobFile(f.id, f.live))
      rows[f.row] = JobRow(*job, fields);
  }
  return rows;
}

void JobQueue::SetDrainFlag(bool drain) {
  impl_->storage.SetDrainFlag(drain);
  std::lock_guard lk(impl_->mu);
  impl_->drained = drain;
}

bool JobQueue::DrainFlag() const {
  std::lock_guard lk(impl_->mu);
  return impl_->drained;
}

}  // namespace herd::jobs
