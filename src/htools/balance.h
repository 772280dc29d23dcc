// Ganeti's greedy balancing: each round tries every allowed move of every
// movable instance and keeps the one that lowers the cluster score most.
#pragma once

#include <queue>
#include <string>
#include <vector>

#include "htools/cluster.h"
#include "htools/types.h"

namespace herd::htools {

struct BalanceOptions {
  bool ignore_soft_errors = false;    // --ignore-soft-errors
  bool disk_moves = true;             // --no-disk-moves clears it
  bool instance_moves = true;         // --no-instance-moves clears it
  bool restricted_migration = false;  // --restricted-migration
  bool evac_mode = false;             // --evac-mode
  double min_gain = 0.01;             // -g / --min-gain
  double min_gain_limit = 0.1;        // --min-gain-limit
  int max_length = -1;                // --max-length (-1: unlimited)
  double min_score = 1e-9;            // -e / --min-score
  int threads = 0;                    // 0: the machine's cores
  // Rounds that would try more moves than this search lazily (Balancer).
  size_t exhaustive_limit = 250'000;
  size_t shortlist = 64;  // target nodes a lazy round tries per instance
};

struct Placement {
  int instance = -1;
  int primary = -1, secondary = -1;  // the instance's nodes after the move
  Move move;
  double score = 0;  // cluster score after the move
};

// One round: applies the best move to `cluster` and returns true, or returns
// false when no move improves `score` enough.
bool BalanceStep(Cluster& cluster, const BalanceOptions& options, double& score,
                 Placement& placement);

// hbal's balancing loop, round after round: Ganeti's exhaustive search while
// a round is small enough, a lazy greedy search with a shortlist of target
// nodes on large clusters (thousands of nodes), where trying every move of
// every instance each round would take hours.
class Balancer {
 public:
  Balancer(Cluster& cluster, const BalanceOptions& options);
  ~Balancer();
  bool Step(double& score, Placement& placement);

 private:
  struct Entry;
  struct HeapItem {
    double key;
    int instance, version;
    bool operator<(const HeapItem& o) const {
      return key != o.key ? key < o.key : instance > o.instance;
    }
  };
  bool LazyStep(double& score, Placement& placement);

  Cluster& cluster_;
  BalanceOptions options_;
  int round_ = 0;
  std::vector<Entry> entries_;
  std::priority_queue<HeapItem> heap_;
  std::vector<int> dirty_;
};

// A move as hbal reports it, with the commands that carry it out.
struct MoveJob {
  std::vector<int> nodes;  // involved nodes (old and new)
  int instance;
  Move move;
  std::vector<std::string> commands;
};
// The solution line ("    1. inst  a:b => c:d  score a=f r:c") and the job of
// `placement`; `before` is the cluster before the move.
std::string SolutionLine(const Cluster& before, const Placement& placement, int position,
                         int node_name_width, int instance_name_width, MoveJob& job);
// Ganeti's splitJobs: moves grouped into job sets of moves on disjoint nodes.
std::vector<std::vector<const MoveJob*>> SplitJobSets(const std::vector<MoveJob>& jobs);
// Ganeti's splitJobs + formatCmds: moves grouped into job sets of moves on
// disjoint nodes, as shell commands.
std::string FormatCommands(const std::vector<MoveJob>& jobs, bool first_job_set_only);

}  // namespace herd::htools
