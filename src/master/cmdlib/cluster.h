// Cluster-wide logical units: query, verify (config and per group),
// redistribute config, destroy; and OP_TEST_DELAY.
#pragma once

#include "master/cmdlib/lu_context.h"

namespace herd::master {
boost::json::value ClusterQuery(LuContext& ctx, const boost::json::object& op);
// The dict of QueryClusterInfo / OP_CLUSTER_QUERY.
boost::json::object ClusterInfo(const objects::ConfigData& config);
boost::json::value ClusterVerify(LuContext& ctx, const boost::json::object& op);
boost::json::value ClusterVerifyConfig(LuContext& ctx, const boost::json::object& op);
boost::json::value ClusterVerifyGroup(LuContext& ctx, const boost::json::object& op);
boost::json::value ClusterRedistConf(LuContext& ctx, const boost::json::object& op);
boost::json::value ClusterDestroy(LuContext& ctx, const boost::json::object& op);
}  // namespace herd::master
