#include "htools/hbal.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>

#include "base/errors.h"
#include "base/files.h"
#include "htools/balance.h"
#include "htools/cli_common.h"
#include "htools/execute.h"
#include "htools/haskell_show.h"
#include "htools/metrics.h"
#include "htools/node_table.h"
#include "htools/text_writer.h"

namespace herd::htools {
namespace {

struct HbalOptions {
  CommonOptions common;
  BalanceOptions balance;
  std::optional<std::string> print_commands;  // -C[FILE]
  bool exec_jobs = false, first_job_group = false;
  std::string reason, priority;
};

void Print(const char* fmt, double a) { std::printf(fmt, a); }

// Haskell's printf "%.6g": fixed notation between 0.1 and 10^7 (and for 0),
// otherwise exponent notation with an unpadded exponent ("1.000000e-9").
std::string HaskellG(double x) {
  char buf[64];
  const double a = std::abs(x);
  if (x == 0 || (a >= 0.1 && a < 1e7)) {
    std::snprintf(buf, sizeof buf, "%.6f", x);
    return buf;
  }
  std::snprintf(buf, sizeof buf, "%.6e", x);
  std::string s = buf;
  const auto e = s.find('e');
  std::string mantissa = s.substr(0, e), exponent = s.substr(e + 1);
  const bool negative = exponent[0] == '-';
  exponent = exponent.substr(1);
  exponent.erase(0, std::min(exponent.find_first_not_of('0'), exponent.size() - 1));
  return mantissa + "e" + (negative ? "-" : "") + exponent;
}

// Ganeti's Cluster.totalResources: csFmem and csFdsk.
std::pair<long long, long long> FreeResources(const std::vector<NodeState>& nodes) {
  long long mem = 0, dsk = 0;
  for (const auto& n : nodes) {
    mem += n.UnallocatedMem();
    dsk += n.f_dsk();
  }
  return {mem, dsk};
}

int Run(int argc, char** argv) {
  HbalOptions o;
  CLI::App app{"Cluster balancer (Ganeti's hbal)", "hbal"};
  AddCommonOptions(app, o.common);
  AddSaveOption(app, o.common);
  app.add_option("-C,--print-commands", o.print_commands, "print the commands [FILE]")
      ->expected(0, 1);
  app.add_flag("--restricted-migration", o.balance.restricted_migration,
               "disallow migrations to nodes not yet upgraded");
  app.add_flag("-X,--exec", o.exec_jobs, "execute the moves through LUXI");
  app.add_flag("--first-job-group", o.first_job_group, "only the first job set");
  app.add_option("--reason", o.reason, "reason trail for executed jobs");
  AddBalanceOptions(app, o.balance);
  app.add_option("--priority", o.priority, "priority of the executed jobs");
  std::string search = "auto";
  app.add_option("--search", search,
                 "move search: exhaustive (Ganeti's), lazy (large clusters) or auto")
      ->check(CLI::IsMember({"auto", "exhaustive", "lazy"}));
  size_t shortlist = o.balance.shortlist;
  app.add_option("--lazy-targets", shortlist, "target nodes per instance in a lazy search")
      ->check(CLI::PositiveNumber);
  app.set_version_flag("-V,--version", "hbal (Herd) " + std::string("0.1"));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    throw ExitRequest{app.exit(e)};
  }
  FinishCommonOptions(o.common);
  o.balance.shortlist = shortlist;
  if (search == "exhaustive") o.balance.exhaustive_limit = SIZE_MAX;
  if (search == "lazy") o.balance.exhaustive_limit = 0;
  const int verbose = o.common.verbose;

  const ClusterData data = LoadClusterData(o.common);
  Cluster full = BuildCluster(o.common, data);
  if (verbose > 1) {
    std::string tags;
    for (const auto& t : data.cluster_tags) tags += (tags.empty() ? "" : ",") + t;
    std::printf("Loaded cluster tags: %s\n", tags.c_str());
    std::printf("Loaded cluster ipolicy: %s\n", HaskellShowIPolicy(data.cluster_ipolicy).c_str());
  }
  if (full.instances.empty()) {
    std::printf("Cluster is empty, exiting.\n");
    return 0;
  }
  const auto split = full.SplitInstances();
  if (!split.empty() && verbose > 1) {
    std::cerr << "Found instances belonging to multiple node groups:\n";
    for (int i : split) std::cerr << "  " << full.instances[i].name << "\n";
    std::cerr << "These instances will not be moved.\n";
  }
  std::printf("Loaded %zu nodes, %zu instances\n", full.nodes.size(), full.instances.size());
  const std::string suffix = full.CommonSuffix();
  if (!suffix.empty() && verbose > 1) {
    std::printf("Note: Stripping common suffix of '%s' from names\n", suffix.c_str());
  }
  if (o.common.save_cluster) {
    // Ganeti saves the data as loaded, before -O takes nodes offline.
    ClusterData original = CurrentClusterData(data, full);
    for (size_t i = 0; i < original.nodes.size(); ++i)
      original.nodes[i].offline = data.nodes[i].offline;
    std::fflush(stdout);
    MaybeSaveCluster(o.common, "original", "before balancing", original);
  }

