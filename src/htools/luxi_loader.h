// Ganeti's htools LUXI backend (`hbal -L SOCKET`): the cluster as the master
// daemon's query2 answers for nodes, instances and node groups describe it,
// plus QueryClusterInfo for the cluster tags, ipolicy and master node.
#pragma once

#include <boost/json/fwd.hpp>
#include <string>
#include <vector>

#include "htools/cluster_model.h"

namespace herd::htools {

// The query2 field lists Ganeti's LUXI backend asks for, in its order.
const std::vector<std::string>& LuxiNodeFields();
const std::vector<std::string>& LuxiInstanceFields();
const std::vector<std::string>& LuxiGroupFields();

// Builds the cluster from the answers of Query("node"/"instance"/"group") with
// the field lists above ({"fields", "data": [[[status, value], ...], ...]})
// and of QueryClusterInfo; errors (ParameterError) name `source`, the object
// and the field at fault.
ClusterData ParseLuxiData(const boost::json::value& nodes_result,
                          const boost::json::value& instances_result,
                          const boost::json::value& groups_result,
                          const boost::json::value& cluster_info_result,
                          const std::string& source = "LUXI");

// Asks the master daemon listening on `socket_path`.
ClusterData LoadLuxi(const std::string& socket_path);

}  // namespace herd::htools
