// Query (query2) over the configuration: nodes (with live data from node
// RPC), node groups, instances, jobs, the cluster, exports and locks.
#pragma once

#include <boost/json/value.hpp>
#include <set>
#include <string>
#include <vector>

#include "base/paths.h"
#include "master/config/config_store.h"
#include "master/jobs/queue.h"
#include "master/locking/lock_manager.h"
#include "rpc/node_rpc_client.h"

namespace herd::master {

struct QueryRequest {
  std::string resource;  // "node", "group", "instance", "job", "cluster"
  std::vector<std::string> fields;
  boost::json::value filter;
};

// Those of `fields` that the query reads or filters on.
std::set<std::string> FieldsUsed(const QueryRequest& req, const std::set<std::string>& fields);
// Whether the query reads (or filters on) one of `fields` (those only the
// nodes can give, say).
bool UsesAnyField(const QueryRequest& req, const std::set<std::string>& fields);

// What queries read: the config, the nodes, the job queue and the locks.
struct QuerySources {
  const Paths& paths;  // the master's own
  const ConfigStore& config;
  rpc::NodeRpcClient& rpc;
  jobs::JobQueue* queue;  // null where jobs cannot be queried (OP_QUERY)
  const locking::LockManager& locks;
};

// Answers LUXI Query; throws OpPrereqError for an unknown resource.
boost::json::value RunResourceQuery(const QueryRequest& request, const QuerySources& sources);
// Ganeti's old-style rows: the values of a query result, without statuses.
boost::json::array PlainRows(const boost::json::value& query_result);
// A filter matching items whose `field` is one of `names` (null when empty).
boost::json::value AnyNameFilter(const std::string& field, const std::vector<std::string>& names);

// OpPrereqError "Unknown output fields selected: a,b" unless `resource` has
// every one of `fields` (Ganeti's check for old-style queries).
void CheckKnownFields(const std::string& resource, const std::vector<std::string>& fields);

// Answers LUXI QueryFields.
boost::json::value RunFieldsQuery(const std::string& resource,
                                  const std::vector<std::string>& fields);

}  // namespace herd::master
