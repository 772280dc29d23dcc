// The cluster score, node bookkeeping (N+1, capacity, tags), each move type
// and the greedy balancer, checked against figures Ganeti's hbal prints for
// its own test inputs.
#include "htools/balance.h"

#include <gtest/gtest.h>

#include "ganeti_reference.h"
#include "htools/metrics.h"
#include "htools/moves.h"
#include "htools/text_loader.h"

namespace herd::htools {
namespace {

Cluster Load(const std::string& file) {
  return Cluster::Build(LoadTextFile(herd::reference::GanetiTestData("htools/" + file)));
}

// Two groups' worth of small nodes: four nodes, 4 GiB each, one DRBD instance.
Cluster Small() {
  const std::string text =
      "default|uuid-g1|preferred||\n\n"
      "n1|4096|0|3072|102400|81920|4|N|uuid-g1\n"
      "n2|4096|0|4096|102400|81920|4|N|uuid-g1\n"
      "n3|4096|0|4096|102400|102400|4|N|uuid-g1\n"
      "n4|4096|0|4096|102400|102400|4|N|uuid-g1\n\n"
      "i1|1024|20480|1|running|Y|n1|n2|drbd||1\n\n\n";
  return Cluster::Build(ParseTextData(text, "small.data"));
}

TEST(ClusterScoreTest, MatchesGanetiOnItsTestInputs) {
  // "Initial score" lines of Debian's hbal 3.0.2 for these files.
  EXPECT_NEAR(ClusterScore(Load("hbal-evac.data").nodes), 46.94539253, 1e-8);
  EXPECT_NEAR(ClusterScore(Load("n1-failure.data").nodes), 22.37526844, 1e-8);
  EXPECT_NEAR(ClusterScore(Load("hbal-excl-tags.data").nodes), 3.67187500, 1e-8);
  EXPECT_NEAR(ClusterScore(Load("hbal-location-2.data").nodes), 3.39869220, 1e-8);
  EXPECT_NEAR(ClusterScore(Load("hbal-cpu-speed.data").nodes), 0.77083333, 1e-8);
}

TEST(ClusterScoreTest, IncrementalUpdateEqualsRecomputation) {
  Cluster c = Load("hbal-evac.data");
  ClusterStatistics stats(c.nodes);
  const InstanceState& inst = c.instances[0];
  const Departure d = Depart(c.nodes, inst);
  MoveResult r;
  ASSERT_TRUE(ApplyMove(c.nodes, inst, d, {MoveKind::kFailover, -1}, true, r));
  std::vector<NodeMetrics> before;
  for (const auto& n : c.nodes) before.push_back(ComputeNodeMetrics(n));
  ClusterStatistics::Change changes[3];
  for (int i = 0; i < r.count; ++i) {
    changes[i] = {&c.nodes[r.node[i]], &before[r.node[i]], &r.After(i)};
  }
  const double incremental = stats.ScoreWith(changes, r.count);
  for (int i = 0; i < r.count; ++i) c.nodes[r.node[i]] = r.After(i);
  EXPECT_NEAR(incremental, ClusterScore(c.nodes), 1e-9);
}

TEST(NodeStateTest, CapacityAndN1Checks) {
  Cluster c = Small();
  InstanceState big = c.instances[0];
  big.idx = 1;
  big.mem = 5000;  // more than any node has
  EXPECT_EQ(c.nodes[2].AddPrimary(big), FailMode::kMem);
  big.mem = 512;
  big.dsk = 200000;  // more disk than the node has
  EXPECT_EQ(c.nodes[2].AddPrimary(big), FailMode::kDisk);
  big.dsk = 1024;
  big.vcpus = 17;  // 4 CPUs at the default ratio 4 allow 16
  EXPECT_EQ(c.nodes[2].AddPrimary(big), FailMode::kCpu);
  big.vcpus = 1;
  const int before = c.nodes[2].UnallocatedMem();
  EXPECT_EQ(c.nodes[2].AddPrimary(big), std::nullopt);
  EXPECT_EQ(c.nodes[2].UnallocatedMem(), before - 512);
  EXPECT_EQ(c.nodes[2].primary_count(), 1);

  // N+1: n3 holds 3.5 GiB of primaries; a secondary whose failover needs 1 GiB
  // more than it has left is refused, with force it is accepted.
  InstanceState fill = big;
  fill.idx = 2;
  fill.mem = 3000;
  ASSERT_EQ(c.nodes[2].AddPrimary(fill), std::nullopt);
  InstanceState mirrored = c.instances[0];
  mirrored.idx = 3;
  EXPECT_EQ(c.nodes[2].AddSecondary(mirrored, 0), FailMode::kMem);
  EXPECT_EQ(c.nodes[2].AddSecondary(mirrored, 0, /*force=*/true), std::nullopt);
  EXPECT_TRUE(c.nodes[2].fail_n1());
}

TEST(NodeStateTest, ExclusionTagsRefuseASecondPrimary) {
  Cluster c = Load("hbal-excl-tags.data");
  // Every instance carries a service-group exclusion tag (cluster tag
  // htools:iextags:service-group); two of a kind never share a primary.
  const InstanceState* tagged = nullptr;
  for (const auto& i : c.instances) {
    if (!i.excl_tags.empty()) tagged = &i;
  }
  ASSERT_NE(tagged, nullptr);
  NodeState node = c.nodes[tagged->pnode];
  InstanceState twin = *tagged;
  twin.idx = 99;
  EXPECT_EQ(node.AddPrimary(twin), FailMode::kTags);
  EXPECT_EQ(node.AddPrimary(twin, /*force=*/true), std::nullopt);
}

TEST(MovesTest, EveryMoveKindPutsTheInstanceOnItsNewNodes) {
  Cluster c = Small();
  const InstanceState& inst = c.instances[0];  // n1 (0) : n2 (1)
  const Departure d = Depart(c.nodes, inst);
  struct Case {
    Move move;
    int primary, secondary;
    const char* letters;
  } cases[] = {
      {{MoveKind::kFailover, -1}, 1, 0, "f"},
      {{MoveKind::kReplaceSecondary, 2}, 0, 2, "r:n3"},
      {{MoveKind::kReplacePrimary, 2}, 2, 1, "f r:n3 f"},
      {{MoveKind::kReplaceAndFailover, 2}, 2, 0, "r:n3 f"},
      {{MoveKind::kFailoverAndReplace, 2}, 1, 2, "f r:n3"},
  };
  for (const auto& k : cases) {
    MoveResult r;
    ASSERT_TRUE(ApplyMove(c.nodes, inst, d, k.move, false, r)) << k.letters;
    EXPECT_EQ(r.new_primary, k.primary) << k.letters;
    EXPECT_EQ(r.new_secondary, k.secondary) << k.letters;
    int primaries = 0, secondaries = 0;
    for (int i = 0; i < r.count; ++i) {
      primaries += r.After(i).primary_count();
      secondaries += r.After(i).secondary_count();
    }
    EXPECT_EQ(primaries, 1) << k.letters;
    EXPECT_EQ(secondaries, 1) << k.letters;
    const auto desc = DescribeMove(inst, inst.name, k.move, c.nodes[k.primary].name(),
                                   c.nodes[k.secondary].name());
    EXPECT_EQ(desc.letters, k.letters);
  }
}

TEST(MovesTest, MigrationTagsRestrictFailover) {
  Cluster c = Load("hbal-migration-1.data");
  int refused = 0;
  for (const auto& inst : c.instances) {
    if (inst.snode < 0) continue;
    MoveResult r;
    const Departure d = Depart(c.nodes, inst);
    if (!ApplyMove(c.nodes, inst, d, {MoveKind::kFailover, -1}, true, r)) {
      ++refused;
    }
  }
  EXPECT_GT(refused, 0);
}

TEST(BalanceTest, EvacuationReachesGanetisSolution) {
  // Debian's hbal: 4 moves, 46.94539253 -> 0.26606742.
  Cluster c = Load("hbal-evac.data");
  double score = ClusterScore(c.nodes);
  BalanceOptions options;
  options.threads = 1;
  std::vector<Placement> moves;
  Placement p;
  while (score > OptimalScore(c.nodes) + options.min_score && BalanceStep(c, options, score, p)) {
    moves.push_back(p);
  }
  ASSERT_EQ(moves.size(), 4u);
  EXPECT_NEAR(score, 0.26606742, 1e-8);
  EXPECT_EQ(c.instances[moves[0].instance].name, "inst-p2");
  EXPECT_EQ(moves[0].move.kind, MoveKind::kReplacePrimary);
}

TEST(BalanceTest, ThreadsDoNotChangeTheResult) {
  for (int threads : {1, 2, 3}) {
    Cluster c = Load("hbal-location-1.data");
    double score = ClusterScore(c.nodes);
    BalanceOptions options;
    options.threads = threads;
    Placement p;
    int moves = 0;
    while (BalanceStep(c, options, score, p)) ++moves;
    EXPECT_EQ(moves, 5) << threads;
    EXPECT_NEAR(score, 0.0625, 1e-8) << threads;
  }
}

// The lazy search (large clusters) on Ganeti's inputs: it reaches the same
// final scores as the exhaustive one, and every state it leaves is valid.
TEST(BalancerTest, LazySearchReachesGanetisScoresOnItsInputs) {
  const struct {
    const char* file;
    double final_score;
  } cases[] = {{"hbal-evac.data", 0.26606742},
               {"hbal-location-1.data", 0.0625},
               {"partly-used.data", 2.05529971}};
  for (const auto& k : cases) {
    Cluster c = Load(k.file);
    BalanceOptions options;
    options.exhaustive_limit = 0;
    Balancer balancer(c, options);
    double score = ClusterScore(c.nodes);
    Placement p;
    while (score > OptimalScore(c.nodes) + options.min_score && balancer.Step(score, p)) {
    }
    EXPECT_NEAR(score, k.final_score, 1e-8) << k.file;
    EXPECT_NEAR(score, ClusterScore(c.nodes), 1e-9) << k.file;
    // The balancer's nodes agree with a cluster rebuilt from its instances.
    for (const auto& n : c.nodes) {
      int primaries = 0;
      for (const auto& i : c.instances) primaries += i.pnode == n.idx() && !i.forthcoming;
      EXPECT_EQ(n.primary_count(), primaries) << k.file << " " << n.name();
    }
  }
}

TEST(BalancerTest, SmallRoundsUseTheExhaustiveSearch) {
  // Same moves as BalanceStep, one by one.
  Cluster a = Load("hbal-migration-3.data"), b = a;
  BalanceOptions options;
  Balancer balancer(a, options);
  double sa = ClusterScore(a.nodes), sb = sa;
  Placement pa, pb;
  for (;;) {
    const bool ma = balancer.Step(sa, pa), mb = BalanceStep(b, options, sb, pb);
    ASSERT_EQ(ma, mb);
    if (!ma) break;
    EXPECT_EQ(pa.instance, pb.instance);
    EXPECT_EQ(pa.primary, pb.primary);
    EXPECT_EQ(pa.secondary, pb.secondary);
  }
  EXPECT_EQ(sa, sb);
}

}  // namespace
}  // namespace herd::htools
