#include "master/iallocator/answer.h"

#include <gtest/gtest.h>

#include "base/errors.h"
#include "master/iallocator/request.h"
#include "test_cluster.h"

namespace herd::master::iallocator {
namespace {

// "Class: message" of the error `f` throws.
std::string Error(const std::function<void()>& f) {
  try {
    f();
  } catch (const GanetiError& e) {
    return e.error_class() + ": " + e.args().at(0);
  }
  return "no error";
}

TEST(AnswerTest, NodesAnswer) {
  auto a = ParseNodesAnswer(
      R"({"success": true, "info": "Request successful", "result": ["n2", "n1"]})", "hail", 2);
  EXPECT_TRUE(a.success);
  EXPECT_EQ(a.info, "Request successful");
  EXPECT_EQ(a.result, (std::vector<std::string>{"n2", "n1"}));
  // Allocators before Ganeti 2.4 answered with "nodes".
  a = ParseNodesAnswer(R"({"success": true, "info": "", "nodes": ["n1"]})", "old", 1);
  EXPECT_EQ(a.result, (std::vector<std::string>{"n1"}));
  // A negative answer is not checked further.
  a = ParseNodesAnswer(R"({"success": false, "info": "no space", "result": {"x": 1}})", "hail", 1);
  EXPECT_FALSE(a.success);
  EXPECT_EQ(a.info, "no space");
}

TEST(AnswerTest, UnparsableAnswersAreExecErrors) {
  EXPECT_EQ(Error([] {
              ParseNodesAnswer("Traceback (most recent call last):", "x", 1);
            }).rfind("OpExecError: Can't parse iallocator results: invalid JSON", 0),
            0u);
  EXPECT_EQ(Error([] { ParseNodesAnswer("[true, \"\", []]", "x", 1); }),
            "OpExecError: Can't parse iallocator results: not a dict");
  EXPECT_EQ(Error([] { ParseNodesAnswer(R"({"success": true, "result": []})", "x", 1); }),
            "OpExecError: Can't parse iallocator results: missing key 'info'");
  EXPECT_EQ(Error([] { ParseNodesAnswer(R"({"success": 1, "info": "", "result": []})", "x", 1); }),
            "OpExecError: Can't parse iallocator results: 'success' is not a boolean: 1");
}

TEST(AnswerTest, WrongNodeListsAreValidationErrors) {
  EXPECT_EQ(Error([] {
              ParseNodesAnswer(R"({"success": true, "info": "", "result": ["n1"]})", "hail", 2);
            }),
            "ResultValidationError: iallocator 'hail' returned invalid number of nodes (1), "
            "required 2");
  EXPECT_EQ(Error([] {
              ParseNodesAnswer(R"({"success": true, "info": "", "result": "n1"})", "hail", 1);
            }),
            "ResultValidationError: iallocator 'hail' returned invalid result, expected a list "
            "of node names, got \"n1\"");
  EXPECT_EQ(Error([] {
              ParseNodesAnswer(R"({"success": true, "info": "", "result": [""]})", "hail", 1);
            }).rfind("ResultValidationError", 0),
            0u);
}

TEST(AnswerTest, EvacuationAnswer) {
  auto a = ParseEvacuationAnswer(R"({"success": true, "info": "1 moved", "result": [
      [["inst1", "default", ["n2", "n3"]]],
      [["inst2", "no space"], ["inst3", null]],
      [[{"OP_ID": "OP_INSTANCE_MIGRATE", "instance_name": "inst1"}],
       [{"OP_ID": "OP_INSTANCE_REPLACE_DISKS", "mode": "replace_new_secondary"}]]]})",
                                 "hail");
  ASSERT_TRUE(a.success);
  ASSERT_EQ(a.result.moved.size(), 1u);
  EXPECT_EQ(a.result.moved[0].instance, "inst1");
  EXPECT_EQ(a.result.moved[0].group, "default");
  EXPECT_EQ(a.result.moved[0].nodes, (std::vector<std::string>{"n2", "n3"}));
  ASSERT_EQ(a.result.failed.size(), 2u);
  EXPECT_EQ(a.result.failed[0].reason, "no space");
  EXPECT_EQ(a.result.failed[1].reason, std::nullopt);
  ASSERT_EQ(a.result.jobs.size(), 2u);
  EXPECT_EQ(
      a.result.jobs[0],
      (std::vector<std::string>{R"({"OP_ID":"OP_INSTANCE_MIGRATE","instance_name":"inst1"})"}));

  EXPECT_EQ(Error([] {
              ParseEvacuationAnswer(R"({"success": true, "info": "", "result": [[], []]})", "h");
            }),
            "ResultValidationError: iallocator 'h' returned invalid result, expected "
            "[moved, failed, jobs], got [[],[]]");
  EXPECT_EQ(Error([] {
              ParseEvacuationAnswer(
                  R"({"success": true, "info": "", "result": [[["i", "g"]], [], []]})", "h");
            }),
            "ResultValidationError: iallocator 'h' returned invalid result, expected a moved "
            "instance as [instance, group, [nodes]], got [\"i\",\"g\"]");
  EXPECT_EQ(Error([] {
              ParseEvacuationAnswer(R"({"success": true, "info": "", "result": [[], ["i"], []]})",
                                    "h");
            })
                .rfind("ResultValidationError: iallocator 'h' returned invalid result, expected a "
                       "failed instance",
                       0),
            0u);
  EXPECT_NE(
      Error([] {
        ParseEvacuationAnswer(
            R"({"success": true, "info": "", "result": [[], [], [[{"OP_ID": "OP_NODE_ADD"}]]]})",
            "h");
      }).find("OP_INSTANCE_FAILOVER"),
      std::string::npos);
}

