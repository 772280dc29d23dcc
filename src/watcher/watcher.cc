#include "watcher/watcher.h"

#include <boost/json.hpp>
#include <iostream>
#include <map>
#include <thread>

#include "base/errors.h"
#include "base/files.h"
#include "base/json.h"
#include "base/pid_file.h"
#include "base/process.h"
#include "base/watcher_pause.h"
#include "confd/placement.h"
#include "luxi/client.h"
#include "node/ssconf.h"

namespace herd::watcher {
namespace {

enum class DaemonState { kRunning, kFailed, kNotMaster };

// Starts `daemon` for this node unless a live process holds its pid file.
DaemonState EnsureDaemon(const Paths& paths, const std::string& daemon) {
  if (RunningDaemonPid(paths.PidFile(daemon)) > 0) return DaemonState::kRunning;
  std::cout << "Restarting " << daemon << " on " << paths.hostname() << "\n";
  std::map<std::string, std::string> env;
  if (paths.is_virtual()) {
    env["GANETI_ROOTDIR"] = paths.root();
    env["GANETI_HOSTNAME"] = paths.hostname();
  }
  auto result = RunCommand({ExecutableDir() + "/" + daemon}, env, "", 60);
  if (result.failed() && result.output.find("Voting cannot be won") != std::string::npos) {
    // This node's ssconf still names it master, but the nodes do not: a
    // failover happened while it was down, and its ssconf is being renewed.
    std::cout << paths.hostname() << " is not the master any more: " << result.output;
    return DaemonState::kNotMaster;
  }
  if (result.failed()) {
    std::cerr << daemon << " could not be started: " << result.output << "\n";
    return DaemonState::kFailed;
  }
  return DaemonState::kRunning;
}

// Restart attempts per instance, kept between runs (Ganeti's watcher state
// file) so that an instance that keeps failing is eventually left alone.
std::string StateFile(const Paths& paths) { return paths.DataDir() + "/watcher.data"; }

json::object LoadState(const Paths& paths) {
  if (!FileExists(StateFile(paths))) return {};
  try {
    auto v = ParseJson(ReadFile(StateFile(paths)), StateFile(paths));
    if (v.is_object()) return v.get_object();
  } catch (const GanetiError& e) {
    std::cerr << "Ignoring unreadable watcher state: " << e.what() << "\n";
  }
  return {};
}

json::array Rows(luxi::Client& client, const char* resource, json::array fields,
                 json::value filter = nullptr) {
  json::array args;
  args.push_back(json::value(resource));
  args.push_back(std::move(fields));
  args.push_back(std::move(filter));
  return client.Call("Query", args).as_object().at("data").as_array();
}

std::string Text(const json::value& cell) {
  const auto& v = cell.as_array()[1];
  return v.is_string() ? std::string(v.get_string()) : SerializeJson(v);
}

int WatchMaster(const Paths& paths, const WatcherOptions& options) {
  luxi::Client client(paths.MasterSocket(), 300);
  int rc = 0;
  // Nodes whose instances must be left alone.
  std::map<std::string, bool> unusable;
  for (const auto& row : Rows(client, "node", json::array{"name", "offline", "drained"})) {
    const auto& r = row.as_array();
    unusable[Text(r[0])] =
        r[1].as_array()[1] == json::value(true) || r[2].as_array()[1] == json::value(true);
  }
  json::object state = LoadState(paths);
  json::object next_state;
  std::vector<std::pair<std::string, int64_t>> jobs;
  for (const auto& row : Rows(client, "instance", json::array{"name", "status", "pnode"})) {
    const auto& r = row.as_array();
    std::string name = Text(r[0]), status = Text(r[1]), pnode = Text(r[2]);
    if (status != "ERROR_down") continue;
    if (unusable[pnode]) {
      std::cout << "Skipping " << name << ": its node " << pnode << " is offline or drained\n";
      continue;
    }
    int64_t attempts = state.contains(name) ? state.at(name).to_number<int64_t>() : 0;
    if (attempts >= options.max_restart_attempts) {
      std::cout << "Could not restart " << name << " after " << attempts
                << " attempts, giving up\n";
      next_state[name] = attempts;
      continue;
    }
    std::cout << "Restarting " << name << " (attempt #" << attempts + 1 << ")\n";
    json::array ops;
    ops.push_back(
        json::object{{"OP_ID", "OP_INSTANCE_STARTUP"},
                     {"instance_name", name},
                     {"force", false},
                     {"reason", json::array{json::array{"gnt:daemon:watcher", "restart", 0}}}});
    json::array args;
    args.push_back(std::move(ops));
    json::value id = client.Call("SubmitJob", args);
    jobs.emplace_back(name, id.to_number<int64_t>());
    next_state[name] = attempts + 1;
  }
  // Wait for the restarts; an instance that came back needs no more tries.
  for (const auto& [name, id] : jobs) {
    for (int i = 0; i < 600; ++i) {
      json::array args;
      args.push_back(json::array{id});
      args.push_back(json::array{"status"});
      auto answer = client.Call("QueryJobs", args).as_array();
      std::string status = answer.empty() || answer[0].is_null()
                               ? "unknown"
                               : std::string(answer[0].as_array()[0].as_string());
      if (status == "success") {
        next_state.erase(name);
        break;
      }
      if (status == "error" || status == "canceled" || status == "unknown") {
        std::cerr << "Restart of " << name << " failed (job " << id << ": " << status << ")\n";
        rc = 1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
  WriteFileAtomic(StateFile(paths), SerializeJson(next_state) + "\n", 0600);
  json::array archive_args{options.job_age_seconds, 30};
  auto archived = client.Call("AutoArchiveJobs", archive_args);
  if (archived.is_array() && !archived.as_array().empty() &&
      archived.as_array()[0].to_number<int64_t>() > 0) {
    std::cout << "Archived " << archived.as_array()[0].to_number<int64_t>() << " jobs\n";
  }
  return rc;
}

// confd runs on master candidates only: started on a node that became one,
// stopped on a node that is one no longer.
bool WatchConfd(const Paths& paths) {
  if (!FileExists(ExecutableDir() + "/" + confd::kConfdDaemon)) return true;
  if (confd::ConfdRunsOn(paths)) {
    return EnsureDaemon(paths, confd::kConfdDaemon) == DaemonState::kRunning;
  }
  if (RunningDaemonPid(paths.PidFile(confd::kConfdDaemon)) > 0) {
    std::cout << "Stopping " << confd::kConfdDaemon << " on " << paths.hostname()
              << ": not a master candidate\n";
    std::vector<StoppingDaemon> stopping;
    AskDaemonToStop(paths.PidFile(confd::kConfdDaemon), stopping);
    WaitForDaemonsToStop(stopping, 10);
  }
  return true;
}

}  // namespace

int RunWatcher(const Paths& paths, const WatcherOptions& options) {
  if (WatcherPausedUntil(paths)) return 0;  // "gnt-cluster watcher pause": nothing to do
  int rc = EnsureDaemon(paths, "ganeti-noded") == DaemonState::kRunning ? 0 : 1;
  if (!WatchConfd(paths)) rc = 1;
  auto master = ReadSsconfValue(paths, kSsconfMasterNode);
  if (!master) return rc;  // not (yet) in a cluster
  std::string master_name = *master;
  while (!master_name.empty() && master_name.back() == '\n') master_name.pop_back();
  if (master_name != paths.hostname()) return rc;
  switch (EnsureDaemon(paths, "ganeti-masterd")) {
    case DaemonState::kFailed:
      return 1;
    case DaemonState::kNotMaster:
      return rc;  // nothing of the master's to watch here
    case DaemonState::kRunning:
      break;
  }
  // As Ganeti's watcher on the master: RAPI too (where it is installed).
  if (FileExists(ExecutableDir() + "/ganeti-rapi") &&
      EnsureDaemon(paths, "ganeti-rapi") == DaemonState::kFailed) {
    rc = 1;
  }
  try {
    return std::max(rc, WatchMaster(paths, options));
  } catch (const GanetiError& e) {
    std::cerr << "ganeti-watcher: " << (e.args().empty() ? e.what() : e.args()[0]) << "\n";
    return 1;
  }
}

}  // namespace herd::watcher
