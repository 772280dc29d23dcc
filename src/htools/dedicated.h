// Allocation on a dedicated cluster (Ganeti's Dedicated.hs): every node has
// exclusive storage, so a placement is judged by how many minimal-spec
// instances it makes impossible (the lost allocations), then by free disk.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "htools/group_allocation.h"

namespace herd::htools {

// Ganeti's findMGAllocation: the best group by policy, then lost allocations.
LoggedAllocation TryDedicatedAllocation(const Cluster& cluster, const InstanceState& inst,
                                        const std::vector<std::optional<std::string>>& nic_networks,
                                        int required, const AllocOptions& options);

// Ganeti's Dedicated.findAllocation in the named group.
LoggedAllocation TryDedicatedGroupAllocation(
    const Cluster& cluster, const std::string& group_name, const InstanceState& inst,
    const std::vector<std::optional<std::string>>& nic_networks, int required,
    const AllocOptions& options);

}  // namespace herd::htools
