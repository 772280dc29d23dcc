// Allocation on small clusters: the best placement, failure counts per
// failure mode, instance policy checks, DRBD pairs and tiered shrinking.
#include "htools/allocation.h"

#include <gtest/gtest.h>

#include <map>

#include "base/errors.h"
#include "htools/metrics.h"

namespace herd::htools {
namespace {

Node MakeNode(const std::string& name, double mem, double dsk, double cpu) {
  Node n;
  n.name = name;
  n.total_memory = mem;
  n.node_memory = 0;
  n.free_memory = mem;
  n.total_disk = dsk;
  n.free_disk = dsk;
  n.total_cpus = cpu;
  n.node_cpus = 1;
  return n;
}

Cluster MakeCluster(int count, double mem = 4096, double dsk = 100 * 1024, double cpu = 4) {
  ClusterData data;
  Group g;
  g.name = "default";
  g.uuid = "uuid-default";
  data.groups.push_back(g);
  for (int i = 0; i < count; ++i) {
    data.nodes.push_back(MakeNode("node" + std::to_string(i + 1), mem, dsk, cpu));
  }
  return Cluster::Build(data);
}

InstanceState MakeInstance(int mem, int dsk, int vcpus, const std::string& disk_template) {
  InstanceState inst;
  inst.name = inst.alias = "new";
  inst.mem = mem;
  inst.dsk = dsk;
  inst.vcpus = vcpus;
  inst.disks = {DiskSpec{dsk, 1}};
  inst.disk_template = disk_template;
  return inst;
}

int Count(const AllocSolution& s, FailMode m) { return s.failures[static_cast<int>(m)]; }

AllocOptions NoCapacity() {
  AllocOptions o;
  o.capacity = false;
  return o;
}

TEST(AllocationTest, SingleNodeInstanceFitsOnTheEmptiestNode) {
  Cluster c = MakeCluster(3);
  InstanceState filler = MakeInstance(1024, 1024, 1, "plain");
  const AllocNodes nodes = GenAllocNodes(c, 1, true, NoCapacity());
  ASSERT_EQ(nodes.singles.size(), 3u);
  AllocSolution first = TryAlloc(c, filler, nodes, NoCapacity());
  ASSERT_TRUE(first.found);
  EXPECT_EQ(first.allocs, 3);
  CommitAllocation(c, first);
  AllocSolution second = TryAlloc(c, filler, nodes, NoCapacity());
  ASSERT_TRUE(second.found);
  EXPECT_NE(second.instance.pnode, first.instance.pnode);
  EXPECT_EQ(c.instances.size(), 1u);
}

TEST(AllocationTest, MemoryFailuresAreCountedPerNode) {
  Cluster c = MakeCluster(3, 2048);
  const AllocNodes nodes = GenAllocNodes(c, 1, true, NoCapacity());
  AllocSolution s = TryAlloc(c, MakeInstance(4096, 1024, 1, "plain"), nodes, NoCapacity());
  EXPECT_FALSE(s.found);
  EXPECT_EQ(Count(s, FailMode::kMem), 3);
  EXPECT_EQ(s.failure_total, 3);
}

TEST(AllocationTest, DiskAndCpuFailures) {
  Cluster c = MakeCluster(2, 8192, 2048, 1);
  const AllocNodes nodes = GenAllocNodes(c, 1, true, NoCapacity());
  AllocSolution disk = TryAlloc(c, MakeInstance(512, 4096, 1, "plain"), nodes, NoCapacity());
  EXPECT_FALSE(disk.found);
  EXPECT_EQ(Count(disk, FailMode::kDisk), 2);
  // One physical CPU at the default ratio of 4 takes 4 vcpus (one is the node's).
  AllocSolution cpu = TryAlloc(c, MakeInstance(512, 1024, 4, "plain"), nodes, NoCapacity());
  EXPECT_FALSE(cpu.found);
  EXPECT_EQ(Count(cpu, FailMode::kCpu), 2);
}

TEST(AllocationTest, PolicyViolationsFailBeforeResources) {
  Cluster c = MakeCluster(2);
  const AllocNodes nodes = GenAllocNodes(c, 1, true, NoCapacity());
  // Below the default minimum memory (128 MiB).
  AllocSolution small = TryAlloc(c, MakeInstance(64, 1024, 1, "plain"), nodes, NoCapacity());
  EXPECT_FALSE(small.found);
  EXPECT_EQ(Count(small, FailMode::kMem), 2);
  IPolicy policy = DefaultIPolicy();
  EXPECT_FALSE(InstanceMatchesPolicy(MakeInstance(256, 1024, 1, "plain"), policy, false));
  policy.disk_templates = {"drbd"};
  EXPECT_EQ(InstanceMatchesPolicy(MakeInstance(256, 1024, 1, "plain"), policy, false),
            FailMode::kDisk);
  EXPECT_EQ(InstanceMatchesPolicy(MakeInstance(256, 1024, 9, "drbd"), policy, false),
            FailMode::kCpu);
}

TEST(AllocationTest, DrbdNeedsAPairAndReservesSecondaryMemory) {
  Cluster single = MakeCluster(1);
  const AllocNodes none = GenAllocNodes(single, 2, true, NoCapacity());
  EXPECT_TRUE(none.pairs.empty());
  EXPECT_THROW(TryAlloc(single, MakeInstance(512, 1024, 1, "drbd"), none, NoCapacity()),
               GanetiError);

  Cluster c = MakeCluster(3);
  const AllocNodes pairs = GenAllocNodes(c, 2, true, NoCapacity());
  ASSERT_EQ(pairs.pairs.size(), 3u);
  AllocSolution s = TryAlloc(c, MakeInstance(1024, 1024, 1, "drbd"), pairs, NoCapacity());
  ASSERT_TRUE(s.found);
  EXPECT_EQ(s.allocs, 6);
  EXPECT_NE(s.instance.pnode, s.instance.snode);
  CommitAllocation(c, s);
  EXPECT_EQ(c.nodes[s.instance.snode].r_mem(), 1024);
  EXPECT_EQ(c.nodes[s.instance.pnode].primary_count(), 1);
  EXPECT_EQ(c.nodes[s.instance.snode].secondary_count(), 1);
}

TEST(AllocationTest, IterateFillsTheClusterAndTieredShrinks) {
  Cluster c = MakeCluster(2, 4096, 100 * 1024, 8);
  const AllocNodes nodes = GenAllocNodes(c, 1, true, NoCapacity());
  Cluster copy = c;
  AllocRun run =
      IterateAlloc(copy, MakeInstance(1000, 1024, 1, "plain"), nodes, std::nullopt, NoCapacity());
  EXPECT_EQ(run.allocated.size(), 8u);  // 4 per node, the fifth does not fit
  EXPECT_EQ(run.failures[static_cast<int>(FailMode::kMem)], 2);

  AllocRun tiered =
      TieredAlloc(c, MakeInstance(3000, 1024, 1, "plain"), nodes, std::nullopt, NoCapacity());
  ASSERT_GE(tiered.allocated.size(), 3u);
  EXPECT_EQ(c.instances[tiered.allocated[0]].mem, 3000);
  EXPECT_LT(c.instances[tiered.allocated.back()].mem, 3000);
}

TEST(AllocationTest, LimitStopsTheIteration) {
  Cluster c = MakeCluster(2);
  const AllocNodes nodes = GenAllocNodes(c, 1, true, NoCapacity());
  AllocRun run = IterateAlloc(c, MakeInstance(256, 1024, 1, "plain"), nodes, 3, NoCapacity());
  EXPECT_EQ(run.allocated.size(), 3u);
}

TEST(AllocationTest, CapacityCheckKeepsTheClusterRedundant) {
  // Plain instances are recreated elsewhere when their node fails: the
  // capacity check refuses placements no other node could take over.
  Cluster c = MakeCluster(2, 4096);
  EXPECT_TRUE(Redundant(c, AllocOptions{}));
  const AllocNodes nodes = GenAllocNodes(c, 1, true, AllocOptions{});
  AllocRun run =
      IterateAlloc(c, MakeInstance(1500, 1024, 1, "plain"), nodes, std::nullopt, AllocOptions{});
  EXPECT_EQ(run.allocated.size(), 2u);
  EXPECT_GT(run.failures[static_cast<int>(FailMode::kN1)], 0);
  EXPECT_TRUE(Redundant(c, AllocOptions{}));
}

TEST(AllocationTest, ShrinkByTypeStopsAtOneUnit) {
  InstanceState inst = MakeInstance(128, 512, 2, "plain");
  auto mem = ShrinkByType(inst, FailMode::kMem);
  ASSERT_TRUE(mem);
  EXPECT_EQ(mem->mem, 64);
  EXPECT_FALSE(ShrinkByType(*mem, FailMode::kMem));
  auto disk = ShrinkByType(inst, FailMode::kDisk);
  ASSERT_TRUE(disk);
  EXPECT_EQ(disk->dsk, 256);
  EXPECT_FALSE(ShrinkByType(*disk, FailMode::kDisk));
  EXPECT_FALSE(ShrinkByType(inst, FailMode::kN1));
}

TEST(AllocationTest, ExactScoresAreGanetisFromScratchScores) {
  // hail scores a single-node placement as Ganeti's compCV does, from
  // scratch: bit for bit the score of the cluster with the placement made.
  Cluster c = MakeCluster(4);
  const AllocNodes nodes = GenAllocNodes(c, 1, true, NoCapacity());
  AllocOptions options = NoCapacity();
  for (int mem : {512, 1024, 1536, 333}) {
    IterateAlloc(c, MakeInstance(mem, 1024 + mem, 1, "plain"), nodes, 1, options);
  }
  options.exact_scores = true;
  const InstanceState inst = MakeInstance(700, 2048, 1, "plain");
  const AllocSolution sol = TryAlloc(c, inst, nodes, options);
  ASSERT_TRUE(sol.found);
  std::vector<NodeState> after = c.nodes;
  after[sol.instance.pnode] = *sol.primary;
  EXPECT_EQ(sol.score, ClusterScore(after));
  // A DRBD pair: Ganeti updates the statistics with the primary, then with
  // the secondary.
  const AllocNodes pairs = GenAllocNodes(c, 2, true, options);
  const AllocSolution pair = TryAlloc(c, MakeInstance(700, 2048, 1, "drbd"), pairs, options);
  ASSERT_TRUE(pair.found);
  std::vector<NodeMetrics> metrics;
  for (const auto& n : c.nodes) metrics.push_back(ComputeNodeMetrics(n));
  ClusterStatistics stats(c.nodes, metrics);
  stats.Update(c.nodes[pair.instance.pnode], *pair.primary);
  stats.Update(c.nodes[pair.instance.snode], *pair.secondary);
  EXPECT_EQ(pair.score, stats.Score());
}

// Allocated one by one, each placement committed, equal instances fill
// equal nodes evenly, with exact scores and with the fast ones.
TEST(AllocationTest, RepeatedAllocationsSpreadEvenly) {
  for (bool exact : {true, false}) {
    Cluster c = MakeCluster(6, 1024, 100 * 1024, 4);
    AllocOptions options = NoCapacity();
    options.exact_scores = exact;
    for (int i = 0; i < 24; ++i) {
      const AllocNodes nodes = GenAllocNodes(c, 1, true, options);
      InstanceState inst = MakeInstance(128, 0, 1, "diskless");
      inst.disks.clear();
      inst.name = inst.alias = "i" + std::to_string(i);
      const AllocSolution sol = TryAlloc(c, inst, nodes, options);
      ASSERT_TRUE(sol.found);
      CommitAllocation(c, sol);
    }
    std::map<int, int> counts;
    for (const auto& i : c.instances) counts[i.pnode]++;
    for (const auto& [n, k] : counts) EXPECT_EQ(k, 4) << "exact " << exact << " node " << n;
  }
}

}  // namespace
}  // namespace herd::htools
