// Cluster-wide logical units: query, verify (config and per group),
// redistribute config, destroy, master IP, post-init.
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
// The master IP on the master node (on a virtual cluster's loopback it is
// always there; on a real node Herd does not manage it and says so).
void SetMasterIpActive(LuContext& ctx, bool active);  // OpExecError on failure
// Activates the master IP again after a change; a failure is a warning.
void ReactivateMasterIp(LuContext& ctx);
boost::json::value ClusterActivateMasterIp(LuContext& ctx, const boost::json::object& op);
boost::json::value ClusterDeactivateMasterIp(LuContext& ctx, const boost::json::object& op);
// Run once after `gnt-cluster init` (Ganeti's post-init hooks): true.
boost::json::value ClusterPostInit(LuContext& ctx, const boost::json::object& op);
// OP_CLUSTER_RENAME: the new name (it must resolve; its address becomes the master IP).
boost::json::value ClusterRename(LuContext& ctx, const boost::json::object& op);
// OP_CLUSTER_RENEW_CRYPTO: candidate certificate digests fetched again.
boost::json::value ClusterRenewCrypto(LuContext& ctx, const boost::json::object& op);
// OP_CLUSTER_SET_PARAMS.
boost::json::value ClusterSetParams(LuContext& ctx, const boost::json::object& op);
}  // namespace herd::master
