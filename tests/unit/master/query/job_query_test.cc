// The "job" resource of LUXI Query: over finished jobs whose opcodes,
// results and logs the queue keeps only in their files, fields and filters
// give what the jobs ended with.
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <thread>

#include "base/files.h"
#include "master/config/config_store.h"
#include "master/jobs/queue.h"
#include "master/locking/lock_manager.h"
#include "master/query/resource_queries.h"
#include "no_node_calls.h"
#include "test_config.h"

namespace herd::master {
namespace {

using testing_support::NoNodeCalls;

TEST(JobResourceQueryTest, FieldsAndFiltersOfJobsFinishedLongAgo) {
  const auto base =
      std::filesystem::temp_directory_path() / ("herd-jobquery-" + std::to_string(getpid()));
  std::filesystem::remove_all(base);
  Paths paths((base / "node1").string(), "node1");
  MakeDirs(paths.DataDir());
  ConfigStore::WriteInitial(paths, testconfig::OneNodeCluster());
  ConfigStore store(paths);
  jobs::JobQueue queue((base / "queue").string(),
                       [](const json::object& input, jobs::OpContext& ctx) -> json::value {
                         ctx.NotifyStart();
                         return input.at("value");
                       },
                       2);
  // More than the queue keeps whole in memory.
  json::array many;
  for (int i = 0; i < 400; ++i) {
    many.push_back(json::array{json::object{{"OP_ID", "OP_TEST_DELAY"}, {"value", i * 10}}});
  }
  std::vector<int64_t> ids;
  for (const auto& answer : queue.SubmitMany(many)) ids.push_back(answer.as_array()[1].as_int64());
  auto all_done = [&] {
    for (const auto& row : queue.QueryJobs(ids, {"status"})) {
      if (row.as_array()[0] != "success") return false;
    }
    return true;
  };
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!all_done()) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the jobs did not finish";
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  NoNodeCalls rpc;
  locking::LockManager locks;
  const QuerySources sources{paths, store, rpc, &queue, locks};

  // The first job's result, found by its id.
  QueryRequest first{"job", {"id", "opresult"}, json::parse(R"(["=", "id", 1])")};
  EXPECT_EQ(json::serialize(PlainRows(RunResourceQuery(first, sources))),
            "[[" + std::to_string(ids[0]) + ",[0]]]");
  // Every job, its status and its opcodes' results.
  QueryRequest all{"job", {"id", "status", "opresult", "summary"}, nullptr};
  const json::array rows = PlainRows(RunResourceQuery(all, sources));
  ASSERT_EQ(rows.size(), ids.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i], (json::array{ids[i], "success", json::array{static_cast<int64_t>(i) * 10},
                                    json::array{"TEST_DELAY"}}));
  }
  // A filter on a field of the files.
  QueryRequest filtered{"job", {"id"}, json::parse(R"(["=", "opresult", [30]])")};
  EXPECT_EQ(json::serialize(PlainRows(RunResourceQuery(filtered, sources))),
            "[[" + std::to_string(ids[3]) + "]]");
  queue.Shutdown();
  std::filesystem::remove_all(base);
}

}  // namespace
}  // namespace herd::master
