// Commands that ask the master candidates' confd daemons (src/confd/client.h)
// rather than the master daemon.
#pragma once

#include <vector>

#include "program.h"

namespace herd::cli {

// gnt-node list-drbd: Ganeti's, from confd.
std::vector<CommandEntry> NodeConfdCommands();
// gnt-debug confd: every confd request type, answered as the candidates agree.
std::vector<CommandEntry> DebugConfdCommands();

}  // namespace herd::cli
