// Tests of JobQueue: execution order, failures, persistence across restarts
// (clean and unclean), archive, WaitForJobChange, cancel and concurrency.
#include "master/jobs/queue.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <future>
#include <mutex>
#include <thread>

#include "base/errors.h"
#include "base/files.h"
#include "base/json.h"

namespace herd::jobs {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

json::object Op(std::string_view id, int value = 0) {
  return json::object{{"OP_ID", id}, {"value", value}};
}

// Opens once; lets tests hold an executor at a known point.
class Gate {
 public:
  void Open() {
    std::lock_guard lk(mu_);
    open_ = true;
    cv_.notify_all();
  }
  void Wait() {
    std::unique_lock lk(mu_);
    cv_.wait(lk, [&] { return open_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

json::value Succeed(const json::object& input, OpContext& ctx) {
  ctx.NotifyStart();
  return input.at("value");
}

class JobQueueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "herd-jobs-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  // What a crash leaves behind: a copy of the queue directory as it is now.
  std::string CopyAsCrashed() const {
    const std::string crashed = dir_ + "/crashed";
    fs::create_directory(crashed);
    for (const auto& entry : fs::directory_iterator(dir_)) {
      if (entry.path() != crashed)
        fs::copy(entry.path(), crashed / entry.path().filename(), fs::copy_options::recursive);
    }
    return crashed;
  }

  // Polls the job's status until it is one of the final ones or 5 s pass.
  static std::string WaitFinished(JobQueue& q, JobId id) {
    std::string status;
    for (int i = 0; i < 5000; ++i) {
      json::array rows = q.QueryJobs({id}, {"status"});
      status = std::string(rows[0].as_array()[0].as_string());
      if (status == "success" || status == "error" || status == "canceled") break;
      std::this_thread::sleep_for(milliseconds(1));
    }
    return status;
  }
  static std::string StatusOf(JobQueue& q, JobId id) {
    return std::string(q.QueryJobs({id}, {"status"})[0].as_array()[0].as_string());
  }
  // Waits until the job reaches `status` (or 5 s pass).
  static bool WaitStatus(JobQueue& q, JobId id, std::string_view status) {
    for (int i = 0; i < 5000; ++i) {
      if (StatusOf(q, id) == status) return true;
      std::this_thread::sleep_for(milliseconds(1));
    }
    return false;
  }
  json::value JobFile(JobId id) const {
    return ParseJson(ReadFile(dir_ + "/job-" + std::to_string(id)), "job file");
  }

  std::string dir_;
};

TEST_F(JobQueueTest, RunsOpcodesInOrder) {
  std::mutex mu;
  std::vector<int> seen;
  JobQueue q(
      dir_,
      [&](const json::object& input, OpContext& ctx) -> json::value {
        ctx.NotifyStart();
        std::lock_guard lk(mu);
        seen.push_back(static_cast<int>(input.at("value").as_int64()));
        return json::array{input.at("value"), "done"};
      },
      2);
  JobId id =
      q.Submit(json::array{Op("OP_TEST_DELAY", 1), Op("OP_TEST_DELAY", 2), Op("OP_TEST_DELAY", 3)});
  EXPECT_GE(id, 1);
  ASSERT_EQ(WaitFinished(q, id), "success");
  EXPECT_EQ(seen, (std::vector<int>{1, 2, 3}));
  json::array row = q.QueryJobs({id}, {"opstatus", "opresult", "opstart", "opexec", "opend",
                                       "start_ts", "end_ts", "received_ts"})[0]
                        .as_array();
  EXPECT_EQ(row[0], (json::array{"success", "success", "success"}));
  EXPECT_EQ(row[1].as_array()[2], (json::array{3, "done"}));
  for (size_t i = 2; i < 5; ++i) {
    for (const json::value& ts : row[i].as_array()) EXPECT_TRUE(ts.is_array());
  }
  for (size_t i = 5; i < 8; ++i) EXPECT_TRUE(row[i].is_array());
  // The file on disk is the final state.
  q.Shutdown();
  const json::value file_json = JobFile(id);
  const json::object& file = file_json.as_object();
  EXPECT_EQ(file.at("id"), id);
  EXPECT_EQ(file.at("ops").as_array()[2].as_object().at("status"), "success");
  EXPECT_TRUE(file.at("end_timestamp").is_array());
}

TEST_F(JobQueueTest, FailureMarksRemainingOpcodes) {
  JobQueue q(
      dir_,
      [](const json::object& input, OpContext& ctx) -> json::value {
        ctx.NotifyStart();
        if (input.at("value") == 2) throw OpPrereqError("Instance 'x' not known", kEcodeNoEnt);
        if (input.at("value") == 5) throw std::runtime_error("plain failure");
        return true;
      },
      1);
  JobId id = q.Submit(json::array{Op("OP_A", 1), Op("OP_B", 2), Op("OP_C", 3)});
  ASSERT_EQ(WaitFinished(q, id), "error");
  json::array row = q.QueryJobs({id}, {"opstatus", "opresult"})[0].as_array();
  EXPECT_EQ(row[0], (json::array{"success", "error", "error"}));
  EXPECT_EQ(
      row[1].as_array()[1],
      (json::array{"OpPrereqError", json::array{"Instance 'x' not known", "unknown_entity"}}));
  EXPECT_EQ(row[1].as_array()[2],
            (json::array{"OpExecError", json::array{"Preceding opcode failed"}}));

  JobId other = q.Submit(json::array{Op("OP_D", 5)});
  ASSERT_EQ(WaitFinished(q, other), "error");
  EXPECT_EQ(q.QueryJobs({other}, {"opresult"})[0].as_array()[0].as_array()[0],
            (json::array{"OpExecError", json::array{"plain failure"}}));
}

TEST_F(JobQueueTest, QueuedJobsSurviveARestart) {
  std::vector<JobId> ids;
  {
    JobQueue q(dir_, Succeed, 0);
    for (int i = 0; i < 5; ++i) ids.push_back(q.Submit(json::array{Op("OP_X", i)}));
  }
  for (JobId id : ids) {
    EXPECT_EQ(JobFile(id).as_object().at("ops").as_array()[0].as_object().at("status"), "queued");
  }
  EXPECT_EQ(std::stoll(ReadFile(dir_ + "/serial")), ids.back());
  JobQueue q(dir_, Succeed, 2);
  for (JobId id : ids) EXPECT_EQ(WaitFinished(q, id), "success");
  EXPECT_GT(q.Submit(json::array{Op("OP_X")}), ids.back());
}

TEST_F(JobQueueTest, UncleanShutdownFailsRunningAndRestartsWaiting) {
  Gate release;
  std::promise<void> running_started, waiting_started;
  auto executor = [&](const json::object& input, OpContext& ctx) -> json::value {
    if (input.at("value") == 1) {
      ctx.NotifyStart();
      running_started.set_value();
      release.Wait();
    } else if (input.at("value") == 2) {
      waiting_started.set_value();  // still "waiting for locks"
      release.Wait();
    }
    return nullptr;
  };
  JobQueue live(dir_, executor, 2);
  JobId running = live.Submit(json::array{Op("OP_A", 1), Op("OP_A", 3)});
  running_started.get_future().wait();
  JobId waiting = live.Submit(json::array{Op("OP_B", 2)});
  waiting_started.get_future().wait();
  JobId queued = live.Submit(json::array{Op("OP_C", 4)});
  ASSERT_EQ(StatusOf(live, running), "running");
  ASSERT_EQ(StatusOf(live, waiting), "waiting");

  const std::string crashed = CopyAsCrashed();
  release.Open();

  JobQueue restarted(crashed, Succeed, 0);
  json::array rows =
      restarted.QueryJobs({running, waiting, queued}, {"status", "opstatus", "opresult"});
  EXPECT_EQ(rows[0].as_array()[0], "error");
  EXPECT_EQ(rows[0].as_array()[1], (json::array{"error", "error"}));
  EXPECT_EQ(rows[0].as_array()[2].as_array()[0],
            (json::array{"OpExecError", json::array{"Unclean master daemon shutdown"}}));
  EXPECT_EQ(rows[1].as_array()[0], "queued");
  EXPECT_EQ(rows[2].as_array()[0], "queued");
  EXPECT_EQ(restarted.QueryJobs({}, {"id"}).size(), 3u);
}

// An opcode that committed its config change before the crash succeeded: the
// job says so and goes on with its next opcode; one that did not is failed.
TEST_F(JobQueueTest, UncleanShutdownAfterACommitReportsTheOpcodeAsSucceeded) {
  Gate release;
  std::promise<void> both_running;
  std::atomic<int> started{0};
  auto executor = [&](const json::object& input, OpContext& ctx) -> json::value {
    ctx.NotifyStart();
    if (++started == 2) both_running.set_value();
    release.Wait();
    return nullptr;
  };
  JobQueue live(dir_, executor, 2);
  JobId committed = live.Submit(json::array{Op("OP_A", 1), Op("OP_A", 2)});
  JobId uncommitted = live.Submit(json::array{Op("OP_B", 3)});
  both_running.get_future().wait();
  const std::string crashed = CopyAsCrashed();
  release.Open();

  std::vector<int> ran;
  auto record = [&](const json::object& input, OpContext&) -> json::value {
    ran.push_back(static_cast<int>(input.at("value").as_int64()));
    return nullptr;
  };
  JobQueue restarted(crashed, record, 1, {},
                     [&](JobId job, int op_index) { return job == committed && op_index == 0; });
  EXPECT_EQ(WaitFinished(restarted, committed), "success");
  json::array rows = restarted.QueryJobs({committed, uncommitted}, {"status", "opstatus", "oplog"});
  EXPECT_EQ(rows[0].as_array()[1], (json::array{"success", "success"}));
  EXPECT_NE(SerializeJson(rows[0].as_array()[2]).find("committed its configuration change"),
            std::string::npos);
  EXPECT_EQ(rows[1].as_array()[0], "error");
  EXPECT_EQ(ran, std::vector<int>{2});  // only the opcode after the committed one ran
}

// A master candidate's copy of the queue may lag: a job it holds as queued or
// waiting may have run and committed its change. The commit tags tell.
TEST_F(JobQueueTest, ALaggingCopyOfACommittedOpcodeReportsItAsSucceeded) {
  JobId waiting = 0, queued = 0, untouched = 0;
  {
    Gate release;
    std::promise<void> waiting_started;
    auto executor = [&](const json::object& input, OpContext&) -> json::value {
      if (input.at("value") == 1) {
        waiting_started.set_value();  // still "waiting for locks"
        release.Wait();
      }
      return nullptr;
    };
    JobQueue live(dir_, executor, 1);
    waiting = live.Submit(json::array{Op("OP_A", 1)});
    waiting_started.get_future().wait();
    queued = live.Submit(json::array{Op("OP_B", 2), Op("OP_B", 3)});
    untouched = live.Submit(json::array{Op("OP_C", 4)});
    const std::string copy = CopyAsCrashed();
    release.Open();
    std::vector<int> ran;
    auto record = [&](const json::object& input, OpContext&) -> json::value {
      ran.push_back(static_cast<int>(input.at("value").as_int64()));
      return nullptr;
    };
    // The copy's jobs had in truth run on: the first opcode of each of the
    // first two committed its change.
    JobQueue taken_over(copy, record, 1, {}, [&](JobId job, int op_index) {
      return (job == waiting || job == queued) && op_index == 0;
    });
    EXPECT_EQ(WaitFinished(taken_over, waiting), "success");
    EXPECT_EQ(WaitFinished(taken_over, queued), "success");
    EXPECT_EQ(WaitFinished(taken_over, untouched), "success");
    json::array rows = taken_over.QueryJobs({waiting, queued}, {"opstatus", "oplog"});
    EXPECT_NE(SerializeJson(rows[0].as_array()[1]).find("committed its configuration change"),
              std::string::npos);
    EXPECT_EQ(rows[1].as_array()[0], (json::array{"success", "success"}));
    std::sort(ran.begin(), ran.end());
    EXPECT_EQ(ran, (std::vector<int>{3, 4}));  // only what had not run
  }
}

TEST_F(JobQueueTest, ShutdownLeavesUnstartedOpcodesForTheNextStart) {
  Gate release;
  std::promise<void> started;
  std::atomic<int> first_runs{0};
  JobId id;
  {
    JobQueue q(
        dir_,
        [&](const json::object& input, OpContext& ctx) -> json::value {
          ctx.NotifyStart();
          if (input.at("value") == 1) {
            ++first_runs;
            started.set_value();
            release.Wait();
          }
          return input.at("value");
        },
        1);
    id = q.Submit(json::array{Op("OP_A", 1), Op("OP_A", 2)});
    started.get_future().wait();
    std::thread stopper([&] { q.Shutdown(); });
    std::this_thread::sleep_for(milliseconds(20));
    release.Open();
    stopper.join();
    EXPECT_EQ(StatusOf(q, id), "queued");
  }
  JobQueue q(dir_, Succeed, 1);
  ASSERT_EQ(WaitFinished(q, id), "success");
  EXPECT_EQ(first_runs.load(), 1);
  EXPECT_EQ(q.QueryJobs({id}, {"opresult"})[0].as_array()[0], (json::array{1, 2}));
}

TEST_F(JobQueueTest, ArchiveMovesTheFile) {
  WriteFileAtomic(dir_ + "/serial", "12344\n");
  JobQueue q(dir_, Succeed, 1);
  JobId id = q.Submit(json::array{Op("OP_A")});
  EXPECT_EQ(id, 12345);
  ASSERT_EQ(WaitFinished(q, id), "success");
  EXPECT_TRUE(q.Archive(id));
  EXPECT_FALSE(FileExists(dir_ + "/job-12345"));
  EXPECT_TRUE(FileExists(dir_ + "/archive/1/job-12345"));
  EXPECT_FALSE(q.Archive(id));
  EXPECT_FALSE(q.Archive(999));
  json::array row = q.QueryJobs({id}, {"id", "status", "archived"})[0].as_array();
  EXPECT_EQ(row, (json::array{id, "success", true}));
  EXPECT_TRUE(q.QueryJobs({}, {"id"}).empty());
}

TEST_F(JobQueueTest, OnlyFinishedJobsAreArchived) {
  JobQueue q(dir_, Succeed, 0);
  JobId id = q.Submit(json::array{Op("OP_A")});
  EXPECT_FALSE(q.Archive(id));
  EXPECT_EQ(q.AutoArchive(-1, 10), std::make_pair(0, 0));
  EXPECT_TRUE(FileExists(dir_ + "/job-" + std::to_string(id)));
}

TEST_F(JobQueueTest, AutoArchiveHonoursAge) {
  JobQueue q(dir_, Succeed, 2);
  std::vector<JobId> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(q.Submit(json::array{Op("OP_A")}));
  for (JobId id : ids) ASSERT_EQ(WaitFinished(q, id), "success");
  EXPECT_EQ(q.AutoArchive(3600, 10), std::make_pair(0, 0));
  EXPECT_EQ(q.AutoArchive(-1, 10), std::make_pair(3, 0));
  for (JobId id : ids) {
    EXPECT_TRUE(FileExists(dir_ + "/archive/0/job-" + std::to_string(id)));
  }
}

// Progress right after a status write stays in memory (clients read it
// there); the job's next status write carries it to the file, and progress
// after a quiet second is written on its own.
TEST_F(JobQueueTest, ProgressReachesTheFileAtMostOnceASecond) {
  size_t logs_after_burst = 99, logs_after_pause = 99;
  auto logs_on_disk = [&](JobId id) {
    return JobFile(id).at("ops").at(0).at("log").as_array().size();
  };
  JobQueue q(
      dir_,
      [&](const json::object&, OpContext& ctx) -> json::value {
        ctx.NotifyStart();
        ctx.Feedback("one");
        ctx.Feedback("two");
        logs_after_burst = logs_on_disk(ctx.job_id);
        std::this_thread::sleep_for(milliseconds(1100));
        ctx.Feedback("three");
        logs_after_pause = logs_on_disk(ctx.job_id);
        return true;
      },
      1);
  const JobId id = q.Submit(json::array{Op("OP_A")});
  ASSERT_EQ(WaitFinished(q, id), "success");
  EXPECT_EQ(logs_after_burst, 0u);
  EXPECT_EQ(logs_after_pause, 3u);
  EXPECT_EQ(logs_on_disk(id), 3u);
}

TEST_F(JobQueueTest, WaitForJobChangeReturnsOnChangeAndTimesOut) {
  Gate go, finish;
  JobQueue q(
      dir_,
      [&](const json::object&, OpContext& ctx) -> json::value {
        go.Wait();
        ctx.NotifyStart();
        ctx.Feedback("hello");
        finish.Wait();
        return true;
      },
      1);
  JobId id = q.Submit(json::array{Op("OP_A")});
  const json::array fields{"status"};

  json::value first = q.WaitForJobChange(id, fields, nullptr, -1, 1.0);
  ASSERT_TRUE(first.is_array());
  json::value info = first.as_array()[0];
  EXPECT_TRUE(info == json::array{"queued"} || info == json::array{"waiting"});

  // Same view as before and nothing new: "nochange" after the timeout.
  if (info != json::array{"waiting"}) {
    ASSERT_TRUE(WaitStatus(q, id, "waiting"));
    info = json::array{"waiting"};
  }
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(q.WaitForJobChange(id, fields, info, -1, 0.2), "nochange");
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(190));

  // A change wakes the waiter well before its timeout.
  auto waiter = std::async(std::launch::async,
                           [&] { return q.WaitForJobChange(id, fields, info, -1, 30.0); });
  std::this_thread::sleep_for(milliseconds(20));
  start = std::chrono::steady_clock::now();
  go.Open();
  json::value changed = waiter.get();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  ASSERT_TRUE(changed.is_array());

  // Log entries arrive as [serial, timestamp, type, message].
  json::value prev = changed.as_array()[0];
  int64_t serial = -1;
  json::array logs;
  for (int i = 0; i < 100 && logs.empty(); ++i) {
    json::value r = q.WaitForJobChange(id, fields, prev, serial, 1.0);
    if (!r.is_array()) continue;
    prev = r.as_array()[0];
    logs = r.as_array()[1].as_array();
  }
  ASSERT_EQ(logs.size(), 1u);
  const json::array& entry = logs[0].as_array();
  EXPECT_EQ(entry[0], 1);
  EXPECT_TRUE(entry[1].is_array());
  EXPECT_EQ(entry[2], "message");
  EXPECT_EQ(entry[3], "hello");
  EXPECT_EQ(q.WaitForJobChange(id, fields, prev, 1, 0.05), "nochange");

  finish.Open();
  ASSERT_EQ(WaitFinished(q, id), "success");
  // A finished job answers at once, even when nothing changed.
  json::value done = q.WaitForJobChange(id, fields, json::array{"success"}, 1, 30.0);
  EXPECT_EQ(done, (json::array{json::array{"success"}, json::array{}}));
  EXPECT_TRUE(q.WaitForJobChange(4242, fields, nullptr, -1, 1.0).is_null());
  EXPECT_THROW(q.WaitForJobChange(id, json::array{"nope"}, nullptr, -1, 1.0), GanetiError);
}

// WaitForJobChange tells a job's outcome once the job's file holds it (and
// the copies of the master candidates are on their way), not before.
TEST_F(JobQueueTest, AnOutcomeIsToldOnceTheJobFileHoldsIt) {
  Gate gate;
  std::atomic<bool> holding{false};
  JobQueue q(dir_, Succeed, 1, [&](const std::string& name, const std::string& contents, bool) {
    if (name == "job-1" && contents.find("\"success\"") != std::string::npos) {
      holding = true;
      gate.Wait();  // the final state's write is not over yet
    }
  });
  const JobId id = q.Submit(json::array{Op("OP_A", 1)});
  ASSERT_EQ(id, 1);
  for (int i = 0; i < 5000 && !holding; ++i) std::this_thread::sleep_for(milliseconds(1));
  ASSERT_TRUE(holding);
  EXPECT_EQ(q.WaitForJobChange(id, json::array{"status"}, nullptr, -1, 0.3), "nochange");
  std::thread open_later([&] {
    std::this_thread::sleep_for(milliseconds(100));
    gate.Open();
  });
  json::value change = q.WaitForJobChange(id, json::array{"status"}, nullptr, -1, 5);
  open_later.join();
  EXPECT_EQ(change.as_array()[0], json::array{"success"});
}

TEST_F(JobQueueTest, CancelQueuedJob) {
  JobId id;
  {
    JobQueue q(dir_, Succeed, 0);
    id = q.Submit(json::array{Op("OP_A"), Op("OP_B")});
    auto [ok, msg] = q.Cancel(id);
    EXPECT_TRUE(ok);
    EXPECT_EQ(msg, "Job " + std::to_string(id) + " canceled");
    EXPECT_FALSE(q.Cancel(id).first);
    EXPECT_FALSE(q.Cancel(777).first);
  }
  JobQueue q(dir_, Succeed, 1);
  json::array row = q.QueryJobs({id}, {"status", "opstatus", "opresult", "end_ts"})[0].as_array();
  EXPECT_EQ(row[0], "canceled");
  EXPECT_EQ(row[1], (json::array{"canceled", "canceled"}));
  EXPECT_EQ(row[2].as_array()[0], "Job canceled by request");
  EXPECT_TRUE(row[3].is_array());
}

TEST_F(JobQueueTest, CancelWaitingJobStopsItButNotARunningOne) {
  std::promise<void> waiting;
  Gate run;
  JobQueue q(
      dir_,
      [&](const json::object& input, OpContext& ctx) -> json::value {
        if (input.at("value") == 1) {
          waiting.set_value();
          // Waiting for locks, as a logical unit would, until canceled.
          while (!ctx.CancelRequested()) std::this_thread::sleep_for(milliseconds(1));
          ctx.NotifyStart();  // throws OpCanceled
          return "not reached";
        }
        ctx.NotifyStart();
        run.Wait();
        return true;
      },
      2);
  JobId id = q.Submit(json::array{Op("OP_A", 1), Op("OP_B", 0)});
  waiting.get_future().wait();
  auto [ok, msg] = q.Cancel(id);
  EXPECT_TRUE(ok);
  EXPECT_EQ(msg, "Job " + std::to_string(id) + " will be canceled");
  ASSERT_EQ(WaitFinished(q, id), "canceled");
  EXPECT_EQ(q.QueryJobs({id}, {"opstatus"})[0].as_array()[0],
            (json::array{"canceled", "canceled"}));

  JobId busy = q.Submit(json::array{Op("OP_C", 2)});
  ASSERT_TRUE(WaitStatus(q, busy, "running"));
  EXPECT_FALSE(q.Cancel(busy).first);
  run.Open();
  EXPECT_EQ(WaitFinished(q, busy), "success");
}

TEST_F(JobQueueTest, DrainedQueueRefusesJobs) {
  {
    JobQueue q(dir_, Succeed, 0);
    q.SetDrainFlag(true);
    try {
      q.Submit(json::array{Op("OP_A")});
      ADD_FAILURE() << "drained queue accepted a job";
    } catch (const GanetiError& e) {
      EXPECT_EQ(e.error_class(), "JobQueueDrainError");
    }
    EXPECT_THROW(q.SubmitMany(json::array{json::array{Op("OP_A")}}), GanetiError);
  }
  JobQueue q(dir_, Succeed, 0);
  EXPECT_TRUE(q.DrainFlag());
  q.SetDrainFlag(false);
  EXPECT_NO_THROW(q.Submit(json::array{Op("OP_A")}));
}

TEST_F(JobQueueTest, RefusesAnUnknownQueueVersion) {
  WriteFileAtomic(dir_ + "/version", "2\n");
  EXPECT_THROW(JobQueue(dir_, Succeed, 0), GanetiError);
}

TEST_F(JobQueueTest, SubmitManyGivesConsecutiveIdsAndRefusesAnInvalidJobWhole) {
  JobQueue q(dir_, Succeed, 1);
  json::array answer =
      q.SubmitMany(json::array{json::array{Op("OP_A", 1)}, json::array{Op("OP_B", 2)}});
  ASSERT_EQ(answer.size(), 2u);
  EXPECT_EQ(answer[0].as_array()[0], true);
  EXPECT_EQ(answer[1].as_array()[0], true);
  const JobId a = answer[0].as_array()[1].as_int64();
  const JobId b = answer[1].as_array()[1].as_int64();
  EXPECT_EQ(b, a + 1);
  EXPECT_EQ(WaitFinished(q, a), "success");
  EXPECT_EQ(WaitFinished(q, b), "success");
  for (const json::value& bad : {json::value(json::array{}), json::value(42)}) {
    EXPECT_THROW(q.SubmitMany(json::array{json::array{Op("OP_A", 1)}, bad}), GanetiError);
  }
  // Nothing of a refused call was queued.
  EXPECT_EQ(q.QueryJobs({}, {"id"}).size(), 2u);
  EXPECT_THROW(q.Submit(json::array{}), GanetiError);
  EXPECT_THROW(q.Submit(json::array{json::object{{"no", "id"}}}), GanetiError);
}

TEST_F(JobQueueTest, OnlyTheThreeSubmitPrioritiesAreAccepted) {
  JobQueue q(dir_, Succeed, 0);
  for (int priority : {-10, 0, 10}) {
    json::object op = Op("OP_A");
    op["priority"] = priority;
    EXPECT_NO_THROW(q.Submit(json::array{op}));
  }
  for (int priority : {-20, -11, -9, 1, 9, 11, 19}) {
    json::object op = Op("OP_A");
    op["priority"] = priority;
    EXPECT_THROW(q.Submit(json::array{op}), GanetiError) << priority;
    EXPECT_THROW(q.SubmitMany(json::array{json::array{Op("OP_B")}, json::array{op}}), GanetiError);
  }
  EXPECT_EQ(q.QueryJobs({}, {"id"}).size(), 3u);
}

json::object DependentOp(std::string_view id, int64_t on, json::array statuses = {}) {
  json::object op = Op(id);
  op["depends"] = json::array{json::array{on, std::move(statuses)}};
  return op;
}

TEST_F(JobQueueTest, ChangePriorityReordersQueuedJobsAndRefusesFinishedOnes) {
  std::mutex mu;
  std::vector<int> order;
  Gate gate;
  auto exec = [&](const json::object& input, OpContext& ctx) -> json::value {
    ctx.NotifyStart();
    const int value = static_cast<int>(input.at("value").as_int64());
    if (value == 0) gate.Wait();
    std::lock_guard lk(mu);
    order.push_back(value);
    return nullptr;
  };
  JobQueue q(dir_, exec, 1);
  const JobId blocker = q.Submit(json::array{Op("OP_A", 0)});
  for (int i = 0; i < 500 && q.QueryJobs({blocker}, {"status"})[0].as_array()[0] != "running";
       ++i) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  const JobId first = q.Submit(json::array{Op("OP_A", 1)});
  const JobId second = q.Submit(json::array{Op("OP_A", 2)});
  auto [ok, message] = q.ChangePriority(second, -10);
  EXPECT_TRUE(ok) << message;
  EXPECT_EQ(message, "Priorities of pending opcodes for job " + std::to_string(second) +
                         " have been changed to -10");
  EXPECT_EQ(q.QueryJobs({second}, {"priority"})[0].as_array()[0], -10);
  gate.Open();
  EXPECT_EQ(WaitFinished(q, first), "success");
  EXPECT_EQ(WaitFinished(q, second), "success");
  EXPECT_EQ(WaitFinished(q, blocker), "success");
  {
    std::lock_guard lk(mu);
    EXPECT_EQ(order, (std::vector<int>{0, 2, 1}));
  }
  EXPECT_FALSE(q.ChangePriority(first, 10).first);
  EXPECT_FALSE(q.ChangePriority(9999, 10).first);
}

TEST_F(JobQueueTest, MalformedDependenciesAreRefused) {
  JobQueue q(dir_, Succeed, 0);
  json::object none_statuses = Op("OP_A");
  none_statuses["depends"] = json::array{json::array{-1, nullptr}};
  EXPECT_THROW(q.Submit(json::array{none_statuses}), GanetiError);
  EXPECT_THROW(q.Submit(json::array{DependentOp("OP_A", 1, {"running"})}), GanetiError);
  json::object not_pairs = Op("OP_A");
  not_pairs["depends"] = json::array{7};
  EXPECT_THROW(q.Submit(json::array{not_pairs}), GanetiError);
}

TEST_F(JobQueueTest, DependentJobsWaitWithoutAWorkerAndRunInOrder) {
  Gate gate;
  std::mutex mu;
  std::vector<std::string> order;
  auto exec = [&](const json::object& input, OpContext& ctx) -> json::value {
    ctx.NotifyStart();
    const std::string id(input.at("OP_ID").as_string());
    if (id == "OP_FIRST") gate.Wait();
    std::lock_guard lk(mu);
    order.push_back(id);
    return nullptr;
  };
  // OP_FIRST holds one worker; blocked jobs must not hold the other, or
  // OP_OTHER never runs.
  JobQueue q(dir_, exec, 2);
  json::array answer = q.SubmitMany(json::array{
      json::array{Op("OP_FIRST")}, json::array{DependentOp("OP_SECOND", -1)},
      json::array{DependentOp("OP_THIRD", -2, {"success"})}, json::array{Op("OP_OTHER")}});
  const JobId first = answer[0].as_array()[1].as_int64();
  const JobId second = answer[1].as_array()[1].as_int64();
  const JobId third = answer[2].as_array()[1].as_int64();
  EXPECT_EQ(WaitFinished(q, answer[3].as_array()[1].as_int64()), "success");
  EXPECT_EQ(q.QueryJobs({second}, {"status"})[0].as_array()[0], "waiting");
  // Relative ids are stored resolved.
  const auto ops = q.QueryJobs({third}, {"ops"})[0].as_array()[0].as_array();
  EXPECT_EQ(ops[0].as_object().at("depends"), (json::array{json::array{first, {"success"}}}));
  gate.Open();
  EXPECT_EQ(WaitFinished(q, second), "success");
  EXPECT_EQ(WaitFinished(q, third), "success");
  std::lock_guard lk(mu);
  ASSERT_EQ(order.size(), 4u);
  EXPECT_EQ(order[0], "OP_OTHER");
  EXPECT_EQ(order[1], "OP_FIRST");
}

TEST_F(JobQueueTest, AnUnwantedDependencyStatusFailsOrCancelsTheJob) {
  auto exec = [](const json::object& input, OpContext& ctx) -> json::value {
    ctx.NotifyStart();
    if (input.at("OP_ID") == "OP_FAIL") throw OpExecError("requested");
    return nullptr;
  };
  JobQueue q(dir_, exec, 1);
  const JobId failed = q.Submit(json::array{Op("OP_FAIL")});
  EXPECT_EQ(WaitFinished(q, failed), "error");
  const JobId wants_success = q.Submit(json::array{DependentOp("OP_A", failed, {"success"})});
  EXPECT_EQ(WaitFinished(q, wants_success), "error");
  const auto result = q.QueryJobs({wants_success}, {"opresult"})[0].as_array()[0].as_array()[0];
  EXPECT_NE(SerializeJson(result).find("Dependency job " + std::to_string(failed) +
                                       " finished with status 'error', not one of 'success'"),
            std::string::npos)
      << SerializeJson(result);
  const JobId accepts_error =
      q.Submit(json::array{DependentOp("OP_A", failed, {"success", "error"})});
  EXPECT_EQ(WaitFinished(q, accepts_error), "success");
  const JobId unknown = q.Submit(json::array{DependentOp("OP_A", 9999)});
  EXPECT_EQ(WaitFinished(q, unknown), "error");
  EXPECT_NE(SerializeJson(q.QueryJobs({unknown}, {"opresult"})[0])
                .find("Dependency error: Job 9999 not found"),
            std::string::npos);
}

TEST_F(JobQueueTest, ABlockedJobCancelsAtOnceAndItsCancelPropagates) {
  Gate gate;
  auto exec = [&](const json::object& input, OpContext& ctx) -> json::value {
    ctx.NotifyStart();
    if (input.at("OP_ID") == "OP_SLOW") gate.Wait();
    return nullptr;
  };
  JobQueue q(dir_, exec, 2);
  const JobId slow = q.Submit(json::array{Op("OP_SLOW")});
  const JobId blocked = q.Submit(json::array{DependentOp("OP_A", slow)});
  const JobId on_blocked = q.Submit(json::array{DependentOp("OP_A", blocked, {"success"})});
  const JobId tolerant = q.Submit(json::array{DependentOp("OP_A", blocked, {"canceled"})});
  for (int i = 0; i < 500 && q.QueryJobs({blocked}, {"status"})[0].as_array()[0] != "waiting";
       ++i) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  ASSERT_EQ(q.QueryJobs({blocked}, {"status"})[0].as_array()[0], "waiting");
  EXPECT_EQ(q.Cancel(blocked),
            std::make_pair(true, "Job " + std::to_string(blocked) + " canceled"));
  EXPECT_EQ(WaitFinished(q, blocked), "canceled");
  gate.Open();
  EXPECT_EQ(WaitFinished(q, slow), "success");
  EXPECT_EQ(WaitFinished(q, on_blocked), "canceled");
  EXPECT_EQ(WaitFinished(q, tolerant), "success");
}

TEST_F(JobQueueTest, QueryJobsFieldsAndUnknownIds) {
  JobQueue q(dir_, Succeed, 0);
  json::object add{{"OP_ID", "OP_NODE_ADD"}, {"node_name", "node3"}};
  JobId id = q.Submit(json::array{add});
  json::array rows = q.QueryJobs({id, 999}, {"id", "summary", "status", "priority"});
  EXPECT_EQ(rows[0], (json::array{id, json::array{"NODE_ADD(node3)"}, "queued", 0}));
  EXPECT_TRUE(rows[1].is_null());
  EXPECT_THROW(q.QueryJobs({}, {"id", "colour"}), GanetiError);
}

// Older finished jobs keep only their statuses and summaries in memory; a
// query that needs the rest reads it from their files, before and after a
// restart, and gets what the jobs ended with.
TEST_F(JobQueueTest, OldFinishedJobsAnswerWholeFromTheirFiles) {
  auto node_add = [](int i) {
    return json::object{
        {"OP_ID", "OP_NODE_ADD"}, {"node_name", "node" + std::to_string(i)}, {"value", i}};
  };
  auto check_rows = [&](JobQueue& q, const std::vector<JobId>& ids) {
    json::array rows =
        q.QueryJobs({}, {"id", "status", "summary", "ops", "opresult", "oplog", "end_ts"});
    ASSERT_EQ(rows.size(), ids.size());
    for (size_t i = 0; i < ids.size(); ++i) {
      const json::array& row = rows[i].as_array();
      const std::string node = "node" + std::to_string(i);
      EXPECT_EQ(row[0], ids[i]);
      EXPECT_EQ(row[1], "success");
      EXPECT_EQ(row[2], json::array{json::string("NODE_ADD(" + node + ")")});
      EXPECT_EQ(row[3].as_array()[0].as_object().at("node_name"), json::string(node));
      EXPECT_EQ(row[4], (json::array{json::array{static_cast<int>(i), "added"}}));
      const json::array& log = row[5].as_array()[0].as_array();
      ASSERT_EQ(log.size(), 1u) << "job " << ids[i];
      EXPECT_EQ(log[0].as_array()[3], json::string("adding " + node));
      EXPECT_TRUE(row[6].is_array());
    }
  };
  std::vector<JobId> ids;
  {
    JobQueue q(
        dir_,
        [](const json::object& input, OpContext& ctx) -> json::value {
          ctx.NotifyStart();
          ctx.Feedback("adding " + std::string(input.at("node_name").as_string()));
          return json::array{input.at("value"), "added"};
        },
        2);
    json::array many;
    for (int i = 0; i < 600; ++i) many.push_back(json::array{node_add(i)});
    for (const json::value& answer : q.SubmitMany(many))
      ids.push_back(answer.as_array()[1].as_int64());
    for (JobId id : ids) ASSERT_EQ(WaitFinished(q, id), "success");
    check_rows(q, ids);
    // A finished job's wait answers at once, with its log.
    json::value change = q.WaitForJobChange(ids[0], json::array{"status"}, nullptr, -1, 5);
    EXPECT_EQ(change.as_array()[0], json::array{"success"});
    EXPECT_EQ(change.as_array()[1].as_array().size(), 1u);
    // Memory no longer holds the oldest job's result: its file answers.
    json::value file = JobFile(ids[0]);
    file.as_object()["ops"].as_array()[0].as_object()["result"] = "from the file";
    WriteFileAtomic(dir_ + "/job-" + std::to_string(ids[0]), SerializeJson(file), 0644, true);
    EXPECT_EQ(q.QueryJobs({ids[0]}, {"opresult"})[0], (json::array{json::array{"from the file"}}));
    file.as_object()["ops"].as_array()[0].as_object()["result"] = json::array{0, "added"};
    WriteFileAtomic(dir_ + "/job-" + std::to_string(ids[0]), SerializeJson(file), 0644, true);
  }
  JobQueue restarted(dir_, Succeed, 0);
  check_rows(restarted, ids);
  // Archived meanwhile: the archive answers.
  ASSERT_TRUE(restarted.Archive(ids[1]));
  EXPECT_EQ(restarted.QueryJobs({ids[1]}, {"archived", "opresult"})[0],
            (json::array{true, json::array{json::array{1, "added"}}}));
}

TEST_F(JobQueueTest, HundredJobsOnFourWorkers) {
  std::atomic<int> active{0}, peak{0}, runs{0};
  JobQueue q(
      dir_,
      [&](const json::object& input, OpContext& ctx) -> json::value {
        ctx.NotifyStart();
        int now = ++active;
        int seen = peak.load();
        while (now > seen && !peak.compare_exchange_weak(seen, now)) {
        }
        std::this_thread::sleep_for(milliseconds(2));
        --active;
        ++runs;
        return input.at("value");
      },
      4);
  auto start = std::chrono::steady_clock::now();
  // Half submitted one by one, half in one SubmitMany call (all ready at once).
  std::vector<JobId> ids;
  for (int i = 0; i < 50; ++i) ids.push_back(q.Submit(json::array{Op("OP_A", i)}));
  json::array many;
  for (int i = 50; i < 100; ++i) many.push_back(json::array{Op("OP_A", i)});
  for (const json::value& answer : q.SubmitMany(many)) {
    ASSERT_EQ(answer.as_array()[0], true);
    ids.push_back(answer.as_array()[1].as_int64());
  }
  for (JobId id : ids) ASSERT_EQ(WaitFinished(q, id), "success");
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(runs.load(), 100);
  EXPECT_GT(peak.load(), 1);
  EXPECT_LE(peak.load(), 4);
  EXPECT_EQ(q.QueryJobs(ids, {"opresult"})[99], (json::array{json::array{99}}));
  EXPECT_EQ(q.QueryJobs({}, {"id"}).size(), 100u);
  std::printf("100 jobs on 4 workers: %lld ms, peak concurrency %d\n",
              static_cast<long long>(std::chrono::duration_cast<milliseconds>(elapsed).count()),
              peak.load());
}

}  // namespace
}  // namespace herd::jobs