  // Ganeti's selectGroup.
  const auto groups = full.NodeGroups();
  int gidx = -1;
  if (!o.common.group) {
    if (groups.size() > 1) {
      std::fflush(stdout);
      std::cerr << "Found multiple node groups:\n";
      for (int g : groups) std::cerr << "  " << full.group(g).name << "\n";
      throw ParameterError("Aborting.");
    }
    gidx = groups.at(0);
  } else {
    for (size_t g = 0; g < full.statics().groups.size(); ++g) {
      if (full.statics().groups[g].name == *o.common.group) gidx = static_cast<int>(g);
    }
    if (gidx < 0) {
      std::fflush(stdout);
      std::cerr << "Node group " << *o.common.group << " not found. Node group list is:\n";
      for (const auto& g : full.statics().groups) std::cerr << "  " << g.name << "\n";
      throw ParameterError("Aborting.");
    }
  }
  Cluster cluster = full.GroupSubset(gidx);
  std::printf("Group size %zu nodes, %zu instances\n", cluster.nodes.size(),
              cluster.instances.size());
  std::printf("Selected node group: %s\n", full.group(gidx).name.c_str());
  const auto [bad_nodes, bad_instances] = cluster.BadItems();
  if (verbose >= 1) {
    std::printf("Initial check done: %zu bad nodes, %zu bad instances.\n", bad_nodes.size(),
                bad_instances.size());
  }
  int policy_bad = 0;
  std::vector<std::string> bad_names, happy_names, policy_status;
  for (int b : bad_nodes) bad_names.push_back(cluster.nodes[b].name());
  for (const auto& n : cluster.nodes) {
    if (std::find(bad_nodes.begin(), bad_nodes.end(), n.idx()) != bad_nodes.end()) continue;
    const auto health = n.PolicyHealth();
    if (health) ++policy_bad;
    happy_names.push_back(n.name());
    policy_status.push_back("(" + HaskellShowString(n.name()) + "," +
                            (health ? std::string("Bad ") + FailModeName(*health) : "Ok ()") + ")");
  }
  if (verbose > 4) {
    std::string status;
    for (const auto& s : policy_status) status += (status.empty() ? "" : ",") + s;
    std::printf("Bad nodes: %s\n", HaskellShowStrings(bad_names).c_str());
    std::printf("N+1 happy nodes: %s\n", HaskellShowStrings(happy_names).c_str());
    std::printf("Node policy status: [%s]\n", status.c_str());
  }
  if (!bad_nodes.empty()) {
    std::printf(
        "Cluster is not N+1 happy, continuing but no guarantee that the cluster will end N+1 "
        "happy.\n");
  }
  if (policy_bad > 0) {
    std::printf("The cluster contains %d policy-violating nodes.\n", policy_bad);
    std::printf("%s\n", o.balance.ignore_soft_errors
                            ? "Continuing, ignoring soft errors."
                            : "Continuing, but the set of moves might be too restricted; "
                              "consider using the --ignore-soft-errors option.");
  }
  if (o.common.print_instances) {
    std::fflush(stdout);
    std::cerr << "\nInitial instance map:\n" << PrintInstances(cluster);
  }
  const auto node_fields =
      o.common.print_nodes ? SplitCommas(*o.common.print_nodes) : std::vector<std::string>{};
  if (o.common.print_nodes) {
    std::fflush(stdout);
    std::cerr << "\nInitial cluster status:\n" << PrintNodes(cluster, node_fields) << "\n";
  }

