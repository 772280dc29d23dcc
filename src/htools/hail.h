// hail: Ganeti's iallocator plugin. Reads a request document, places or
// moves the instances it names and answers {"success", "info", "result"}.
#pragma once

#include <string>

#include "htools/allocation.h"
#include "htools/cluster.h"
#include "htools/iallocator_request.h"

namespace herd::htools {

// The new instance of an allocation, as hail's parser builds it (tags,
// exclusion and desired-location tags from the cluster tags).
InstanceState NewInstanceState(const Instance& spec, const std::vector<std::string>& cluster_tags,
                               int idx);

// The group a multi-allocation names (Ganeti's isAllocationRequest): the one
// group its instances name, if they name exactly one.
std::optional<std::string> MultiAllocateGroup(const MultiAllocateRequest& request);

// Ganeti's Dedicated.isDedicated: every node that could take the instance
// has exclusive storage, so allocations minimise the lost allocations.
bool IsDedicatedCluster(const ClusterData& data, const std::optional<std::string>& group);

// Ganeti's processRequest and formatIAllocResult: the answer document for
// `request`, placements committed to `cluster`.
std::string ProcessRequest(const IAllocatorRequest& request, Cluster& cluster,
                           const AllocOptions& options);

int HailMain(int argc, char** argv);

}  // namespace herd::htools
