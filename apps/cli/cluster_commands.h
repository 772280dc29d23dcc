// gnt-cluster's commands beyond the configuration itself, grouped as in
// Ganeti's gnt_cluster.py; gnt_cluster.cc assembles the program.
#pragma once

#include <vector>

#include "program.h"

namespace herd::cli {

// command, copyfile: run a command on, or copy a file to, the nodes.
std::vector<CommandEntry> ClusterRemoteCommands();
// epo: emergency power-off of nodes and their instances, and back on.
std::vector<CommandEntry> ClusterEpoCommands();
// upgrade: Ganeti's version change, as far as one set of binaries allows.
std::vector<CommandEntry> ClusterUpgradeCommands();

}  // namespace herd::cli
