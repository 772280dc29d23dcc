#include "htools/hcheck.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <iostream>

#include "base/errors.h"
#include "htools/allocation.h"
#include "htools/balance.h"
#include "htools/cli_common.h"
#include "htools/metrics.h"

namespace herd::htools {
namespace {

struct HcheckOptions {
  CommonOptions common;
  BalanceOptions balance;
  bool machine_readable = false, no_simulation = false, no_capacity_checks = false;
};

// Ganeti's GlobalN1.canEvacuateNode. The allocation library checks every
// node with primaries at once; a copy in which only `node` has any (the
// others' instances count as forthcoming: still placed, never evacuated)
// asks about that node alone.
bool CanEvacuateNode(const Cluster& group, int node) {
  Cluster only = group;
  for (auto& inst : only.instances) {
    if (inst.pnode != node) inst.forthcoming = true;
  }
  return Redundant(only, AllocOptions{});
}

struct GroupStats {
  int group;
  double score;
  std::vector<int> values;
};

GroupStats PerGroupChecks(const HcheckOptions& o, int gidx, const Cluster& group) {
  GroupStats s{gidx, ClusterScore(group.nodes), {}};
  int conflicts = 0, offline_pri = 0, offline_nodes = 0, gn1_fail = 0;
  for (const auto& n : group.nodes) {
    if (n.ConflictingPrimaries() > 0) ++conflicts;
    if (n.offline()) {
      offline_pri += n.primary_count();
      ++offline_nodes;  // Ganeti counts the offline nodes here, not their secondaries
    }
    if (!o.no_capacity_checks && !CanEvacuateNode(group, n.idx())) ++gn1_fail;
  }
  s.values = {static_cast<int>(group.BadItems().first.size()), conflicts, offline_pri,
              offline_nodes};
  if (!o.no_capacity_checks) s.values.push_back(gn1_fail);
  return s;
}

std::vector<std::pair<std::string, std::string>> CommonData(const HcheckOptions& o) {
  std::vector<std::pair<std::string, std::string>> d{
      {"N1_FAIL", "Nodes not N+1 happy"},
      {"CONFLICT_TAGS", "Nodes with conflicting instances"},
      {"OFFLINE_PRI", "Instances having the primary node offline"},
      {"OFFLINE_SEC", "Instances having a secondary node offline"}};
  if (!o.no_capacity_checks) d.push_back({"GN1_FAIL", "Nodes not directly evacuateable"});
  return d;
}

// Ganeti's ensureQuoted.
std::string Quoted(const std::string& v) {
  const bool plain = std::all_of(v.begin(), v.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.';
  });
  return plain ? v : "'" + v + "'";
}

void PrintKey(const std::string& key, const std::string& value) {
  std::printf("HCHECK_%s=%s\n", key.c_str(), Quoted(value).c_str());
}

// One block of statistics: `level` is "GROUP_<n>" / a group name, or empty
// for the cluster.
void PrintStats(const HcheckOptions& o, bool initial, const std::string* group,
                const std::vector<std::pair<std::string, std::string>>& data,
                const std::vector<std::string>& values) {
  if (o.machine_readable) {
    const std::string prefix = std::string(initial ? "INIT" : "FINAL") +
                               (group ? "_GROUP_" + *group : std::string("_CLUSTER"));
    for (size_t i = 0; i < data.size() && i < values.size(); ++i) {
      PrintKey(prefix + "_" + data[i].first, values[i]);
    }
    return;
  }
  if (o.common.verbose < 1) return;
  const char* phase = initial ? "initially" : "after rebalancing";
  if (group) {
    std::printf("\nStatistics for group %s %s\n", group->c_str(), phase);
  } else {
    std::printf("\nCluster statistics %s\n", phase);
  }
  for (size_t i = 0; i < data.size() && i < values.size(); ++i) {
    std::printf("    %s: %s\n", data[i].second.c_str(), values[i].c_str());
  }
}

void PrintAll(const HcheckOptions& o, const Cluster& full, bool initial,
              const std::vector<GroupStats>& groups, bool need_rebalance) {
  auto group_data = CommonData(o);
  group_data.push_back({"SCORE", "Group score"});
  auto cluster_data = CommonData(o);
  cluster_data.push_back({"NEED_REBALANCE", "Cluster is not healthy"});
  std::vector<int> totals(CommonData(o).size(), 0);
  for (const auto& g : groups) {
    std::vector<std::string> values;
    for (size_t i = 0; i < g.values.size(); ++i) {
      values.push_back(std::to_string(g.values[i]));
      totals[i] += g.values[i];
    }
    char score[64];
    std::snprintf(score, sizeof score, "%.8f", g.score);
    values.push_back(score);
    const std::string name =
        o.machine_readable ? std::to_string(g.group) : full.group(g.group).name;
    PrintStats(o, initial, &name, group_data, values);
  }
  std::vector<std::string> values;
  // Without groups Ganeti's column sums are empty: only the verdict remains.
  if (!groups.empty()) {
    for (int t : totals) values.push_back(std::to_string(t));
  }
  values.push_back(o.machine_readable ? (need_rebalance ? "1" : "0")
                                      : (need_rebalance ? "True" : "False"));
  PrintStats(o, initial, nullptr, cluster_data, values);
}

bool NeedsRebalance(const std::vector<GroupStats>& groups) {
  for (const auto& g : groups) {
    for (int v : g.values) {
      if (v != 0) return true;
    }
  }
  return false;
}

// Ganeti's maybeSimulateGroupRebalance: hbal's balancing loop, no output.
void SimulateRebalance(const HcheckOptions& o, Cluster& group) {
  double score = ClusterScore(group.nodes);
  const double min_cv = o.balance.min_score + OptimalScore(group.nodes);
  if (score < min_cv) return;
  for (int length = 0;
       (o.balance.max_length < 0 || length < o.balance.max_length) && score > min_cv; ++length) {
    Placement placement;
    if (!BalanceStep(group, o.balance, score, placement)) break;
  }
}

int Run(int argc, char** argv) {
  HcheckOptions o;
  CLI::App app{"Cluster checker (Ganeti's hcheck)", "hcheck"};
  AddCommonOptions(app, o.common);
  app.add_flag("--machine-readable", o.machine_readable, "machine readable output");
  app.add_flag("--no-simulation", o.no_simulation, "do not simulate a rebalance");
  app.add_flag("--no-capacity-checks", o.no_capacity_checks, "no global N+1 checks");
  AddBalanceOptions(app, o.balance);
  app.set_version_flag("-V,--version", "hcheck (Herd) 0.1");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    throw ExitRequest{app.exit(e)};
  }
  FinishCommonOptions(o.common);