  const double ini_cv = ClusterScore(cluster.nodes);
  const double opt_cv = OptimalScore(cluster.nodes);
  if (verbose > 2) {
    std::printf("Initial coefficients: overall %.8f\n%s", ini_cv,
                FormatStatistics("  ", cluster.nodes).c_str());
  } else {
    Print("Initial score: %.8f\n", ini_cv);
  }
  if (ini_cv - opt_cv < o.balance.min_score) {
    std::printf(
        "Cluster is already well balanced (initial score %s,\noptimum score due to N+1 "
        "reservations %s,\nminimum score %s).\nNothing to do, exiting\n",
        HaskellG(ini_cv).c_str(), HaskellG(opt_cv).c_str(), HaskellG(o.balance.min_score).c_str());
    return 0;
  }
  std::printf("Trying to minimize the CV...\n");
  std::fflush(stdout);

  int imlen = 0, nmlen = 0;
  for (const auto& i : cluster.instances) imlen = std::max<int>(imlen, i.alias.size());
  for (const auto& n : cluster.nodes) nmlen = std::max<int>(nmlen, n.fixed().alias.size());

  const Cluster initial = cluster;
  double score = ini_cv;
  std::vector<MoveJob> jobs;
  const double stop_score = opt_cv + o.balance.min_score;
  Balancer balancer(cluster, o.balance);
  for (;;) {
    const int length = static_cast<int>(jobs.size());
    if (!((o.balance.max_length < 0 || length < o.balance.max_length) && score > stop_score)) {
      break;
    }
    const Cluster before = cluster;
    Placement placement;
    if (!balancer.Step(score, placement)) break;
    MoveJob job;
    const std::string line = SolutionLine(before, placement, length + 1, nmlen, imlen, job);
    jobs.push_back(std::move(job));
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
  }

  if (jobs.empty()) {
    std::printf("No solution found\n");
  } else if (verbose > 2) {
    std::printf("Final coefficients:   overall %.8f\n%s", score,
                FormatStatistics("  ", cluster.nodes).c_str());
  } else {
    std::printf("Cluster score improved from %.8f to %.8f\n", ini_cv, score);
  }
  if (verbose >= 1) std::printf("Solution length=%zu\n", jobs.size());

  if (o.print_commands) {
    const std::string cmds = FormatCommands(jobs, o.first_job_group);
    const std::string title =
        o.first_job_group ? "First set of jobs:" : "Commands to run to reach the above solution:";
    if (o.print_commands->empty() || *o.print_commands == "-") {
      std::printf("\n%s\n", title.c_str());
      size_t start = 0;
      while (start < cmds.size()) {
        size_t end = cmds.find('\n', start);
        std::string line = cmds.substr(start, end - start);
        if (line != "  check") std::printf("  %s\n", line.c_str());
        start = end + 1;
      }
    } else {
      WriteFileAtomic(*o.print_commands, "#!/bin/sh\n\nset -e\n\n" + cmds);
      std::printf("The commands have been written to file '%s'\n", o.print_commands->c_str());
    }
  }
  if (o.common.save_cluster) {
    std::fflush(stdout);
    MaybeSaveCluster(o.common, "balanced", "after balancing", CurrentClusterData(data, cluster));
  }
  if (o.common.print_instances) {
    std::fflush(stdout);
    std::cerr << "\nFinal instance map:\n" << PrintInstances(cluster);
  }
  if (o.common.print_nodes) {
    std::fflush(stdout);
    std::cerr << "\nFinal cluster status:\n" << PrintNodes(cluster, node_fields) << "\n";
  }
  if (verbose > 3) {
    const auto [ini_mem, ini_dsk] = FreeResources(initial.nodes);
    const auto [fin_mem, fin_dsk] = FreeResources(cluster.nodes);
    std::printf("Original: mem=%lld disk=%lld\n", ini_mem, ini_dsk);
    std::printf("Final:    mem=%lld disk=%lld\n", fin_mem, fin_dsk);
  }
  if (o.exec_jobs && !jobs.empty()) {
    if (!o.common.luxi) throw ParameterError("Execution of commands possible only on LUXI");
    auto sets = SplitJobSets(jobs);
    if (o.first_job_group && sets.size() > 1) sets.resize(1);
    ExecuteJobSets(o.common.luxi->empty() ? DefaultLuxiSocket() : *o.common.luxi, initial, sets);
  }
  return 0;
}

}  // namespace

int HbalMain(int argc, char** argv) { return RunProgram(argc, argv, Run); }

}  // namespace herd::htools
