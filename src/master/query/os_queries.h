// The "os" query resource: OS definitions as the nodes report them.
#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <vector>

#include "master/config/config_store.h"
#include "rpc/node_rpc_client.h"

namespace herd::master {

struct QueryRequest;

boost::json::value QueryOses(const QueryRequest& request, const ConfigStore& config,
                             rpc::NodeRpcClient& rpc);
boost::json::value OsFields(const std::vector<std::string>& fields);

}  // namespace herd::master
