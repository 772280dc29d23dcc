// gnt-node's commands beyond the node itself, grouped as Ganeti's
// gnt_node.py groups them; gnt_node.cc assembles the program.
#pragma once

#include <vector>

#include "program.h"

namespace herd::cli {

// list-storage, modify-storage, repair-storage, volumes.
std::vector<CommandEntry> NodeStorageCommands();
// evacuate, migrate, failover: the node's instances moved away.
std::vector<CommandEntry> NodeInstanceCommands();

}  // namespace herd::cli
