// gnt-cluster master-failover, run on the master candidate that takes over
// (Ganeti's bootstrap.MasterFailover): the nodes' vote, the old master's
// daemons stopped, the role recorded in this node's copy of the config and
// in every node's ssconf, the master daemons started here.
#pragma once

#include <string>
#include <vector>

#include "base/paths.h"

namespace herd::bootstrap {

struct FailoverResult {
  int exit_code = 0;  // 1 when something only worked partly (see warnings)
  std::vector<std::string> warnings;
};

// Throws OpPrereqError when the failover cannot start (this node is the
// master already or not a candidate, the vote fails); nothing changed then.
FailoverResult MasterFailover(const Paths& paths, bool no_voting);

}  // namespace herd::bootstrap
