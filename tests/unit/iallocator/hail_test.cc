// Debian's real hail (package ganeti-htools-3.0) judges the request document:
// if it accepts it and places instances where the memory is, the format is
// right. Herd's own hail must answer the same documents the same way.
#include <gtest/gtest.h>

#include "base/errors.h"
#include "ganeti_reference.h"
#include "master/iallocator/iallocator.h"
#include "test_cluster.h"

namespace herd::master::iallocator {
namespace {

using testing::NewInstance;
using testing::SmallCluster;
using testing::SmallClusterLive;

// Where the hail under test lives: Debian's, found in the standard search
// path as masterd finds it, or Herd's own from the build.
enum class HailBuild { kDebian, kHerd };

class HailTest : public ::testing::TestWithParam<HailBuild> {
 protected:
  void SetUp() override {
    if (GetParam() == HailBuild::kHerd) {
      hail_.search_path = {HERD_BIN_DIR};
    } else {
      ASSERT_NO_THROW(herd::reference::DebianHail());
    }
  }
  Allocator hail_{"hail", DefaultAllocatorSearchPath(), {}, 60, ""};
};

INSTANTIATE_TEST_SUITE_P(Builds, HailTest, ::testing::Values(HailBuild::kDebian, HailBuild::kHerd),
                         [](const auto& info) {
                           return info.param == HailBuild::kDebian ? "Debian" : "Herd";
                         });

TEST_P(HailTest, PlacesAnInstanceWhereTheMemoryIs) {
  // node1 has 3328 MiB left for new instances (inst1 may still claim 384 of
  // its 3712 free), node2 7936, node3 5888; node4 is offline. hail also keeps
  // the cluster N+1 redundant, which two nodes with room make possible.
  const NodeLiveData live = SmallClusterLive();
  auto nodes = Allocate(hail_, SmallCluster(), live, NewInstance("new1", 4000));
  ASSERT_EQ(nodes.size(), 1u);
  EXPECT_TRUE(nodes[0] == "node2.example.com" || nodes[0] == "node3.example.com") << nodes[0];
  const objects::Node* chosen = SmallCluster().FindNodeByName(nodes[0]);
  ASSERT_NE(chosen, nullptr);
  EXPECT_GE(live.at(chosen->uuid).memory_free, 4000);
  // A small one fits anywhere online.
  nodes = Allocate(hail_, SmallCluster(), live, NewInstance("new2", 256));
  ASSERT_EQ(nodes.size(), 1u);
  EXPECT_NE(nodes[0], "node4.example.com");
}

TEST_P(HailTest, ImpossibleRequestFailsWithHailsReason) {
  try {
    Allocate(hail_, SmallCluster(), SmallClusterLive(), NewInstance("huge", 20000));
    FAIL() << "hail placed an instance larger than any node";
  } catch (const GanetiError& e) {
    ASSERT_EQ(e.error_class(), "OpPrereqError") << e.what();
    EXPECT_EQ(e.args().at(1), kEcodeNoRes);
    const std::string& message = e.args().at(0);
    EXPECT_EQ(message.rfind("Can't compute nodes using iallocator 'hail': Request failed: ", 0), 0u)
        << message;
    EXPECT_NE(message.find("FailMem"), std::string::npos) << message;
  }
}

TEST_P(HailTest, RestrictedAllocationAndMultiAllocation) {
  AllocateRequest r = NewInstance("new1", 256);
  r.node_whitelist = std::vector<std::string>{"node3.example.com"};
  EXPECT_EQ(Allocate(hail_, SmallCluster(), SmallClusterLive(), r),
            (std::vector<std::string>{"node3.example.com"}));

  MultiAllocateResult m =
      MultiAllocate(hail_, SmallCluster(), SmallClusterLive(),
                    MultiAllocateRequest{{NewInstance("a", 1024), NewInstance("b", 2048)}});
  ASSERT_EQ(m.allocated.size(), 2u);
  EXPECT_EQ(m.allocated[0].first, "a");
  EXPECT_EQ(m.allocated[1].first, "b");
  EXPECT_TRUE(m.failed.empty());
  // hail refuses the whole batch when one instance fits nowhere.
  try {
    MultiAllocate(hail_, SmallCluster(), SmallClusterLive(),
                  MultiAllocateRequest{{NewInstance("a", 1024), NewInstance("huge", 20000)}});
    FAIL() << "hail placed an instance larger than any node";
  } catch (const GanetiError& e) {
    EXPECT_NE(e.args().at(0).find("Can't compute nodes using iallocator 'hail': Request failed"),
              std::string::npos)
        << e.what();
  }
}

TEST_P(HailTest, EvacuatesASharedStorageInstance) {
  objects::ConfigData config = SmallCluster();
  config.disks["disk1-uuid"].dev_type = "sharedfile";
  config.instances["inst1-uuid"].disk_template = "sharedfile";
  EvacuationResult r =
      NodeEvacuate(hail_, config, SmallClusterLive(),
                   NodeEvacuateRequest{{"inst1.example.com"}, "primary-only", false});
  ASSERT_EQ(r.moved.size(), 1u) << (r.failed.empty() ? "" : r.failed[0].reason.value_or(""));
  EXPECT_EQ(r.moved[0].instance, "inst1.example.com");
  EXPECT_EQ(r.moved[0].group, "default");
  ASSERT_EQ(r.moved[0].nodes.size(), 1u);
  EXPECT_NE(r.moved[0].nodes[0], "node1.example.com");
  EXPECT_TRUE(r.failed.empty());
  ASSERT_EQ(r.jobs.size(), 1u);
  ASSERT_EQ(r.jobs[0].size(), 1u);
  EXPECT_NE(r.jobs[0][0].find("OP_INSTANCE_"), std::string::npos) << r.jobs[0][0];

  // And relocation of the same instance names its new primary.
  auto nodes = Relocate(hail_, config, SmallClusterLive(),
                        RelocateRequest{"inst1.example.com", {"node1.example.com"}});
  ASSERT_EQ(nodes.size(), 1u);
  EXPECT_NE(nodes[0], "node1.example.com");
}

// A cluster where drbd is allowed, with inst1 mirrored from node1 to node2.
objects::ConfigData DrbdCluster() {
  objects::ConfigData config = SmallCluster();
  config.cluster.enabled_disk_templates = {"drbd", "plain", "file"};
  config.cluster.ipolicy["disk-templates"] = json::array{"drbd", "plain", "file"};
  objects::Disk& disk = config.disks["disk1-uuid"];
  disk.dev_type = "drbd";
  disk.nodes = {"node1-uuid", "node2-uuid"};
  config.instances["inst1-uuid"].disk_template = "drbd";
  return config;
}

TEST_P(HailTest, DrbdAllocationGetsTwoNodesAndRelocationANewSecondary) {
  AllocateRequest r = NewInstance("mirrored", 1024);
  r.disk_template = "drbd";
  auto nodes = Allocate(hail_, DrbdCluster(), SmallClusterLive(), r);
  ASSERT_EQ(nodes.size(), 2u);
  EXPECT_NE(nodes[0], nodes[1]);
  for (const auto& n : nodes) EXPECT_NE(n, "node4.example.com");

  // inst1 leaves its secondary node2: node3 is the only other online node.
  EXPECT_EQ(Relocate(hail_, DrbdCluster(), SmallClusterLive(),
                     RelocateRequest{"inst1.example.com", {"node2.example.com"}}),
            (std::vector<std::string>{"node3.example.com"}));
}

}  // namespace
}  // namespace herd::master::iallocator
