// Queries as opcodes: OP_QUERY, OP_QUERY_FIELDS, OP_CLUSTER_CONFIG_QUERY and
// OP_EXT_STORAGE_DIAGNOSE answer from the same tables as LUXI's Query.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "master/cmdlib/lu_context.h"

namespace herd::master {

boost::json::value Query(LuContext& ctx, const boost::json::object& op);
boost::json::value QueryFields(LuContext& ctx, const boost::json::object& op);
// The cluster's values of `output_fields`, as a list.
boost::json::value ClusterConfigQuery(LuContext& ctx, const boost::json::object& op);
// Rows of `output_fields` for the ExtStorage providers (none: Herd has no
// ext disk template).
boost::json::value ExtStorageDiagnose(LuContext& ctx, const boost::json::object& op);

}  // namespace herd::master
