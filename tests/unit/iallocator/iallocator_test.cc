#include "master/iallocator/iallocator.h"

#include <gtest/gtest.h>

#include "base/errors.h"
#include "base/files.h"
#include "base/json.h"
#include "test_cluster.h"

namespace herd::master::iallocator {
namespace {

using testing::NewInstance;
using testing::SmallCluster;
using testing::SmallClusterLive;
using testing::TempDir;

// An allocator script that saves its request and prints `answer`.
Allocator Answering(const TempDir& dir, const std::string& answer) {
  dir.Script("fixed", "cp \"$1\" \"" + dir.path() + "/request.json\"\necho '" + answer + "'\n");
  return Allocator{"fixed", {dir.path()}, {}, 10, dir.path(), {}};
}

GanetiError Thrown(const std::function<void()>& f) {
  try {
    f();
  } catch (const GanetiError& e) {
    return e;
  }
  return GanetiError("none", {"no error"});
}

TEST(IAllocatorTest, AllocateReturnsTheChosenNodes) {
  TempDir dir;
  Allocator a =
      Answering(dir, R"({"success": true, "info": "ok", "result": ["node2.example.com"]})");
  EXPECT_EQ(Allocate(a, SmallCluster(), SmallClusterLive(), NewInstance("new1", 512)),
            (std::vector<std::string>{"node2.example.com"}));
  // The allocator saw the whole document.
  json::value request = ParseJson(ReadFile(dir.path() + "/request.json"), "request");
  EXPECT_EQ(request.at("request").at("name"), "new1");
  EXPECT_EQ(request.at("nodes").as_object().size(), 4u);
}

TEST(IAllocatorTest, NegativeAnswerIsAPrereqErrorWithTheAllocatorsReason) {
  TempDir dir;
  Allocator a = Answering(dir, R"({"success": false, "info": "not enough memory", "result": []})");
  GanetiError e =
      Thrown([&] { Allocate(a, SmallCluster(), SmallClusterLive(), NewInstance("n", 1)); });
  EXPECT_EQ(e.error_class(), "OpPrereqError");
  EXPECT_EQ(e.args(), (std::vector<std::string>{
                          "Can't compute nodes using iallocator 'fixed': not enough memory",
                          "insufficient_resources"}));
  AllocateRequest opportunistic = NewInstance("n", 1);
  opportunistic.opportunistic_locking = true;
  e = Thrown([&] { Allocate(a, SmallCluster(), SmallClusterLive(), opportunistic); });
  EXPECT_EQ(e.args().at(1), "temp_insufficient_resources");
  e = Thrown([&] {
    NodeEvacuate(a, SmallCluster(), SmallClusterLive(),
                 NodeEvacuateRequest{{"inst1.example.com"}, "all", false});
  });
  EXPECT_EQ(e.args().at(0),
            "Can't compute node evacuation using iallocator 'fixed': not enough memory");
  e = Thrown([&] {
    ChangeGroup(a, SmallCluster(), SmallClusterLive(),
                ChangeGroupRequest{{"inst1.example.com"}, {}});
  });
  EXPECT_EQ(e.args().at(0),
            "Can't compute solution for changing group of instance(s) 'inst1.example.com' using "
            "iallocator 'fixed': not enough memory");
}

TEST(IAllocatorTest, UnknownNodeInTheAnswerIsAValidationError) {
  TempDir dir;
  Allocator a = Answering(dir, R"({"success": true, "info": "", "result": ["ghost"]})");
  GanetiError e =
      Thrown([&] { Allocate(a, SmallCluster(), SmallClusterLive(), NewInstance("n", 1)); });
  EXPECT_EQ(e.error_class(), "ResultValidationError");
  EXPECT_EQ(e.args().at(0), "iallocator 'fixed' returned unknown node 'ghost'");
}

TEST(IAllocatorTest, ParametersComeFromTheClusterTheRequestAndTheCaller) {
  objects::ConfigData config = SmallCluster();
  config.cluster.default_iallocator_params = {{"cpu-weight", "2"}, {"no-capacity-checks", nullptr}};
  Allocator a{"hail", {}, {{"cpu-weight", "3"}, {"extra", "x"}}, 10, ""};
  EXPECT_EQ(ParamsFor(config, a, NodeEvacuateRequest{{}, "all", true}),
            (AllocatorParams{{"cpu-weight", "3"},
                             {"extra", "x"},
                             {"ignore-soft-errors", std::nullopt},
                             {"no-capacity-checks", std::nullopt}}));
  EXPECT_EQ(ParamsFor(config, Allocator{"hail", {}, {}, 10, ""}, NewInstance("n", 1)),
            (AllocatorParams{{"cpu-weight", "2"}, {"no-capacity-checks", std::nullopt}}));
}

TEST(IAllocatorTest, MultiAllocateAndEvacuationResults) {
  TempDir dir;
  Allocator a = Answering(
      dir,
      R"({"success": true, "info": "", "result": [[["a", ["node1.example.com"]]], [["b", "FailMem: 3"]]]})");
  MultiAllocateResult r =
      MultiAllocate(a, SmallCluster(), SmallClusterLive(),
                    MultiAllocateRequest{{NewInstance("a", 1), NewInstance("b", 1)}});
  ASSERT_EQ(r.allocated.size(), 1u);
  EXPECT_EQ(r.allocated[0].second, (std::vector<std::string>{"node1.example.com"}));
  ASSERT_EQ(r.failed.size(), 1u);
  EXPECT_EQ(r.failed[0].reason, "FailMem: 3");
}

}  // namespace
}  // namespace herd::master::iallocator
