// OP_OOB_COMMAND: nodes' out-of-band management (gnt-node power, health)
// through their oob_program node parameter, run on the master's node, with
// Ganeti's checks, payload validation and recorded power state.
#include <boost/json.hpp>
#include <chrono>
#include <set>
#include <thread>

#include "base/errors.h"
#include "base/json.h"
#include "base/nice_sort.h"
#include "base/python_repr.h"
#include "master/cmdlib/common.h"
#include "master/cmdlib/node.h"
#include "objects/config_data.h"
#include "objects/params.h"

namespace herd::master {
namespace {

const std::set<std::string> kCommands{"power-on", "power-off", "power-cycle", "power-status",
                                      "health"};
const std::set<std::string> kHealthStatuses{"OK", "WARNING", "CRITICAL", "UNKNOWN"};

// Ganeti's SupportsOob: the node's filled oob_program, empty if none.
std::string OobProgram(const objects::ConfigData& d, const objects::Node& node) {
  const json::object params = objects::FilledNodeParams(d, node);
  const auto* program = params.if_contains("oob_program");
  return program && program->is_string() ? std::string(program->get_string()) : "";
}

// Ganeti's _CheckPayload; empty when the payload suits the command.
std::string PayloadProblem(const std::string& command, const json::value& payload) {
  if (command == "health") {
    const auto* items = payload.if_array();
    if (!items) return "command 'health' is expected to return a list";
    for (const auto& item : *items) {
      const auto* pair = item.if_array();
      if (!pair || pair->size() != 2 || !(*pair)[1].is_string() ||
          !kHealthStatuses.count(std::string((*pair)[1].get_string()))) {
        return "health item " + SerializeJson(item) + " has an invalid status";
      }
    }
  } else if (command == "power-status") {
    if (!payload.is_object()) return "power-status is expected to return a dict";
  } else if (!payload.is_null()) {
    return command + " is expected to not return payload but got '" + SerializeJson(payload) + "'";
  }
  return "";
}

}  // namespace

json::value OobCommand(LuContext& ctx, const json::object& op) {
  const std::string command = RequiredString(op, "command");
  if (!kCommands.count(command)) {
    throw OpPrereqError("Invalid out-of-band command '" + command + "'", kEcodeInval);
  }
  const auto names = StringListParam(op, "node_names");
  const bool ignore_status = BoolParam(op, "ignore_status", false);
  const double power_delay = NumberParam(op, "power_delay", 2.0);
  const int timeout = static_cast<int>(NumberParam(op, "timeout", 60));
  const bool skips_master = command == "power-off" || command == "power-cycle";
  std::vector<objects::Node> nodes;
  rpc::NodeAddress master_address;
  std::map<std::string, std::string> programs;  // node uuid -> program
  ctx.config.Read([&](const objects::ConfigData& d) {
    const objects::Node& master = MasterNode(d);
    master_address = AddressOf(master);
    if (!names.empty()) {
      for (const auto& name : names) {
        const objects::Node& node = ExpandNode(d, name);
        if (skips_master && node.uuid == master.uuid) {
          const std::string handler = OobProgram(d, master);
          throw OpPrereqError(
              "Operating on the master node " + master.name + " is not allowed for " + command +
                  "; " +
                  (handler.empty() ? "it does not support out-of-band operations"
                                   : "run '" + handler + " " + command + " " + master.name +
                                         "' if you want to operate on the master regardless"),
              kEcodeInval);
        }
        nodes.push_back(node);
      }
    } else {
      for (const auto& [uuid, node] : d.nodes) {
        if (!(skips_master && uuid == master.uuid)) nodes.push_back(node);
      }
    }
    for (const auto& node : nodes) {
      if (!ignore_status && command == "power-off" && !node.offline) {
        throw OpPrereqError(
            "Cannot power off node " + node.name + " because it is not marked offline",
            kEcodeState);
      }
      programs[node.uuid] = OobProgram(d, node);
    }
  });
  std::vector<std::string> uuids;
  for (const auto& n : nodes) uuids.push_back(n.uuid);
  std::sort(uuids.begin(), uuids.end());
  uuids.erase(std::unique(uuids.begin(), uuids.end()), uuids.end());
  ctx.locks.Acquire(ctx.owner, locking::Level::kNode, uuids, false);
  ctx.op.NotifyStart();
  std::sort(nodes.begin(), nodes.end(),
            [](const auto& a, const auto& b) { return NiceLess(a.name, b.name); });
  json::array result;
  std::map<std::string, bool> powered;  // node uuid -> recorded power state
  for (size_t i = 0; i < nodes.size(); ++i) {
    const auto& node = nodes[i];
    json::array entry{json::array{0, json::value(node.name)}};
    const std::string& program = programs[node.uuid];
    if (program.empty()) {
      entry.push_back(json::array{3, nullptr});  // RS_UNAVAIL
      result.push_back(std::move(entry));
      continue;
    }
    auto r = ctx.rpc.Call(
        master_address, rpc::procedures::kRunOob,
        json::array{json::value(program), json::value(command), json::value(node.name), timeout});
    if (!r.ok) {
      ctx.Feedback("Warning: Out-of-band RPC failed on node '" + node.name + "': " + r.error);
      entry.push_back(json::array{2, nullptr});  // RS_NODATA
      result.push_back(std::move(entry));
      continue;
    }
    if (const std::string problem = PayloadProblem(command, r.payload); !problem.empty()) {
      ctx.Feedback("Warning: Payload returned by node '" + node.name +
                   "' is not valid: Check of out-of-band payload failed due to " + problem);
      entry.push_back(json::array{2, nullptr});
      result.push_back(std::move(entry));
      continue;
    }
    if (command == "health") {
      for (const auto& item : r.payload.as_array()) {
        const auto& pair = item.as_array();
        if (pair[1] == json::value("WARNING") || pair[1] == json::value("CRITICAL")) {
          ctx.Feedback("Warning: Item '" + PythonStr(pair[0]) + "' on node '" + node.name +
                       "' has status '" + std::string(pair[1].as_string()) + "'");
        }
      }
    }
    if (command == "power-on") powered[node.uuid] = true;
    if (command == "power-off") powered[node.uuid] = false;
    entry.push_back(json::array{0, r.payload});
    result.push_back(std::move(entry));
    if (command == "power-on" && i + 1 < nodes.size() && power_delay > 0) {
      std::this_thread::sleep_for(std::chrono::duration<double>(power_delay));
    }
  }
  if (!powered.empty()) {
    ctx.Commit([&](ConfigTxn& txn) {
      for (const auto& [uuid, state] : powered) {
        if (txn.data().nodes.count(uuid)) txn.MutableNode(uuid).powered = state;
      }
    });
  }
  return result;
}

}  // namespace herd::master
