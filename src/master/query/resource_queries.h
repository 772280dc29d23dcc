// Query (query2) over the configuration: nodes (with live data from node
// RPC), node groups, instances and jobs.
#pragma once

#include <boost/json/value.hpp>
#include <set>
#include <string>
#include <vector>

#include "master/config/config_store.h"
#include "master/jobs/queue.h"
#include "rpc/node_rpc_client.h"

namespace herd::master {

struct QueryRequest {
  std::string resource;  // "node", "group", "instance", "job", "cluster"
  std::vector<std::string> fields;
  boost::json::value filter;
};

// Whether the query reads (or filters on) one of `live_fields`, whose values
// only the nodes can give.
bool NeedsLiveData(const QueryRequest& req, const std::set<std::string>& live_fields);

// Answers LUXI Query; throws OpPrereqError for an unknown resource.
boost::json::value RunResourceQuery(const QueryRequest& request, const ConfigStore& config,
                                    rpc::NodeRpcClient& rpc, jobs::JobQueue& queue);
// Answers LUXI QueryFields.
boost::json::value RunFieldsQuery(const std::string& resource,
                                  const std::vector<std::string>& fields);

}  // namespace herd::master
