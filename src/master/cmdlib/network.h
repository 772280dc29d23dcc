// Logical units of IP networks (gnt-network): add, remove, modify, connect
// to and disconnect from node groups.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <string>

#include "master/cmdlib/lu_context.h"
#include "objects/config_data.h"

namespace herd::master {

// A network's uuid from its name or uuid; OpPrereqError when there is none.
std::string LookupNetwork(const objects::ConfigData& config, const std::string& name_or_uuid);

boost::json::value NetworkAdd(LuContext& ctx, const boost::json::object& op);
boost::json::value NetworkRemove(LuContext& ctx, const boost::json::object& op);
boost::json::value NetworkSetParams(LuContext& ctx, const boost::json::object& op);
boost::json::value NetworkConnect(LuContext& ctx, const boost::json::object& op);
boost::json::value NetworkDisconnect(LuContext& ctx, const boost::json::object& op);

}  // namespace herd::master
