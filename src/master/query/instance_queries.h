// Instance queries (query2 "instance" resource) with live state from the
// nodes' hypervisors, and Ganeti's OP_INSTANCE_QUERY_DATA answer.
#pragma once

#include <boost/json/value.hpp>

#include "master/config/config_store.h"
#include "master/query/resource_queries.h"
#include "rpc/node_rpc_client.h"

namespace herd::master {

boost::json::value QueryInstances(const QueryRequest& request, const ConfigStore& config,
                                  rpc::NodeRpcClient& rpc);
boost::json::value InstanceFieldDefinitions(const std::vector<std::string>& fields);

// Ganeti's per-instance "info" dictionaries (gnt-instance info, RAPI
// /2/instances/[i]/info); live state unless `static_only`.
boost::json::value InstanceQueryData(const std::vector<std::string>& names, bool static_only,
                                     const ConfigStore& config, rpc::NodeRpcClient& rpc);

}  // namespace herd::master
