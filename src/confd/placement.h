// Where ganeti-confd runs: Ganeti starts it on every node, Herd only where
// the configuration is, on the master candidates (the node's own ssconf
// says whether it is one), which are the peers Ganeti's clients ask.
#pragma once

#include "base/paths.h"

namespace herd::confd {

inline constexpr const char* kConfdDaemon = "ganeti-confd";

// True when this node's ssconf lists it among the master candidates and it
// holds the cluster's confd HMAC key.
bool ConfdRunsOn(const Paths& node);

}  // namespace herd::confd
