// Choosing the node group of a new or moved instance as Ganeti's hail does
// (Cluster.hs findBestAllocGroup, tryMGAlloc, tryGroupAlloc): network
// requirements, alloc policies, then the group's best placement.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "htools/allocation.h"
#include "htools/cluster.h"

namespace herd::htools {

// A solution and the log lines hail joins into its answer's info.
struct LoggedAllocation {
  int group = -1;
  AllocSolution solution;  // solution.found: whether it fits
  std::vector<std::string> log;
  // Ganeti's solution carries the node list it was found in: the group's
  // nodes alone for tryGroupAlloc and the dedicated allocations. hail goes
  // on with that list (later allocations, the final node list), not the
  // cluster's.
  bool group_nodes_only = false;
  // The solution's description without the group (genericDescribeSolution).
  std::string description;
};

// Ganeti's hasRequiredNetworks: every NIC's network is connected to the group.
bool HasRequiredNetworks(const Group& group, const InstanceState& inst,
                         const std::vector<std::optional<std::string>>& nic_networks);

// Ganeti's findBestAllocGroup over the groups in `allowed` (all when unset).
// Throws ParameterError (hail's failure text) when no group fits.
LoggedAllocation FindBestAllocGroup(const Cluster& cluster,
                                    const std::optional<std::vector<int>>& allowed,
                                    const InstanceState& inst,
                                    const std::vector<std::optional<std::string>>& nic_networks,
                                    int required, const AllocOptions& options);

// Ganeti's tryMGAlloc: the best group, its log headed by "Selected group: X".
LoggedAllocation TryMultiGroupAllocation(
    const Cluster& cluster, const InstanceState& inst,
    const std::vector<std::optional<std::string>>& nic_networks, int required,
    const AllocOptions& options);

// Ganeti's tryGroupAlloc: placement inside the named group only, scored and
// checked for N+1 against that group alone. The solution's nodes are
// indices of `cluster`. `instance_keys` are Ganeti's indices of the
// cluster's instances (their own indices when null): the capacity check
// files the new instance as Ganeti does (AllocOptions::capacity_replaced_instance).
// Throws ParameterError for an unknown group or a missing network.
LoggedAllocation TryGroupAllocation(const Cluster& cluster, const std::string& group_name,
                                    const InstanceState& inst,
                                    const std::vector<std::optional<std::string>>& nic_networks,
                                    int required, const AllocOptions& options,
                                    const std::vector<int>* instance_keys = nullptr);

}  // namespace herd::htools
