// Tests of the job model: Ganeti's status rule, serialization, summaries and
// query fields.
#include "master/jobs/job.h"

#include <gtest/gtest.h>

#include "base/errors.h"
#include "master/jobs/job_query.h"
#include "master/jobs/op_summary.h"

namespace herd::jobs {
namespace {

json::object Op(std::string_view id) { return json::object{{"OP_ID", id}}; }

Job JobWithStatuses(std::initializer_list<Status> statuses) {
  Job job;
  for (Status s : statuses) {
    QueuedOpCode op;
    op.input = Op("OP_TEST_DELAY");
    op.status = s;
    job.ops.push_back(op);
  }
  return job;
}

TEST(JobTest, StatusFollowsGanetisRule) {
  using S = Status;
  EXPECT_EQ(JobWithStatuses({S::kQueued, S::kQueued}).CalcStatus(), S::kQueued);
  EXPECT_EQ(JobWithStatuses({S::kSuccess, S::kSuccess}).CalcStatus(), S::kSuccess);
  EXPECT_EQ(JobWithStatuses({S::kSuccess, S::kQueued}).CalcStatus(), S::kQueued);
  EXPECT_EQ(JobWithStatuses({S::kSuccess, S::kWaiting, S::kQueued}).CalcStatus(), S::kWaiting);
  EXPECT_EQ(JobWithStatuses({S::kSuccess, S::kRunning, S::kQueued}).CalcStatus(), S::kRunning);
  EXPECT_EQ(JobWithStatuses({S::kSuccess, S::kError, S::kError}).CalcStatus(), S::kError);
  EXPECT_EQ(JobWithStatuses({S::kCanceling, S::kCanceling}).CalcStatus(), S::kCanceling);
  EXPECT_EQ(JobWithStatuses({S::kCanceled, S::kCanceled}).CalcStatus(), S::kCanceled);
  EXPECT_EQ(JobWithStatuses({S::kRunning, S::kError}).CalcStatus(), S::kError);
}

TEST(JobTest, StatusNamesAreGanetis) {
  EXPECT_EQ(StatusName(Status::kCanceling), "canceling");
  EXPECT_EQ(ParseStatus("waiting"), Status::kWaiting);
  EXPECT_THROW(ParseStatus("waitlock"), GanetiError);
}

TEST(JobTest, NewJobValidatesAndRecordsReason) {
  EXPECT_THROW(Job::FromOpcodes(1, json::array{}), GanetiError);
  EXPECT_THROW(Job::FromOpcodes(1, json::array{42}), GanetiError);
  EXPECT_THROW(Job::FromOpcodes(1, json::array{json::object{{"x", 1}}}), GanetiError);
  json::object add = Op("OP_NODE_ADD");
  add["node_name"] = "node3";
  add["priority"] = -10;
  Job job = Job::FromOpcodes(7, json::array{add, Op("OP_TEST_DELAY")});
  EXPECT_EQ(job.CalcStatus(), Status::kQueued);
  EXPECT_EQ(job.CalcPriority(), -10);
  const json::array& reason = job.ops[1].input.at("reason").as_array();
  ASSERT_EQ(reason.size(), 1u);
  EXPECT_EQ(reason[0].as_array()[0], "gnt:opcode:test_delay");
  EXPECT_EQ(reason[0].as_array()[1], "job=7;index=1");
}

TEST(JobTest, SerializeRestoreRoundTrip) {
  Job job = Job::FromOpcodes(12, json::array{Op("OP_CLUSTER_VERIFY")});
  job.AppendLog(0, "message", "hello");
  job.AppendLog(0, "message", "world");
  job.ops[0].status = Status::kSuccess;
  job.ops[0].result = json::array{true};
  job.Finalize();
  json::object state = job.Serialize();
  for (const char* key : {"id", "ops", "received_timestamp", "start_timestamp", "end_timestamp"}) {
    EXPECT_TRUE(state.contains(key)) << key;
  }
  const json::object& op = state.at("ops").as_array()[0].as_object();
  for (const char* key : {"input", "status", "result", "log", "priority", "start_timestamp",
                          "exec_timestamp", "end_timestamp"}) {
    EXPECT_TRUE(op.contains(key)) << key;
  }
  Job back = Job::Restore(ParseJson(SerializeJson(state), "test"));
  EXPECT_EQ(back.id, 12);
  EXPECT_EQ(back.log_serial, 2);
  EXPECT_EQ(back.CalcStatus(), Status::kSuccess);
  EXPECT_EQ(json::value(back.Serialize()), json::value(state));
  EXPECT_EQ(back.LogEntriesAfter(1).size(), 1u);
  EXPECT_EQ(back.LogEntriesAfter(-1).size(), 2u);
}

TEST(JobTest, MarkUnfinishedOpsKeepsFinishedOnes) {
  Job job = JobWithStatuses({Status::kSuccess, Status::kRunning, Status::kQueued});
  job.MarkUnfinishedOps(Status::kError, "boom");
  EXPECT_EQ(job.ops[0].status, Status::kSuccess);
  EXPECT_EQ(job.ops[1].status, Status::kError);
  EXPECT_EQ(job.ops[2].result, "boom");
}

TEST(OpSummaryTest, NamesTheDescriptiveField) {
  json::object add = Op("OP_NODE_ADD");
  add["node_name"] = "node3";
  EXPECT_EQ(OpSummary(add), "NODE_ADD(node3)");
  json::object create = Op("OP_INSTANCE_CREATE");
  create["instance_name"] = "inst1";
  EXPECT_EQ(OpSummary(create), "INSTANCE_CREATE(inst1)");
  json::object delay = Op("OP_TEST_DELAY");
  delay["duration"] = 0.5;
  EXPECT_EQ(OpSummary(delay), "TEST_DELAY(500000000 ns)");
  EXPECT_EQ(OpSummary(Op("OP_CLUSTER_VERIFY")), "CLUSTER_VERIFY");
  EXPECT_EQ(OpSummary(json::object{}), "INVALID_OP");
}

TEST(JobQueryTest, FieldsAsGanetisJobQuery) {
  Job job = JobWithStatuses({Status::kSuccess, Status::kError});
  job.id = 3;
  job.ops[1].result = json::array{"OpExecError", json::array{"x"}};
  json::array row = JobRow(job, {"id", "status", "opstatus", "opresult", "summary", "end_ts",
                                 "archived", "priority", "oppriority"});
  EXPECT_EQ(row[0], 3);
  EXPECT_EQ(row[1], "error");
  EXPECT_EQ(row[2], (json::array{"success", "error"}));
  EXPECT_EQ(row[3].as_array()[1].as_array()[0], "OpExecError");
  EXPECT_EQ(row[4], (json::array{"TEST_DELAY", "TEST_DELAY"}));
  EXPECT_TRUE(row[5].is_null());
  EXPECT_EQ(row[6], false);
  EXPECT_EQ(row[7], 0);
  EXPECT_THROW(CheckJobFields({"id", "bogus"}), GanetiError);
}

}  // namespace
}  // namespace herd::jobs
