// Helpers shared by logical units: opcode parameters, node lookup and
// addressing, ssconf values.
#pragma once

#include <boost/json/object.hpp>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "master/cmdlib/lu_context.h"
#include "objects/config_data.h"
#include "rpc/node_rpc_client.h"

namespace herd::master {

// Opcode parameters with Ganeti's OpPrereqError on a wrong type.
std::string RequiredString(const boost::json::object& op, const char* name);
std::optional<std::string> OptionalString(const boost::json::object& op, const char* name);
// A list of strings; empty when absent or null.
std::vector<std::string> StringListParam(const boost::json::object& op, const char* name);
std::optional<bool> OptionalBool(const boost::json::object& op, const char* name);
bool BoolParam(const boost::json::object& op, const char* name, bool fallback);
double NumberParam(const boost::json::object& op, const char* name, double fallback);

// The node named `name`, or OpPrereqError "Node 'x' not known".
const objects::Node& ExpandNode(const objects::ConfigData& config, const std::string& name);

rpc::NodeAddress AddressOf(const objects::Node& node);
std::vector<rpc::NodeAddress> AddressesOf(const std::vector<const objects::Node*>& nodes);
std::vector<const objects::Node*> OnlineNodes(const objects::ConfigData& config);
std::vector<const objects::Node*> MasterCandidates(const objects::ConfigData& config);
const objects::Node& MasterNode(const objects::ConfigData& config);

// The ssconf key -> value map Ganeti writes on every node.
std::map<std::string, std::string> ComputeSsconf(const objects::ConfigData& config);

// Ganeti's ancillary files that every node holds (RAPI certificate and users,
// confd HMAC key, cluster domain secret; those the master has): the copies on
// `nodes` become the master's, so any candidate can run the master daemons.
// Returns "node: error" for each node that could not take them.
std::vector<std::string> UploadAncillaryFiles(const Paths& master_paths, rpc::NodeRpcClient& rpc,
                                              const std::vector<rpc::NodeAddress>& nodes);

// Acquires the Big Ganeti Lock (exclusive or shared) for the job.
void AcquireBgl(LuContext& ctx, bool shared);
// Starts (`run`) or stops ganeti-confd on these nodes now, after their
// promotion to master candidate or their demotion (offline nodes are left
// alone); a node that cannot is a warning in the job's log, and its watcher
// tries again.
void SetConfdRunning(LuContext& ctx, const std::vector<std::string>& node_uuids, bool run);

// A three-octet MAC prefix ("aa:00:00"), lower case; OpPrereqError if malformed.
std::string NormalizedMacPrefix(const std::string& prefix);

std::string NewUuid();

}  // namespace herd::master
