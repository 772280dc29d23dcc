// The "network" query resource (gnt-network list, QueryNetworks).
#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <vector>

#include "master/config/config_store.h"

namespace herd::master {

struct QueryRequest;

boost::json::value QueryNetworks(const QueryRequest& request, const ConfigStore& config);
boost::json::value NetworkFields(const std::vector<std::string>& fields);

}  // namespace herd::master
