// The cluster score of Ganeti's htools: a weighted sum of standard
// deviations and counts of per-node metrics. Statistics can be updated for a
// few changed nodes in constant time, which keeps move searches cheap.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "htools/node_state.h"

namespace herd::htools {

constexpr int kMetricCount = 20;
constexpr int kLocationExclusionMetric = 18;  // the one aggregated as a tag map

struct MetricInfo {
  double weight;
  const char* name;
  bool std_dev;  // standard deviation, else a sum (or the tag map)
  bool online;   // over online nodes, else over offline ones
};
const std::array<MetricInfo, kMetricCount>& Metrics();

using NodeMetrics = std::array<double, kMetricCount>;
NodeMetrics ComputeNodeMetrics(const NodeState& node);

class ClusterStatistics {
 public:
  explicit ClusterStatistics(const std::vector<NodeState>& nodes);
  // With the nodes' metrics already computed (ComputeNodeMetrics of each).
  ClusterStatistics(const std::vector<NodeState>& nodes, const std::vector<NodeMetrics>& metrics);

  // Replaces the contribution of `before` by that of `after` (same node).
  void Update(const NodeState& before, const NodeState& after);
  // The score after replacing nodes, without changing the statistics.
  // `metrics_before` are the nodes' current metrics.
  struct Change {
    const NodeState* before;
    const NodeMetrics* metrics_before;
    const NodeState* after;
    const NodeMetrics* metrics_after = nullptr;  // computed when null
  };
  double ScoreWith(const Change* changes, int count) const;
  // The same as Ganeti computes it, bit for bit: the changes applied one
  // after the other (updateClusterStatisticsTwice for a DRBD pair), each
  // clamping the variance at zero, and the weighted sum in Ganeti's order.
  double SequentialScoreWith(const Change* changes, int count) const;
  // SequentialScoreWith in two steps, for many second changes after one
  // first (the pairs of one primary): the statistics after `first`, then
  // the score with `second` made too, bit for bit as SequentialScoreWith
  // of both. Neither change may alter the location exclusion tag map (a
  // primary without location tags).
  struct Partial {
    struct Entry {
      double n = 0, sum = 0, var = 0;
    };
    std::array<Entry, kMetricCount> stats;
    double map_value = 0;
    bool empty = false;
  };
  Partial SequentialAfter(const Change& first) const;
  double SequentialScoreFrom(const Partial& partial, const Change& second) const;
  // Ganeti's compCV of `nodes` with `change` made, recomputed from scratch
  // in two passes as Ganeti scores a single-node allocation. `metrics` are
  // the nodes' current metrics; O(nodes), where ScoreWith takes O(1).
  double TwoPassScoreWith(const std::vector<NodeState>& nodes,
                          const std::vector<NodeMetrics>& metrics, const Change& change) const;

  double Score() const;
  std::array<double, kMetricCount> Values() const;

 private:
  struct Stat {
    double n = 0, sum = 0, var = 0;
  };
  double MapValue() const;
  std::array<Stat, kMetricCount> stats_;
  LocationExclusionCounts tag_map_;
};

// Ganeti's compCV, computed from scratch (two passes, exact).
double ClusterScore(const std::vector<NodeState>& nodes);
// Ganeti's optimalCVScore: the lowest score N+1 reservations allow.
double OptimalScore(const std::vector<NodeState>& nodes);
// The "Field Value Weight" table of hbal -v -v -v.
std::string FormatStatistics(const std::string& prefix, const std::vector<NodeState>& nodes);

}  // namespace herd::htools
