// Query resources beyond the config's objects: the cluster itself, the
// exports the nodes hold, the master's locks and ExtStorage providers.
#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <vector>

#include "master/config/config_store.h"
#include "master/jobs/queue.h"
#include "master/locking/lock_manager.h"
#include "rpc/node_rpc_client.h"

namespace herd::master {

struct QueryRequest;
struct QuerySources;

boost::json::value QueryCluster(const QueryRequest& request, const QuerySources& sources);
// One row per (node, export); a node that cannot answer gives one row with
// Ganeti's status for it (offline, or no data).
boost::json::value QueryExports(const QueryRequest& request, const ConfigStore& config,
                                rpc::NodeRpcClient& rpc);
boost::json::value QueryLocks(const QueryRequest& request, const locking::LockManager& locks);
// Herd has no ExtStorage disk template, so no node offers a provider.
boost::json::value QueryExtStorage(const QueryRequest& request);

// QueryFields for these resources; nullopt for any other resource.
std::optional<boost::json::value> ClusterResourceFields(const std::string& resource,
                                                        const std::vector<std::string>& fields);

}  // namespace herd::master
