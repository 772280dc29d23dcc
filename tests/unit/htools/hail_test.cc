// hail's request processing on Ganeti's test requests: allocations,
// relocations, evacuations, secondaries, and the answers' failure texts.
#include "htools/hail.h"

#include <gtest/gtest.h>

#include "base/files.h"
#include "base/json.h"
#include "ganeti_reference.h"

namespace herd::htools {
namespace {

std::string Process(const std::string& name, AllocOptions options = {}) {
  const std::string path = herd::reference::GanetiTestData("htools/" + name);
  IAllocatorRequest request = ParseIAllocatorRequest(ReadFile(path), path);
  Cluster cluster = Cluster::Build(request.cluster);
  return ProcessRequest(request, cluster, options);
}

json::object Answer(const std::string& name, AllocOptions options = {}) {
  return ParseJson(Process(name, options), name).as_object();
}

TEST(HailTest, AllocatesADrbdInstanceOnTheBestPair) {
  const auto a = Answer("hail-alloc-drbd.json");
  EXPECT_TRUE(a.at("success").as_bool());
  EXPECT_EQ(SerializeJson(a.at("result")), R"(["node2","node1"])");
  EXPECT_EQ(a.at("info").as_string(),
            "Request successful: Selected group: default, Group default (preferred): score: "
            "11.75836082, successes 12, failures 0 () for node(s) node2/node1");
}

TEST(HailTest, AllocationThatFitsNowhereIsAFailedAnswer) {
  const auto a = Answer("hail-alloc-plain-tags.json");
  EXPECT_FALSE(a.at("success").as_bool());
  EXPECT_EQ(a.at("info").as_string(),
            "Request failed: Group default (preferred): No valid allocation solutions, failure "
            "reasons: FailTags: 3");
  EXPECT_TRUE(a.at("result").as_array().empty());
}

TEST(HailTest, GroupsWithoutTheInstancesNetworkAreSkipped) {
  const auto a = Answer("hail-alloc-restricted-network.json");
  EXPECT_TRUE(a.at("success").as_bool());
  EXPECT_EQ(SerializeJson(a.at("result")), R"(["node1_1","node1_2"])");
}

TEST(HailTest, RelocatesTheSecondary) {
  const auto a = Answer("hail-reloc-drbd.json");
  EXPECT_EQ(a.at("info").as_string(), "Request successful: success");
  EXPECT_EQ(SerializeJson(a.at("result")), R"(["node1"])");
  const auto crowded = Answer("hail-reloc-drbd-crowded.json");
  EXPECT_EQ(crowded.at("info").as_string(),
            "Request failed: Can't find any good node:  Node node1 failed: FailMem; Node node2 "
            "failed: FailMem;");
}

TEST(HailTest, EvacuatesANodeWithReplaceFailoverReplace) {
  const auto a = Answer("hail-node-evac.json");
  EXPECT_EQ(a.at("info").as_string(),
            "Request successful: 0 instances failed to move and 1 were moved successfully");
  const auto& result = a.at("result").as_array();
  EXPECT_EQ(SerializeJson(result[0]), R"([["instance2","default",["node2","node1"]]])");
  const auto& job = result[2].as_array()[0].as_array();
  ASSERT_EQ(job.size(), 3u);
  EXPECT_EQ(job[0].as_object().at("remote_node").as_string(), "node2");
  EXPECT_EQ(job[1].as_object().at("OP_ID").as_string(), "OP_INSTANCE_MIGRATE");
  EXPECT_EQ(job[2].as_object().at("remote_node").as_string(), "node1");
}

TEST(HailTest, ChangesTheGroup) {
  const auto a = Answer("hail-change-group.json");
  EXPECT_EQ(SerializeJson(a.at("result").as_array()[0]),
            R"([["instance14","empty",["node11","node10"]]])");
}

TEST(HailTest, AllocatesASecondaryInThePrimarysGroup) {
  const auto a = Answer("hail-alloc-secondary.json");
  EXPECT_EQ(SerializeJson(a.at("result")), R"("node-2-2")");
}

TEST(HailTest, DedicatedClusterMinimisesLostAllocations) {
  const auto a = Answer("hail-alloc-dedicated-1.json");
  EXPECT_EQ(SerializeJson(a.at("result")), R"(["node2-quarter"])");
  EXPECT_NE(a.at("info").as_string().find("score: ([0,0,1],20490)"), std::string::npos);
}

TEST(HailTest, EmptyClusterFailsWithoutReasons) {
  EXPECT_EQ(Process("hail-alloc-ext.json"),
            R"({"success":false,"info":"Request failed: ","result":[]})");
}

}  // namespace
}  // namespace herd::htools
