#include "htools/cli_common.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "base/errors.h"
#include "base/files.h"
#include "base/paths.h"
#include "htools/iallocator_request.h"
#include "htools/luxi_loader.h"
#include "htools/rapi_loader.h"
#include "htools/text_loader.h"
#include "htools/text_writer.h"

namespace herd::htools {

std::vector<std::string> SplitCommas(const std::string& text) {
  std::vector<std::string> out;
  if (text.empty()) return out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) out.push_back(item);
  return out;
}

void AddCommonOptions(CLI::App& app, CommonOptions& o) {
  app.add_option("-t,--text-data", o.text_file, "the cluster data FILE (text backend)");
  app.add_option("-L,--luxi", o.luxi, "query the master daemon over LUXI [SOCKET]")->expected(0, 1);
  app.add_option("-m", o.rapi, "collect data from the RAPI server of CLUSTER");
  app.add_option("-I,--ialloc-src", o.ialloc_src, "iallocator request FILE as cluster source");
  app.add_option("--rapi-user", o.rapi_user, "RAPI user name (for -m)");
  app.add_option("--rapi-password", o.rapi_password, "RAPI password (for -m)");
  app.add_flag("-v,--verbose", o.verbose_count, "increase the verbosity");
  app.add_flag("-q,--quiet", o.quiet_count, "decrease the verbosity");
  app.add_option("-p,--print-nodes", o.print_nodes, "print the node list [FIELDS]")->expected(0, 1);
  app.add_flag("--print-instances", o.print_instances, "print the instance list");
  app.add_option("-O,--offline", o.offline, "set NODE as offline (repeatable)")
      ->allow_extra_args(false);
  app.add_option("--max-cpu", o.max_cpu, "maximum virtual-to-physical cpu RATIO");
  app.add_option("--min-disk", o.min_disk, "minimum free disk space RATIO for nodes");
  app.add_option("--exclusion-tags", o.exclusion_tags, "exclusion TAGS (comma separated)")
      ->delimiter(',');
  app.add_option("--select-instances", o.select_instances, "only move these INSTs")->delimiter(',');
  app.add_option("--exclude-instances", o.exclude_instances, "never move these INSTs")
      ->delimiter(',');
  app.add_option("-U,--dynu-file", o.dynu_file, "dynamic utilisation data FILE");
  app.add_flag("--ignore-dynu", o.ignore_dynu, "ignore dynamic utilisation data");
  app.add_option("-G,--group", o.group, "the target node GROUP");
  app.add_option("--static-kvm-node-memory", o.static_kvm_node_memory,
                 "memory reserved for the node on KVM, in MiB");
}

void AddSaveOption(CLI::App& app, CommonOptions& o) {
  app.add_option("-S,--save", o.save_cluster, "save the cluster state to FILE.{original,...}");
}

void AddBalanceOptions(CLI::App& app, BalanceOptions& b) {
  app.add_flag("--evac-mode", b.evac_mode, "only move instances away from offline nodes");
  app.add_option("-l,--max-length", b.max_length, "maximum number of moves");
  app.add_option("-e,--min-score", b.min_score, "minimum score to aim for");
  app.add_option("-g,--min-gain", b.min_gain, "minimum gain a move must bring");
  app.add_option("--min-gain-limit", b.min_gain_limit, "score below which --min-gain applies");
  app.add_flag_callback(
      "--no-disk-moves", [&b] { b.disk_moves = false; }, "no moves that copy disks");
  app.add_flag_callback(
      "--no-instance-moves", [&b] { b.instance_moves = false; }, "no migrations or failovers");
  app.add_flag("--ignore-soft-errors", b.ignore_soft_errors,
               "ignore soft errors (policy, N+1) while balancing");
}

void FinishCommonOptions(CommonOptions& o) { o.verbose = 1 + o.verbose_count - o.quiet_count; }