  const Cluster full = LoadCluster(o.common);
  std::vector<std::pair<int, Cluster>> groups;
  for (int g : full.NodeGroups()) groups.emplace_back(g, full.GroupSubset(g));

  if (o.machine_readable) {
    for (size_t g = 0; g < full.statics().groups.size(); ++g) {
      PrintKey("GROUP_UUID_" + std::to_string(g), full.statics().groups[g].uuid);
    }
  }
  std::vector<GroupStats> stats;
  for (const auto& [g, c] : groups) stats.push_back(PerGroupChecks(o, g, c));
  const bool need_rebalance = NeedsRebalance(stats);
  if (o.common.verbose >= 1 && !o.machine_readable) {
    std::printf("%s\n", o.no_simulation  ? "Running in no-simulation mode."
                        : need_rebalance ? "Cluster needs rebalancing."
                                         : "No need to rebalance cluster, no problems found.");
  }
  PrintAll(o, full, true, stats, need_rebalance);

  const bool simulate = !o.no_simulation && need_rebalance;
  if (simulate || o.machine_readable) {
    std::vector<GroupStats> final_stats;
    for (auto& [g, c] : groups) {
      if (simulate) SimulateRebalance(o, c);
      final_stats.push_back(PerGroupChecks(o, g, c));
    }
    // Ganeti judges the final state's need of rebalancing on the initial figures.
    PrintAll(o, full, false, final_stats, need_rebalance);
  }
  if (o.machine_readable) PrintKey("OK", "1");
  std::fflush(stdout);
  return o.no_simulation || !need_rebalance ? 0 : 1;
}

}  // namespace

int HcheckMain(int argc, char** argv) { return RunProgram(argc, argv, Run); }

}  // namespace herd::htools
