#include "htools/metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "htools/table.h"

namespace herd::htools {
namespace {

constexpr double kReservedMemRtotalCoeff = 0.25;

void AddMap(LocationExclusionCounts& into, const LocationExclusionCounts& from, int sign) {
  for (const auto& [key, count] : from) {
    auto& v = into[key];
    v += sign * count;
    if (v == 0) into.erase(key);
  }
}

double MapStatistic(const LocationExclusionCounts& map) {
  double sum = 0;
  for (const auto& [key, count] : map) sum += count;
  return sum - static_cast<double>(map.size());
}

}  // namespace

const std::array<MetricInfo, kMetricCount>& Metrics() {
  static const std::array<MetricInfo, kMetricCount> kMetrics{{
      {0.5, "free_mem_cv", true, true},
      {0.5, "free_disk_cv", true, true},
      {1, "n1_cnt", false, true},
      {1, "reserved_mem_cv", true, true},
      {4, "offline_all_cnt", false, false},
      {16, "offline_pri_cnt", false, false},
      {0.5, "vcpu_ratio_cv", true, true},
      {1, "cpu_load_cv", true, true},
      {1, "mem_load_cv", true, true},
      {1, "disk_load_cv", true, true},
      {1, "net_load_cv", true, true},
      {2, "pri_tags_score", false, true},
      {0.5, "spindles_cv", true, true},
      {0.5, "free_mem_cv_forth", true, true},
      {0.5, "free_disk_cv_forth", true, true},
      {0.5, "vcpu_ratio_cv_forth", true, true},
      {0.5, "spindles_cv_forth", true, true},
      {1, "location_score", false, true},
      {1, "location_exclusion_score", false, true},
      {kReservedMemRtotalCoeff, "reserved_mem_rtotal", false, true},
  }};
  return kMetrics;
}

NodeMetrics ComputeNodeMetrics(const NodeState& n) {
  const auto& load = n.util_load();
  const auto& pool = n.util_pool();
  const double instances = n.primary_count() + n.secondary_count();
  return NodeMetrics{
      n.p_mem(),
      n.p_dsk(),
      n.fail_n1() ? instances : 0.0,
      n.p_rem(),
      instances,
      static_cast<double>(n.primary_count()),
      n.EffectiveCpuRatio(),
      load.cpu / pool.cpu,
      load.mem / pool.mem,
      load.dsk / pool.dsk,
      load.net / pool.net,
      static_cast<double>(n.ConflictingPrimaries()),
      n.inst_spindles() / n.hi_spindles(),
      n.p_mem_forth(),
      n.p_dsk_forth(),
      n.EffectiveCpuRatioForth(),
      n.inst_spindles_forth() / n.hi_spindles(),
      static_cast<double>(n.location_score()),
      0.0,  // the tag map, kept apart
      n.p_rem(),
  };
}

namespace {
std::vector<NodeMetrics> AllMetrics(const std::vector<NodeState>& nodes) {
  std::vector<NodeMetrics> values;
  values.reserve(nodes.size());
  for (const auto& n : nodes) values.push_back(ComputeNodeMetrics(n));
  return values;
}
}  // namespace

ClusterStatistics::ClusterStatistics(const std::vector<NodeState>& nodes)
    : ClusterStatistics(nodes, AllMetrics(nodes)) {}

ClusterStatistics::ClusterStatistics(const std::vector<NodeState>& nodes,
                                     const std::vector<NodeMetrics>& values) {
  const auto& info = Metrics();
  for (int m = 0; m < kMetricCount; ++m) {
    Stat s;
    for (size_t i = 0; i < nodes.size(); ++i) {
      if (nodes[i].offline() == info[m].online) continue;
      s.n += 1;
      s.sum += values[i][m];
    }
    if (info[m].std_dev) {
      const double mean = s.sum / s.n;
      double nvar = 0;
      for (size_t i = 0; i < nodes.size(); ++i) {
        if (nodes[i].offline() == info[m].online) continue;
        const double d = values[i][m] - mean;
        nvar += d * d;
      }
      s.var = nvar / s.n;
    }
    stats_[m] = s;
  }
  for (const auto& n : nodes) {
    if (!n.offline()) AddMap(tag_map_, n.instance_map(), 1);
  }
}

void ClusterStatistics::Update(const NodeState& before, const NodeState& after) {
  const auto& info = Metrics();
  const NodeMetrics x = ComputeNodeMetrics(before), y = ComputeNodeMetrics(after);
  const bool online = !before.offline();
  for (int m = 0; m < kMetricCount; ++m) {
    if (info[m].online != online) continue;
    auto& s = stats_[m];
    const double ds = y[m] - x[m];
    if (info[m].std_dev) {
      const double dss = y[m] * y[m] - x[m] * x[m];
      const double dnnvar = (s.n * dss - 2 * s.sum * ds) - ds * ds;
      s.var = std::max(0.0, s.var + dnnvar / (s.n * s.n));
    }
    s.sum += ds;
  }
  if (online) {
    AddMap(tag_map_, before.instance_map(), -1);
    AddMap(tag_map_, after.instance_map(), 1);
  }
}

double ClusterStatistics::ScoreWith(const Change* changes, int count) const {
  const auto& info = Metrics();
  NodeMetrics computed[3];
  const NodeMetrics* after[3];
  for (int c = 0; c < count; ++c) {
    if (changes[c].metrics_after) {
      after[c] = changes[c].metrics_after;
    } else {
      computed[c] = ComputeNodeMetrics(*changes[c].after);
      after[c] = &computed[c];
    }
  }
  double score = 0;
  for (int m = 0; m < kMetricCount; ++m) {
    if (m == kLocationExclusionMetric) continue;
    const auto& s = stats_[m];
    double ds = 0, dss = 0;
    for (int c = 0; c < count; ++c) {
      if (changes[c].before->offline() == info[m].online) continue;
      const double x = (*changes[c].metrics_before)[m], y = (*after[c])[m];
      ds += y - x;
      dss += y * y - x * x;
    }
    if (info[m].std_dev) {
      const double var =
          std::max(0.0, s.var + ((s.n * dss - 2 * s.sum * ds) - ds * ds) / (s.n * s.n));
      score += info[m].weight * std::sqrt(var);
    } else {
      score += info[m].weight * (s.sum + ds);
    }
  }
  bool maps_change = false;
  for (int c = 0; c < count; ++c) {
    maps_change = maps_change || !changes[c].before->instance_map().empty() ||
                  !changes[c].after->instance_map().empty();
  }
  if (!maps_change) return score + MapValue();
  LocationExclusionCounts map = tag_map_;
  for (int c = 0; c < count; ++c) {
    if (changes[c].before->offline()) continue;
    AddMap(map, changes[c].before->instance_map(), -1);
    AddMap(map, changes[c].after->instance_map(), 1);
  }
  return score + Metrics()[kLocationExclusionMetric].weight * MapStatistic(map);
}

namespace {

// One node's metric going from x to y, applied to a running statistic
// (count n, sum, variance) as Ganeti's updateCStats does, one change at a time.
template <typename Statistic>
void ApplySequentialChange(Statistic& s, double x, double y, bool std_dev) {
  const double ds = y - x;
  if (std_dev) {
    const double dss = y * y - x * x;
    const double dnnvar = (s.n * dss - 2 * s.sum * ds) - ds * ds;
    s.var = std::max(0.0, s.var + dnnvar / (s.n * s.n));
  }
  s.sum += ds;
}

const NodeMetrics& AfterMetrics(const ClusterStatistics::Change& change, NodeMetrics& computed) {
  if (change.metrics_after) return *change.metrics_after;
  computed = ComputeNodeMetrics(*change.after);
  return computed;
}

}  // namespace

double ClusterStatistics::SequentialScoreWith(const Change* changes, int count) const {
  const auto& info = Metrics();
  if (stats_[0].n == 0) return 0;
  NodeMetrics computed[3];
  const NodeMetrics* after[3];
  for (int c = 0; c < count; ++c) after[c] = &AfterMetrics(changes[c], computed[c]);
  double score = 0;
  for (int m = 0; m < kMetricCount; ++m) {
    double value;
    if (m == kLocationExclusionMetric) {
      LocationExclusionCounts map = tag_map_;
      for (int c = 0; c < count; ++c) {
        if (changes[c].before->offline()) continue;
        AddMap(map, changes[c].before->instance_map(), -1);
        AddMap(map, changes[c].after->instance_map(), 1);
      }
      value = MapStatistic(map);
    } else {
      Stat s = stats_[m];
      for (int c = 0; c < count; ++c) {
        if (changes[c].before->offline() == info[m].online) continue;
        ApplySequentialChange(s, (*changes[c].metrics_before)[m], (*after[c])[m], info[m].std_dev);
      }
      value = info[m].std_dev ? std::sqrt(s.var) : s.sum;
    }
    score += info[m].weight * value;
  }
  return score;
}

ClusterStatistics::Partial ClusterStatistics::SequentialAfter(const Change& first) const {
  const auto& info = Metrics();
  Partial out;
  out.empty = stats_[0].n == 0;
  out.map_value = MapStatistic(tag_map_);
  NodeMetrics computed;
  const NodeMetrics& after = AfterMetrics(first, computed);
  for (int m = 0; m < kMetricCount; ++m) {
    const Stat& s = stats_[m];
    Partial::Entry e{s.n, s.sum, s.var};
    if (m != kLocationExclusionMetric && first.before->offline() != info[m].online) {
      ApplySequentialChange(e, (*first.metrics_before)[m], after[m], info[m].std_dev);
    }
    out.stats[m] = e;
  }
  return out;
}

double ClusterStatistics::SequentialScoreFrom(const Partial& partial, const Change& second) const {
  const auto& info = Metrics();
  if (partial.empty) return 0;
  NodeMetrics computed;
  const NodeMetrics& after = AfterMetrics(second, computed);
  const bool offline = second.before->offline();
  double score = 0;
  for (int m = 0; m < kMetricCount; ++m) {
    double value;
    if (m == kLocationExclusionMetric) {
      value = partial.map_value;
    } else {
      Partial::Entry s = partial.stats[m];
      if (offline != info[m].online) {
        ApplySequentialChange(s, (*second.metrics_before)[m], after[m], info[m].std_dev);
      }
      value = info[m].std_dev ? std::sqrt(s.var) : s.sum;
    }
    score += info[m].weight * value;
  }
  return score;
}

double ClusterStatistics::TwoPassScoreWith(const std::vector<NodeState>& nodes,
                                           const std::vector<NodeMetrics>& metrics,
                                           const Change& change) const {
  const auto& info = Metrics();
  if (stats_[0].n == 0) return 0;
  NodeMetrics computed;
  const NodeMetrics& after = AfterMetrics(change, computed);
  const int changed = change.before->idx();
  double score = 0;
  for (int m = 0; m < kMetricCount; ++m) {
    double value;
    if (m == kLocationExclusionMetric) {
      LocationExclusionCounts map = tag_map_;
      if (!change.before->offline()) {
        AddMap(map, change.before->instance_map(), -1);
        AddMap(map, change.after->instance_map(), 1);
      }
      value = MapStatistic(map);
    } else {
      const auto at = [&](size_t i) {
        return static_cast<int>(i) == changed ? after[m] : metrics[i][m];
      };
      double n = 0, sum = 0;
      for (size_t i = 0; i < nodes.size(); ++i) {
        if (nodes[i].offline() == info[m].online) continue;
        n += 1;
        sum += at(i);
      }
      if (info[m].std_dev) {
        const double mean = sum / n;
        double nvar = 0;
        for (size_t i = 0; i < nodes.size(); ++i) {
          if (nodes[i].offline() == info[m].online) continue;
          const double d = at(i) - mean;
          nvar += d * d;
        }
        value = std::sqrt(nvar / n);
      } else {
        value = sum;
      }
    }
    score += info[m].weight * value;
  }
  return score;
}

double ClusterStatistics::MapValue() const {
  return Metrics()[kLocationExclusionMetric].weight * MapStatistic(tag_map_);
}

std::array<double, kMetricCount> ClusterStatistics::Values() const {
  std::array<double, kMetricCount> out{};
  for (int m = 0; m < kMetricCount; ++m) {
    out[m] = Metrics()[m].std_dev ? std::sqrt(stats_[m].var) : stats_[m].sum;
  }
  out[kLocationExclusionMetric] = MapStatistic(tag_map_);
  return out;
}

double ClusterStatistics::Score() const {
  // Ganeti zips the online and offline figures: with no online node there
  // are no statistics at all, and the score is 0.
  if (stats_[0].n == 0) return 0;
  const auto values = Values();
  double score = 0;
  for (int m = 0; m < kMetricCount; ++m) score += Metrics()[m].weight * values[m];
  return score;
}

double ClusterScore(const std::vector<NodeState>& nodes) {
  return ClusterStatistics(nodes).Score();
}

double OptimalScore(const std::vector<NodeState>& nodes) {
  if (nodes.size() <= 1) return 0;
  double total = 0, biggest = 0, reserved = 0;
  for (const auto& n : nodes) {
    total += n.t_mem();
    biggest = std::max(biggest, n.t_mem());
    for (const auto& [pnode, mem] : n.peers()) reserved += mem;
  }
  const double without_biggest = total - biggest;
  if (without_biggest <= 0) return 0;
  return kReservedMemRtotalCoeff * (reserved / without_biggest - reserved / total);
}

std::string FormatStatistics(const std::string& prefix, const std::vector<NodeState>& nodes) {
  const auto values = ClusterStatistics(nodes).Values();
  std::vector<std::vector<std::string>> rows;
  for (int m = 0; m < kMetricCount; ++m) {
    char value[64], weight[32];
    std::snprintf(value, sizeof value, "%.8f", values[m]);
    std::snprintf(weight, sizeof weight, "x%.2f", Metrics()[m].weight);
    rows.push_back({Metrics()[m].name, value, weight});
  }
  return PrintTable(prefix, {"Field", "Value", "Weight"}, rows, {false, true, true});
}

}  // namespace herd::htools