namespace {

std::map<std::string, DynUtil> ReadUtilisation(const std::string& path) {
  std::map<std::string, DynUtil> out;
  std::istringstream in(ReadFile(path));
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;
    std::istringstream fields(line);
    std::string name;
    DynUtil u;
    if (!(fields >> name >> u.cpu >> u.mem >> u.dsk >> u.net)) {
      throw ParameterError("can't parse utilisation data: " + path + ":" + std::to_string(number) +
                           ": cannot parse line " + line);
    }
    out[name] = u;
  }
  return out;
}

}  // namespace

std::string DefaultLuxiSocket() { return Paths::FromEnvironment().FollowedMasterSocket(); }

ClusterData LoadClusterData(const CommonOptions& o) {
  const int sources = (o.text_file ? 1 : 0) + (o.luxi ? 1 : 0) + (o.rapi.empty() ? 0 : 1);
  if (sources > 1) {
    throw ParameterError("Only one of the rapi, luxi, and data files options should be given.");
  }
  if (!o.rapi.empty()) return LoadRapi(o.rapi, o.rapi_user, o.rapi_password);
  if (o.luxi) return LoadLuxi(o.luxi->empty() ? DefaultLuxiSocket() : *o.luxi);
  if (o.text_file) return LoadTextFile(*o.text_file);
  if (o.ialloc_src) {
    // Ganeti reports a malformed request without naming the file.
    const std::string prefix = *o.ialloc_src + ": ";
    try {
      return ParseIAllocatorRequest(ReadFile(*o.ialloc_src), *o.ialloc_src).cluster;
    } catch (const GanetiError& e) {
      std::string message = e.args().empty() ? std::string(e.what()) : e.args()[0];
      if (message.compare(0, prefix.size(), prefix) == 0) message.erase(0, prefix.size());
      throw ParameterError(message);
    }
  }
  throw ParameterError("No backend selected! Exiting.");
}

void MaybeSaveCluster(const CommonOptions& o, const std::string& extension,
                      const std::string& message, const ClusterData& data) {
  if (!o.save_cluster) return;
  const std::string path = *o.save_cluster + "." + extension;
  WriteFileAtomic(path, SerializeClusterData(data));
  std::cerr << "The cluster state " << message << " has been written to file '" << path << "'\n";
}

Cluster LoadCluster(const CommonOptions& o) { return BuildCluster(o, LoadClusterData(o)); }

Cluster BuildCluster(const CommonOptions& o, const ClusterData& data) {
  LoadOptions lo;
  lo.exclusion_tags = o.exclusion_tags;
  lo.selected_instances = o.select_instances;
  lo.excluded_instances = o.exclude_instances;
  lo.offline_nodes = o.offline;
  lo.ignore_dynu = o.ignore_dynu;
  lo.max_cpu = o.max_cpu;
  lo.min_disk = o.min_disk;
  if (o.dynu_file && !o.ignore_dynu) lo.utilisation = ReadUtilisation(*o.dynu_file);
  lo.static_kvm_node_memory = o.static_kvm_node_memory;
  lo.merge_twice = o.ialloc_src && !o.text_file && !o.luxi && o.rapi.empty();
  Cluster cluster = Cluster::Build(data, lo);
  // The iallocator parser reports its own merge whatever the verbosity.
  if (!cluster.first_merge_warnings.empty()) {
    std::cerr << "Warning: cluster has inconsistent data:\n";
    for (const auto& w : cluster.first_merge_warnings) std::cerr << "  - " << w << "\n";
    std::cerr << "\n";
  }
  if (o.verbose != 0 && !cluster.warnings.empty()) {
    std::cerr << "Warning: cluster has inconsistent data:\n";
    for (const auto& w : cluster.warnings) std::cerr << "  - " << w << "\n";
    std::cerr << "\n";
  }
  return cluster;
}

int RunProgram(int argc, char** argv, int (*body)(int, char**)) {
  try {
    return body(argc, argv);
  } catch (const ExitRequest& e) {
    return e.code;
  } catch (const GanetiError& e) {
    std::cout.flush();
    std::cerr << "Error: " << (e.args().empty() ? std::string(e.what()) : e.args()[0]) << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cout.flush();
    std::cerr << "Error: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace herd::htools
