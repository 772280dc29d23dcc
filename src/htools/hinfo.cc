#include "htools/hinfo.h"

#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>

#include "base/errors.h"
#include "htools/cli_common.h"
#include "htools/haskell_show.h"
#include "htools/metrics.h"
#include "htools/node_table.h"
#include "htools/table.h"

namespace herd::htools {
namespace {

struct HinfoOptions {
  CommonOptions common;
};

void ShowGroupInfo(int verbose, const Cluster& full) {
  std::vector<std::vector<std::string>> rows;
  bool all_happy = true;
  for (int g : full.NodeGroups()) {
    const Cluster group = full.GroupSubset(g);
    const auto bad = group.BadItems();
    const bool happy = bad.first.empty();
    all_happy = all_happy && happy;
    char score[64];
    std::snprintf(score, sizeof score, "%.8f", ClusterScore(group.nodes));
    rows.push_back({full.group(g).name, std::to_string(group.nodes.size()),
                    std::to_string(group.instances.size()), std::to_string(bad.first.size()),
                    std::to_string(bad.second.size()), happy ? "True" : "False", score});
  }
  if (verbose > 1) {
    std::printf(
        "Node group information:\n%s",
        PrintTable("  ",
                   {"Group", "Nodes", "Instances", "Bad_Nodes", "Bad_Instances", "N+1", "Score"},
                   rows, {false, true, true, true, true, false, true})
            .c_str());
  }
  std::printf("Cluster is N+1 %s\n", all_happy ? "happy" : "unhappy");
}

const char* Plural(size_t n, const char* one, const char* many) { return n == 1 ? one : many; }

int Run(int argc, char** argv) {
  HinfoOptions o;
  CLI::App app{"Cluster information (Ganeti's hinfo)", "hinfo"};
  AddCommonOptions(app, o.common);
  app.set_version_flag("-V,--version", "hinfo (Herd) 0.1");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    throw ExitRequest{app.exit(e)};
  }
  FinishCommonOptions(o.common);
  const int verbose = o.common.verbose;

  const ClusterData data = LoadClusterData(o.common);
  const Cluster cluster = BuildCluster(o.common, data);

  std::string tags;
  for (const auto& t : data.cluster_tags) tags += (tags.empty() ? "" : ",") + t;
  std::printf("Loaded cluster tags: %s\n", tags.c_str());
  if (verbose > 2) {
    std::printf("Loaded cluster ipolicy: %s\n", HaskellShowIPolicy(data.cluster_ipolicy).c_str());
  }

  if (cluster.instances.empty() && verbose > 1) std::printf("Cluster is empty.\n");
  const size_t nn = cluster.nodes.size(), ni = cluster.instances.size(),
               ng = cluster.statics().groups.size();
  std::printf("Loaded %zu %s, %zu %s, %zu %s\n", nn, Plural(nn, "node", "nodes"), ni,
              Plural(ni, "instance", "instances"), ng, Plural(ng, "node group", "node groups"));
  const std::string suffix = cluster.CommonSuffix();
  if (!suffix.empty() && verbose > 2) {
    std::printf("Note: Stripping common suffix of '%s' from names\n", suffix.c_str());
  }

  const auto split = cluster.SplitInstances();
  if (split.empty()) {
    if (verbose > 1) std::printf("No split instances found\n");
  } else {
    std::printf("Found instances belonging to multiple node groups:\n");
    std::fflush(stdout);
    for (int i : split) std::cerr << "  " << cluster.instances[i].name << "\n";
  }

  ShowGroupInfo(verbose, cluster);

  if (o.common.print_instances) {
    std::fflush(stdout);
    std::cerr << "\nInstances instance map:\n" << PrintInstances(cluster);
  }
  if (o.common.print_nodes) {
    std::fflush(stdout);
    std::cerr << "\nCluster status:\n"
              << PrintNodes(cluster, SplitCommas(*o.common.print_nodes)) << "\n";
  }
  if (cluster.nodes.empty()) {
    // Ganeti's statistics of no nodes: an empty table and a zero score.
    std::printf("Cluster coefficients:\n   Field Value Weight\nCluster score: 0.00000000\n");
    return 0;
  }
  std::printf("Cluster coefficients:\n%s", FormatStatistics("  ", cluster.nodes).c_str());
  std::printf("Cluster score: %.8f\n", ClusterScore(cluster.nodes));
  return 0;
}

}  // namespace

int HinfoMain(int argc, char** argv) { return RunProgram(argc, argv, Run); }

}  // namespace herd::htools