TEST(AnswerTest, MultiAllocateAnswerTakesNamesOrNameReasonPairs) {
  auto a = ParseMultiAllocateAnswer(R"({"success": true, "info": "", "result": [
      [["a", ["n1"]], ["b", ["n2", "n3"]]], ["c", ["d", "FailMem: 3"]]]})",
                                    "hail");
  ASSERT_TRUE(a.success);
  ASSERT_EQ(a.result.allocated.size(), 2u);
  EXPECT_EQ(a.result.allocated[1].first, "b");
  EXPECT_EQ(a.result.allocated[1].second, (std::vector<std::string>{"n2", "n3"}));
  ASSERT_EQ(a.result.failed.size(), 2u);
  EXPECT_EQ(a.result.failed[0].instance, "c");
  EXPECT_EQ(a.result.failed[0].reason, std::nullopt);
  EXPECT_EQ(a.result.failed[1].instance, "d");
  EXPECT_EQ(a.result.failed[1].reason, "FailMem: 3");
  EXPECT_EQ(Error([] {
              ParseMultiAllocateAnswer(
                  R"({"success": true, "info": "", "result": [[["a", "n1"]], []]})", "hail");
            }),
            "ResultValidationError: iallocator 'hail' returned invalid result, expected an "
            "allocated instance as [instance, [nodes]], got [\"a\",\"n1\"]");
}

TEST(AnswerTest, RelocationMustStayInTheInstanceGroups) {
  objects::ConfigData config = testing::SmallCluster();
  objects::NodeGroup other;
  other.name = "other";
  other.uuid = "other-uuid";
  config.nodegroups.emplace(other.uuid, other);
  config.nodes["node3-uuid"].group = "other-uuid";
  RelocateRequest r{"inst1.example.com", {"node1.example.com"}};
  CheckRelocationGroups(config, r, {"node2.example.com"}, "hail");
  EXPECT_EQ(Error([&] { CheckRelocationGroups(config, r, {"node3.example.com"}, "hail"); }),
            "ResultValidationError: Groups of nodes returned by iallocator 'hail' (default, "
            "other) differ from original groups (default)");
}

}  // namespace
}  // namespace herd::master::iallocator
