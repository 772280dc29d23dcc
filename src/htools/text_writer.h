// Writing a cluster in Ganeti's htools text format (the inverse of
// text_loader.h), field for field and number for number as Ganeti's
// serializeCluster writes it, so that `hbal -S` files compare byte for byte.
#pragma once

#include <string>

#include "htools/cluster.h"
#include "htools/cluster_model.h"

namespace herd::htools {

// Groups, nodes, instances, cluster tags and instance policies (the
// cluster's first, then each group's), sections separated by empty lines.
std::string SerializeClusterData(const ClusterData& data);

// The data of `cluster` as it stands (a group's subset, or after moves and
// allocations): its nodes and instances, in its order. What the working
// cluster does not keep (CPU speed, hypervisor, disks, NICs) comes from the
// node or instance of the same name in `loaded`.
ClusterData CurrentClusterData(const ClusterData& loaded, const Cluster& cluster);

}  // namespace herd::htools
