#include "node/master_role_handlers.h"

#include <boost/json.hpp>
#include <filesystem>

#include "base/errors.h"
#include "base/files.h"
#include "base/json.h"
#include "base/pid_file.h"
#include "base/process.h"
#include "confd/placement.h"
#include "node/rpc_args.h"

namespace herd {
namespace {

// Ganeti's daemon-util stop-master: RAPI first, then the master daemon,
// which finishes its running opcodes and its replication before it exits.
json::value StopMasterDaemons(const Paths& paths) {
  std::vector<StoppingDaemon> stopping;
  AskDaemonToStop(paths.PidFile("ganeti-rapi"), stopping);
  AskDaemonToStop(paths.PidFile("ganeti-masterd"), stopping);
  WaitForDaemonsToStop(std::move(stopping), 60);
  return nullptr;
}

// Ganeti's daemon-util start-master: the master daemon (which holds the vote
// of the nodes unless told not to), then RAPI.
json::value StartMasterDaemons(const Paths& paths, bool no_voting) {
  std::map<std::string, std::string> env;
  if (paths.is_virtual()) {
    env["GANETI_ROOTDIR"] = paths.root();
    env["GANETI_HOSTNAME"] = paths.hostname();
  }
  std::vector<std::string> masterd{ExecutableDir() + "/ganeti-masterd"};
  if (no_voting) {
    masterd.push_back("--no-voting");
    masterd.push_back("--yes-do-it");
  }
  for (const auto& argv : {masterd, std::vector<std::string>{ExecutableDir() + "/ganeti-rapi"}}) {
    if (RunningDaemonPid(paths.PidFile(std::filesystem::path(argv[0]).filename().string())) > 0) {
      continue;
    }
    auto started = RunCommand(argv, env, "", 120);
    if (started.failed()) {
      throw GenericError("Could not start " + argv[0] + ": " + started.output);
    }
  }
  return nullptr;
}

json::value MasterIp(const Paths& paths, const std::string& action) {
  // A virtual cluster's address is on loopback, always there: nothing moves.
  if (paths.is_virtual()) return nullptr;
  throw GenericError("Cannot " + action +
                     " the master IP: Herd does not manage a master IP on real nodes yet; "
                     "configure it by other means");
}

// A promotion to master candidate starts the node's confd at once, a demotion
// stops it (the watcher would, at its next run).
json::value Confd(const Paths& paths, bool run) {
  const std::string pid_file = paths.PidFile(confd::kConfdDaemon);
  if (!run) {
    std::vector<StoppingDaemon> stopping;
    AskDaemonToStop(pid_file, stopping);
    WaitForDaemonsToStop(std::move(stopping), 10);
    return nullptr;
  }
  if (RunningDaemonPid(pid_file) > 0) return nullptr;
  std::map<std::string, std::string> env;
  if (paths.is_virtual()) {
    env["GANETI_ROOTDIR"] = paths.root();
    env["GANETI_HOSTNAME"] = paths.hostname();
  }
  auto started = RunCommand({ExecutableDir() + "/" + confd::kConfdDaemon}, env, "", 60);
  if (started.failed()) {
    throw GenericError("Could not start " + std::string(confd::kConfdDaemon) + ": " +
                       started.output);
  }
  return nullptr;
}

}  // namespace

void RegisterMasterRoleHandlers(const Paths& paths, std::map<std::string, RpcHandler>& handlers) {
  handlers["node_stop_master"] = [paths](const json::array&) { return StopMasterDaemons(paths); };
  handlers["node_start_master_daemons"] = [paths](const json::array& args) {
    return StartMasterDaemons(paths, !args.empty() && args[0] == json::value(true));
  };
  handlers["herd_confd"] = [paths](const json::array& args) {
    return Confd(paths, !args.empty() && args[0] == json::value(true));
  };
  handlers["node_activate_master_ip"] = [paths](const json::array&) {
    return MasterIp(paths, "activate");
  };
  handlers["node_deactivate_master_ip"] = [paths](const json::array&) {
    return MasterIp(paths, "deactivate");
  };
}

}  // namespace herd
