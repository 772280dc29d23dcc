// Ganeti's allocation primitives: placing a new instance on the best node or
// node pair of a cluster, the global N+1 capacity check, and the iterated
// (standard) and tiered allocations of hspace.
#pragma once

#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "htools/cluster.h"
#include "htools/types.h"

namespace herd::htools {

struct AllocOptions {
  bool ignore_soft_errors = false;
  bool capacity = true;          // global N+1 redundancy of the result (algCapacity)
  bool accept_existing = false;  // --accept-existing-errors
  std::vector<int> capacity_ignore_groups;
  std::optional<std::vector<std::string>> restrict_to_nodes;
  // Ganeti's tryGroupAlloc files the new instance, for its capacity check,
  // under the size of the group's instance list: when that is the index of
  // one of the group's instances, the new instance takes its place in its
  // primary node's list. That instance's index, or -1.
  int capacity_replaced_instance = -1;
  // Ganeti's tryAllocateSecondary places an instance the cluster has, under
  // its own index: the nodes' lists in its capacity check name that index,
  // which is the instance as it was (the placed copy is filed under the
  // instance count, and no node lists it). That instance's index, or -1.
  int capacity_existing_instance = -1;
  // Scores exactly as Ganeti computes them, at O(nodes) a single-node
  // placement (hail; the incremental scores may differ in the last digits,
  // enough to part ties otherwise).
  bool exact_scores = false;
  // On groups of more than 10,000 node pairs, a DRBD placement first tries
  // only the pairs of the best-scoring primaries and secondaries (hspace's
  // thousands of placements); Ganeti, and hail, try every pair.
  bool pair_shortlist = false;
};

using FailCounts = std::array<int, kFailModeCount>;

// Haskell's `compare` of two Doubles: -1 (LT), 0 (EQ) or 1 (GT), GT whenever
// one is NaN (neither < nor ==).
inline int HaskellCompare(double a, double b) { return a < b ? -1 : a == b ? 0 : 1; }

// A group's alloc_policy as Ganeti orders groups: preferred, last_resort, the rest.
int PolicyRank(const std::string& policy);

// GHC's Data.List.sortBy: a merge sort of the ascending and descending runs
// of `items`. `cmp` returns -1, 0 or 1; with a total order this is a stable
// sort, and it orders as Haskell does when NaN scores make it none.
template <typename T, typename Cmp>
void HaskellSortBy(std::vector<T>& items, Cmp cmp) {
  if (items.size() < 2) return;
  std::vector<std::vector<T>> runs;
  for (size_t i = 0; i < items.size();) {
    std::vector<T> run{items[i]};
    size_t j = i + 1;
    if (j < items.size() && cmp(items[i], items[j]) > 0) {
      while (j < items.size() && cmp(run.back(), items[j]) > 0) run.push_back(items[j++]);
      std::reverse(run.begin(), run.end());
    } else {
      while (j < items.size() && cmp(run.back(), items[j]) <= 0) run.push_back(items[j++]);
    }
    runs.push_back(std::move(run));
    i = j;
  }
  while (runs.size() > 1) {
    std::vector<std::vector<T>> merged;
    for (size_t k = 0; k + 1 < runs.size(); k += 2) {
      const auto &a = runs[k], &b = runs[k + 1];
      std::vector<T> out;
      out.reserve(a.size() + b.size());
      size_t x = 0, y = 0;
      while (x < a.size() && y < b.size()) {
        if (cmp(a[x], b[y]) > 0) {
          out.push_back(b[y++]);
        } else {
          out.push_back(a[x++]);
        }
      }
      out.insert(out.end(), a.begin() + x, a.end());
      out.insert(out.end(), b.begin() + y, b.end());
      merged.push_back(std::move(out));
    }
    if (runs.size() % 2) merged.push_back(std::move(runs.back()));
    runs = std::move(merged);
  }
  items = std::move(runs.front());
}

// The best of the groups an allocation fits in (`good`, each with .group and
// .solution.score), as Ganeti picks it: the list reversed, then sorted by
// policy and score (stably, so later groups win ties; NaN as in Haskell).
template <typename GroupCandidate>
size_t BestGroupIndex(const Cluster& c, std::vector<GroupCandidate>& good) {
  std::reverse(good.begin(), good.end());
  std::vector<size_t> order(good.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  HaskellSortBy(order, [&](size_t a, size_t b) {
    const int ra = PolicyRank(c.group(good[a].group).alloc_policy),
              rb = PolicyRank(c.group(good[b].group).alloc_policy);
    if (ra != rb) return ra < rb ? -1 : 1;
    return HaskellCompare(good[a].solution.score, good[b].solution.score);
  });
  return order.front();
}

// Ganeti's choice among candidates scored in the order they were tried:
// the first of its solutions list (built in reverse) sorted by score. The
// lowest score, the latest on ties; NaN scores sort as in Haskell.
size_t GanetiBestCandidate(const std::vector<double>& scores);

// Ganeti's instMatchesPolicy: min/max specs, then the disk template.
std::optional<FailMode> InstanceMatchesPolicy(const InstanceState& inst, const IPolicy& policy,
                                              bool exclusive_storage);

// The candidate nodes (Ganeti's AllocNodes): singles for one-node
// templates, or each primary with its possible secondaries (same group).
struct AllocNodes {
  int required = 1;
  std::vector<int> singles;
  std::vector<std::pair<int, std::vector<int>>> pairs;
};
// `allocable[g]` says whether group g takes new instances; empty: from the
// groups' alloc policies. Throws ParameterError for more than two nodes.
AllocNodes GenAllocNodes(const Cluster& cluster, int required, bool drop_unallocable,
                         const AllocOptions& options, const std::vector<bool>& allocable = {});

struct AllocSolution {
  FailCounts failures{};
  int failure_total = 0;
  int allocs = 0;  // placements that fit
  bool found = false;
  double score = 0;
  InstanceState instance;                       // placed: nodes and location score set
  std::optional<NodeState> primary, secondary;  // the nodes' new states
};

// Ganeti's tryAlloc: every candidate placement scored with the incremental
// statistics; the lowest score wins, the later candidate on ties. Throws
// ParameterError when there are no candidate nodes.
AllocSolution TryAlloc(const Cluster& cluster, const InstanceState& inst, const AllocNodes& nodes,
                       const AllocOptions& options);
// Ganeti's genericDescribeSolution for the standard score: "score: ...,
// successes N, failures M (FailMem: 1) for node(s) a/b", or why none fits.
std::string DescribeAllocSolution(const Cluster& cluster, const AllocSolution& solution);
// The same with the score as `score_text` (other metrics than the cluster score).
std::string DescribeAllocSolution(const Cluster& cluster, const AllocSolution& solution,
                                  const std::string& score_text);

// Adds the solution's instance (index: the instance count) to `cluster`.
void CommitAllocation(Cluster& cluster, const AllocSolution& solution);

// Ganeti's GlobalN1.redundant: every node can be evacuated (DRBD instances
// failed over, shared-storage ones moved, others recreated elsewhere).
bool Redundant(const Cluster& cluster, const AllocOptions& options);

// The outcome of an iterated allocation: the failures of the last attempt
// and the indices of the allocated instances, in allocation order.
struct AllocRun {
  FailCounts failures{};
  std::vector<int> allocated;
};

// Ganeti's iterateAlloc: places copies of `inst` named new-N until one does
// not fit or `limit` (if set) is reached. `cluster` receives the instances.
AllocRun IterateAlloc(Cluster& cluster, const InstanceState& inst, const AllocNodes& nodes,
                      std::optional<int> limit, const AllocOptions& options, AllocRun run = {});
// Ganeti's tieredAlloc: iterateAlloc, then shrinks the spec along the
// failure modes (Instance.shrinkByType) and continues.
AllocRun TieredAlloc(Cluster& cluster, const InstanceState& inst, const AllocNodes& nodes,
                     std::optional<int> limit, const AllocOptions& options, AllocRun run = {});
// Ganeti's shrinkByType: the instance one allocation unit smaller in the
// resource `mode` names, or nothing when that would go below one unit.
std::optional<InstanceState> ShrinkByType(const InstanceState& inst, FailMode mode);

// Ganeti's tryMGAlloc: the best group by alloc policy, then score.
struct GroupAllocation {
  int group = -1;
  AllocSolution solution;
  std::vector<std::string> log;
};
std::optional<GroupAllocation> TryMultiGroupAlloc(const Cluster& cluster, const InstanceState& inst,
                                                  int required, const AllocOptions& options,
                                                  std::string* error = nullptr);

}  // namespace herd::htools
