// Tags of the cluster, nodes, instances and node groups (OP_TAGS_GET/SET/DEL
// and LUXI QueryTags), with Ganeti's limits on tag names.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <string>
#include <vector>

#include "master/cmdlib/lu_context.h"
#include "objects/config_data.h"

namespace herd::master {

// The tags of object `name` of `kind` ("cluster", "node", "instance",
// "nodegroup", "network"); OpPrereqError for an unknown kind or object.
std::vector<std::string> TagsOf(const objects::ConfigData& config, const std::string& kind,
                                const std::string& name);

boost::json::value TagsGet(LuContext& ctx, const boost::json::object& op);
boost::json::value TagsSet(LuContext& ctx, const boost::json::object& op);
boost::json::value TagsDel(LuContext& ctx, const boost::json::object& op);
// OP_TAGS_SEARCH: (path, tag) of every tag matching a regular expression.
boost::json::value TagsSearch(LuContext& ctx, const boost::json::object& op);

}  // namespace herd::master
