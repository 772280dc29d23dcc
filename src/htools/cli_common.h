// Options every htools program shares (Ganeti's CLI.hs names) and loading
// the cluster from whichever backend they select.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "htools/balance.h"
#include "htools/cluster.h"
#include "htools/cluster_model.h"

namespace CLI {
class App;
}

namespace herd::htools {

struct CommonOptions {
  std::optional<std::string> text_file;   // -t
  std::optional<std::string> luxi;        // -L[SOCKET]
  std::string rapi;                       // -m CLUSTER
  std::optional<std::string> ialloc_src;  // -I FILE
  std::string rapi_user, rapi_password;   // not Ganeti's: RAPI credentials
  int verbose = 1;
  int verbose_count = 0, quiet_count = 0;
  std::optional<std::string> print_nodes;  // -p[FIELDS]
  bool print_instances = false;
  std::vector<std::string> offline;  // -O
  std::optional<double> max_cpu;     // --max-cpu
  double min_disk = 0;               // --min-disk
  std::vector<std::string> exclusion_tags;
  std::vector<std::string> select_instances, exclude_instances;
  std::optional<std::string> dynu_file;  // -U
  bool ignore_dynu = false;
  std::optional<std::string> save_cluster;  // -S
  std::optional<std::string> group;         // -G
  int static_kvm_node_memory = 4096;
};

enum class OptionSet { kSource, kNodes, kBalance };
// Registers the source options (-t, -L, -m, -I), -v/-q, -p, -O and friends.
void AddCommonOptions(CLI::App& app, CommonOptions& options);
// Registers -S/--save, for the programs that save the cluster state.
void AddSaveOption(CLI::App& app, CommonOptions& options);
// The balancing options hbal and hcheck share (--evac-mode, -l, -e, -g,
// --min-gain-limit, --no-disk-moves, --no-instance-moves, --ignore-soft-errors).
void AddBalanceOptions(CLI::App& app, BalanceOptions& balance);
// Finishes parsing: verbosity.
void FinishCommonOptions(CommonOptions& options);

// Loads the cluster (Ganeti's loadExternalData): exactly one source; the
// fixes of the loader; warnings about inconsistent data on stderr.
Cluster LoadCluster(const CommonOptions& options);
ClusterData LoadClusterData(const CommonOptions& options);
// The second half of LoadCluster, for programs that also need the raw data.
Cluster BuildCluster(const CommonOptions& options, const ClusterData& data);
// Ganeti's maybeSaveData: with -S PREFIX, writes `data` in the text format
// to PREFIX.EXTENSION and says so on stderr ("The cluster state <message>
// has been written to file ...").
void MaybeSaveCluster(const CommonOptions& options, const std::string& extension,
                      const std::string& message, const ClusterData& data);
// The master's LUXI socket under GANETI_ROOTDIR (-L without a path).
std::string DefaultLuxiSocket();

// Splits a comma-separated list ("a,b,c").
std::vector<std::string> SplitCommas(const std::string& text);

// Runs a program body: Ganeti's "Error: ..." on stderr and exit code 1 for
// errors; exit codes from ExitRequest.
struct ExitRequest {
  int code;
};
int RunProgram(int argc, char** argv, int (*body)(int, char**));

}  // namespace herd::htools
