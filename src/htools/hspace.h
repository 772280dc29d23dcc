// hspace: Ganeti's cluster capacity estimator (tiered and standard
// allocation of new instances until the cluster is full).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "htools/cluster_model.h"

namespace herd::htools {

// Ganeti's Backend/Simu: one group of identical empty nodes per
// description "[alloc_policy,]num_nodes,disk,ram,cpu[,spindles[,excl_storage]]".
// Throws ParameterError for a malformed description.
ClusterData SimulatedCluster(const std::vector<std::string>& descriptions);

// Ganeti's parseUnit: an integer with an optional unit, in MiB.
int64_t ParseUnit(const std::string& text);

// Haskell's `show` for a Double ("1.0", "0.1", "1.0e-2", "1.2e7").
std::string ShowDouble(double value);

int HspaceMain(int argc, char** argv);

}  // namespace herd::htools
