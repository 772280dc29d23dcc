// Ganeti's hooks (HooksMaster): the scripts an opcode runs on its nodes
// before and after its logical unit, with Ganeti's environment.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/errors.h"
#include "master/cmdlib/lu_context.h"
#include "objects/config_data.h"
#include "rpc/node_rpc_client.h"

namespace herd::master {

using HookEnv = std::map<std::string, std::string>;

// What Ganeti's BuildHooksEnv and BuildHooksNodes give for one opcode.
struct HooksPlan {
  std::string op_id;
  std::string hpath;        // "instance-start": scripts in <hooks>/instance-start-{pre,post}.d
  std::string object_type;  // GANETI_OBJECT_TYPE: CLUSTER, GROUP, INSTANCE, NETWORK, NODE
  std::vector<std::string> pre_nodes, post_nodes;  // node uuids
  HookEnv pre_env;                                 // the opcode's variables, unprefixed
  // The opcode's variables computed again after it ran (Ganeti's post
  // environment); nullopt keeps the pre values (the object is gone).
  std::function<std::optional<HookEnv>(const objects::ConfigData&)> post_env;
  // Nodes only known once the opcode ran (a new node, an allocated
  // instance's nodes), added to post_nodes.
  std::function<std::vector<std::string>(const objects::ConfigData&)> more_post_nodes;
};

// The hooks of `opcode`, planned from the config before its logical unit
// runs; nullopt when the opcode has no hooks, or when its target does not
// exist (the logical unit reports that).
std::optional<HooksPlan> PlanHooks(const objects::ConfigData& config,
                                   const boost::json::object& opcode, const Paths& paths);

// Runs the logical unit between its hooks as Ganeti's processor does: the
// pre phase once the unit holds its locks (its NotifyStart; a failed script
// aborts with HooksAbort before the unit does its work), the rest of the
// logical unit, the post phase (failures are warnings in the job log; none
// in a dry run) and the "config-update" hook on the master when the opcode
// changed the config.
boost::json::value RunWithHooks(LuContext& ctx, const boost::json::object& opcode,
                                const std::function<boost::json::value(LuContext&)>& logical_unit);

// Runs one hooks phase on the nodes (uuids; offline ones are left out) with
// Ganeti's common variables added to `env` (already prefixed). One result
// per node contacted, its payload [[script, status, output], ...].
std::vector<rpc::RpcResult> RunHooksPhase(LuContext& ctx, const std::string& op_id,
                                          const std::string& hpath, const std::string& object_type,
                                          const std::string& phase,
                                          const std::vector<std::string>& node_uuids,
                                          const HookEnv& env);

// What a phase's results report: the scripts that failed ([node, script,
// output]) and the nodes that could not be asked ([node, error]).
struct HookPhaseOutcome {
  std::vector<HookFailure> failed;
  std::vector<std::pair<std::string, std::string>> unreachable;
};
HookPhaseOutcome OutcomeOf(const std::vector<rpc::RpcResult>& results);

}  // namespace herd::master
