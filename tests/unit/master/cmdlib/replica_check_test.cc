// gnt-cluster verify's comparison of the master candidates' copies of the
// config and the job queue with the master's.
#include "master/cmdlib/replica_check.h"

#include <gtest/gtest.h>

namespace herd::master {
namespace {

// A node's summary, as node_verify's "herd_replica" check answers:
// {name: (sha1, finished)}.
json::object Summary(int64_t serial,
                     std::initializer_list<std::tuple<const char*, const char*, bool>> jobs) {
  json::object files;
  for (const auto& [name, sha1, finished] : jobs) {
    files[name] = json::object{{"sha1", sha1}, {"finished", finished}};
  }
  return json::object{{"config_serial", serial}, {"jobs", std::move(files)}};
}

TEST(ReplicaCheckTest, ACopyLacksTheMastersFinishedJobsAndItsSerial) {
  const json::object master =
      Summary(7, {{"job-9", "a", true}, {"job-10", "b", true}, {"job-11", "c", false}});
  const json::object same = Summary(7, {{"job-9", "a", true}, {"job-10", "b", true}});
  // Behind: an older config, job-10 in another state, and job-9 missing.
  const json::object behind = Summary(4, {{"job-10", "x", false}});
  const ReplicaReport report = CompareReplicas(
      {"node1", &master, ""},
      {{"node2", &same, ""}, {"node3", &behind, ""}, {"node4", nullptr, "connection refused"}});
  // An unfinished job on the master is not owed to anyone yet.
  EXPECT_EQ(report.count("node2"), 0u);
  const ReplicaFindings& node3 = report.at("node3");
  EXPECT_EQ(node3.serials, std::make_pair(int64_t{4}, int64_t{7}));
  EXPECT_EQ(node3.missing, std::set<std::string>{"job-9"});
  EXPECT_EQ(node3.different, std::set<std::string>{"job-10"});
  EXPECT_EQ(report.at("node4").unreadable,
            "cannot read its copy of the config and queue: connection refused");

  const auto lines = DescribeFindings(report);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], std::make_pair(std::string("node3"),
                                     std::string("its configuration copy has serial number 4, the "
                                                 "master's 7 (gnt-cluster redist-conf sends a "
                                                 "full copy)")));
  // The lowest-numbered job is named, not the first in text order.
  EXPECT_EQ(lines[1].second,
            "its job queue copy lacks 1 and differs on 1 of the master's finished jobs (first: "
            "job-9)");
  EXPECT_EQ(lines[2].first, "node4");
}

TEST(ReplicaCheckTest, AnUnreadableMasterIsTheOnlyFinding) {
  const json::object copy = Summary(1, {});
  const ReplicaReport report =
      CompareReplicas({"node1", nullptr, "timed out"}, {{"node2", &copy, ""}});
  ASSERT_EQ(report.size(), 1u);
  EXPECT_EQ(report.at("node1").unreadable,
            "cannot read the master's own config and queue: timed out");
}

// A job that finished just before a comparison is not on the candidates yet;
// the next comparison, after a flush, finds it there. Only what both find is
// a fault.
TEST(ReplicaCheckTest, OnlyWhatTwoComparisonsFindIsKept) {
  ReplicaReport first, second;
  first["node2"].missing = {"job-3", "job-12"};
  first["node2"].serials = std::make_pair(int64_t{1}, int64_t{6});
  first["node3"].missing = {"job-12"};
  first["node4"].unreadable = "cannot read its copy of the config and queue: timed out";
  first["node5"].different = {"job-4"};
  second["node2"].missing = {"job-3", "job-13"};
  second["node2"].serials = std::make_pair(int64_t{1}, int64_t{7});
  second["node4"].unreadable = "cannot read its copy of the config and queue: refused";
  second["node5"].different = {"job-4"};
  second["node6"].missing = {"job-13"};

  const ReplicaReport kept = PersistentFindings(first, second);
  ASSERT_EQ(kept.size(), 3u);
  EXPECT_EQ(kept.at("node2").missing, std::set<std::string>{"job-3"});
  // The later comparison's figures.
  EXPECT_EQ(kept.at("node2").serials, std::make_pair(int64_t{1}, int64_t{7}));
  EXPECT_EQ(kept.at("node4").unreadable, "cannot read its copy of the config and queue: refused");
  EXPECT_EQ(kept.at("node5").different, std::set<std::string>{"job-4"});
  EXPECT_TRUE(PersistentFindings(first, {}).empty());
}

}  // namespace
}  // namespace herd::master
