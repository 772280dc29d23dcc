// hinfo: prints a cluster's groups, N+1 status and score (Ganeti's hinfo).
#pragma once

#include <string>

#include "htools/cluster_model.h"

namespace herd::htools {

// The instance policy as Ganeti's Haskell `show` prints it (hinfo -v -v -v).
std::string ShowIPolicy(const IPolicy& policy);

int HinfoMain(int argc, char** argv);

}  // namespace herd::htools
