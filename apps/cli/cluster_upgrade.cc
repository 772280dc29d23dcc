// gnt-cluster upgrade (Ganeti's UpgradeGanetiCommand). Herd runs one set of
// binaries, so the only version it can "upgrade" to is the one running:
// that does what Ganeti does when there is nothing to switch (intent file,
// queue drained and emptied, watcher paused, configuration backed up and
// redistributed, queue undrained, watcher unpaused, cluster verified);
// daemons keep running since no binary changes. Any other version is
// refused, saying why.
#include <unistd.h>

#include <array>
#include <boost/json.hpp>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <functional>
#include <iostream>
#include <optional>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "base/errors.h"
#include "base/files.h"
#include "base/json.h"
#include "base/process.h"
#include "cli/command.h"
#include "cli/jobs.h"
#include "cli/node_shell.h"
#include "cluster_commands.h"
#include "common_options.h"

namespace herd::cli {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;

// Ganeti's UPGRADE_QUEUE_POLL_INTERVAL and UPGRADE_QUEUE_DRAIN_TIMEOUT.
constexpr std::chrono::seconds kQueuePollInterval{10};
constexpr std::chrono::seconds kQueueDrainTimeout{129600};
// Ganeti's utils.version.FIRST_UPGRADE_VERSION.
constexpr std::array<int, 3> kFirstUpgradeVersion{2, 10, 0};

using Version = std::array<int, 3>;

// Ganeti's ParseVersion: "major.minor.revision" or "major.minor" at the start.
std::optional<Version> ParseVersion(const std::string& text) {
  static const std::regex full(R"(^(\d+)\.(\d+)\.(\d+))"), shorter(R"(^(\d+)\.(\d+))");
  std::smatch m;
  try {
    if (std::regex_search(text, m, full)) {
      return Version{std::stoi(m[1]), std::stoi(m[2]), std::stoi(m[3])};
    }
    if (std::regex_search(text, m, shorter)) return Version{std::stoi(m[1]), std::stoi(m[2]), 0};
  } catch (const std::out_of_range&) {
    // Numbers too large for any version: not a version string.
  }
  return std::nullopt;
}

// Ganeti's UpgradeRange: empty when `target` is within automatic upgrades.
std::string UpgradeRange(const Version& target, const Version& current) {
  if (target < kFirstUpgradeVersion || current < kFirstUpgradeVersion) {
    return "automatic upgrades only supported from 2.10 onwards";
  }
  if (target[0] != current[0]) {
    const bool major_step =
        (current[0] == 2 && current[1] == 16 && target[0] == 3 && target[1] == 0) ||
        (current[0] == 3 && current[1] == 0 && target[0] == 2 && target[1] == 16);
    if (major_step) return "";
    return "major version up- or downgrades are only supported between 2.16 and 3.0";
  }
  if (target[1] < current[1] - 1) return "can only downgrade one minor version at a time";
  return "";
}

// The running software: Ganeti's RELEASE_VERSION and DIR_VERSION.
struct Running {
  std::string release;  // "3.0.2"
  std::string dir;      // "3.0": what --to names (the installed version's directory)
  Version version{};
};

Running RunningVersion() {
  const json::value info = Master().Call("QueryClusterInfo", json::array{});
  Running r;
  r.release = std::string(info.as_object().at("software_version").as_string());
  const auto parsed = ParseVersion(r.release);
  if (!parsed) throw OpExecError("Cannot parse the running version '" + r.release + "'");
  r.version = *parsed;
  r.dir = std::to_string(r.version[0]) + "." + std::to_string(r.version[1]);
  return r;
}

bool IsRunning(const Running& running, const std::string& target) {
  return target == running.dir || target == running.release;
}

std::string IntentFile() { return NodePaths().IntentToUpgradeFile(); }

struct Intent {
  std::string from, to;
};

// Ganeti's _ReadIntentToUpgrade: "old,new,pid" (EscapeAndJoin).
std::optional<Intent> ReadIntent() {
  const std::string file = IntentFile();
  if (!FileExists(file)) return std::nullopt;
  std::vector<std::string> parts;
  std::string current;
  const std::string text = ReadFile(file);
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size()) {
      current += text[++i];
    } else if (text[i] == ',') {
      parts.push_back(std::move(current));
      current.clear();
    } else {
      current += text[i];
    }
  }
  parts.push_back(std::move(current));
  if (parts.size() != 3) return std::nullopt;  // malformed: no upgrade known
  return Intent{parts[0], parts[1]};
}

std::string Escaped(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\\' || c == ',') out += '\\';
    out += c;
  }
  return out;
}

void WriteIntent(const std::string& from, const std::string& to) {
  WriteFileAtomic(IntentFile(),
                  Escaped(from) + "," + Escaped(to) + "," + std::to_string(::getpid()));
}

// Ganeti's _GetRunning: how many jobs run.
size_t RunningJobs() {
  const json::value result =
      Master().Call("Query", json::array{"job", json::array{"id"},
                                         json::array{"|", json::array{"=", "status", "running"}}});
  return result.as_object().at("data").as_array().size();
}

using Rollback = std::vector<std::function<void()>>;

// Undoes in reverse order; an undo that fails is reported and the others
// still run (Ganeti's _ExecuteCommands).
void RunRollback(const Rollback& rollback) {
  for (auto it = rollback.rbegin(); it != rollback.rend(); ++it) {
    try {
      (*it)();
    } catch (const GanetiError& e) {
      std::cerr << "Undoing a step of the upgrade failed: " << e.UserMessage() << "\n";
    }
  }
}

// Ganeti's _VerifyVersionInstalled: this Herd's binaries are where they are
// here on every online node (the node shell runs the test there).
bool VerifyVersionInstalled(const std::string& version) {
  const json::value result =
      Master().Call("Query", json::array{"node", json::array{"name", "ndp/ssh_port"},
                                         json::array{"!", json::array{"?", "offline"}}});
  const auto shell = MakeNodeShell(NodePaths());
  const std::string test = "test -x '" + ExecutableDir() + "/ganeti-noded'";
  std::string bad;
  for (const auto& row : result.as_object().at("data").as_array()) {
    const std::string node(row.as_array()[0].as_array()[1].as_string());
    const json::value& port = row.as_array()[1].as_array()[1];
    const NodeTarget target{node, node, port.is_number() ? port.to_number<int>() : 22};
    if (shell->Run(target, test).exit_code != 0) bad += (bad.empty() ? "" : ", ") + node;
  }
  if (bad.empty()) return true;
  std::cerr << "Herd version " << version << " not installed on nodes " << bad << "\n";
  return false;
}

// Ganeti's backup of the data directory before the configuration changes.
bool BackUpConfiguration() {
  const Paths& paths = NodePaths();
  const std::string backup_dir = paths.BackupDir();
  const std::string tar = backup_dir + "/ganeti" + std::to_string(std::time(nullptr)) + ".tar";
  std::cout << "Backing up configuration as " << tar << std::endl;
  MakeDirs(backup_dir, 0700);
  const std::string partial = tar + ".partial";
  // The archive holds secrets (keys, certificates): readable by root only.
  const CommandResult r = herd::RunCommand(
      {"/bin/sh", "-c", "umask 077 && exec \"$@\"", "tar", "tar", "-cf", partial,
       "--exclude=queue/archive",
       "--exclude=" + fs::path(backup_dir).lexically_relative(paths.DataDir()).string(),
       paths.DataDir()});
  // Daemons keep running: tar's exit code 1 (a file changed while read) is
  // a warning; 2 is failure.
  if (r.exit_code != 0 && r.exit_code != 1) {
    std::cerr << "Command tar -cf " << partial << " " << paths.DataDir() << " failed; Output "
              << r.output << "\n";
    RemoveFile(partial);
    return false;
  }
  if (r.exit_code == 1) std::cerr << r.output;
  if (::rename(partial.c_str(), tar.c_str()) != 0) throw SystemError("rename " + partial, errno);
  return true;
}

// Ganeti's _UpgradeBeforeConfigurationChange, without stopping daemons.
bool BeforeConfigurationChange(const Running& running, const std::string& target,
                               Rollback& rollback) {
  std::cout << "Verifying " << target << " present on all nodes" << std::endl;
  if (!VerifyVersionInstalled(target)) return false;
  WriteIntent(running.release, target);
  rollback.push_back([] { RemoveFile(IntentFile()); });
  std::cout << "Draining queue" << std::endl;
  Master().Call("SetDrainFlag", json::array{true});
  rollback.push_back([] { Master().Call("SetDrainFlag", json::array{false}); });
  const auto give_up = std::chrono::steady_clock::now() + kQueueDrainTimeout;
  while (RunningJobs() > 0) {
    if (std::chrono::steady_clock::now() >= give_up) {
      std::cerr << "Failed to completely empty the queue.\n";
      return false;
    }
    std::this_thread::sleep_for(kQueuePollInterval);
  }
  std::cout << "Pausing the watcher for one hour." << std::endl;
  rollback.push_back([] { Master().Call("SetWatcherPause", json::array{nullptr}); });
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  Master().Call("SetWatcherPause", json::array{now + 3600});
  return BackUpConfiguration();
}

// Runs one opcode, quietly unless it fails; a failure is reported and the
// upgrade goes on, as Ganeti pushes through once the configuration changed.
bool RunQuietly(const json::object& op, const std::string& what, const char* submit = "SubmitJob") {
  try {
    const int64_t job_id = ToInt(Master().Call(submit, json::array{json::array{op}}), "job id");
    const json::value outcome = WaitJob(job_id, false);
    if (outcome.as_array()[0].as_bool()) return true;
    std::cerr << what << " failed: " << JobError(job_id, outcome.as_array()[1]).UserMessage()
              << "\n";
  } catch (const GanetiError& e) {
    std::cerr << what << " failed: " << e.UserMessage() << "\n";
  }
  return false;
}

// gnt-cluster verify's verdict, without its output.
bool ClusterVerifies() try {
  const int64_t job_id =
      ToInt(Master().Call("SubmitJob",
                          json::array{json::array{json::object{{"OP_ID", "OP_CLUSTER_VERIFY"}}}}),
            "job id");
  const json::value outcome = WaitJob(job_id, false);
  bool ok = outcome.as_array()[0].as_bool();
  if (ok) {
    const json::value& jobs = outcome.as_array()[1].as_array()[0].as_object().at("jobs");
    for (const auto& entry : jobs.as_array()) {
      const auto& pair = entry.as_array();
      if (!pair[0].as_bool()) {
        ok = false;
        continue;
      }
      const json::value r = WaitJob(ToInt(pair[1], "job id"), false);
      const auto& res = r.as_array();
      ok = ok && res[0].as_bool() && res[1].is_array() && !res[1].as_array().empty() &&
           res[1].as_array()[0] == json::value(true);
    }
  }
  if (!ok) std::cerr << "Cluster verification failed; run 'gnt-cluster verify' for details\n";
  return ok;
} catch (const GanetiError& e) {
  std::cerr << "Verifying the cluster failed: " << e.UserMessage() << "\n";
  return false;
}

// Ganeti's _UpgradeAfterConfigurationChange, without restarting daemons.
int AfterConfigurationChange() {
  int rc = kExitSuccess;
  // As Ganeti: redistributed while the queue is still drained, then
  // undrained. No daemon restarts in between: nothing changed.
  std::cout << "Redistributing the configuration." << std::endl;
  if (!RunQuietly({{"OP_ID", "OP_CLUSTER_REDIST_CONF"}}, "Redistributing the configuration",
                  "SubmitJobToDrainedQueue")) {
    rc = kExitFailure;
  }
  std::cout << "Undraining the queue." << std::endl;
  Master().Call("SetDrainFlag", json::array{false});
  RemoveFile(IntentFile());
  std::cout << "Unpausing the watcher." << std::endl;
  Master().Call("SetWatcherPause", json::array{nullptr});
  std::cout << "Verifying cluster." << std::endl;
  if (!ClusterVerifies()) rc = kExitFailure;
  return rc;
}

class Upgrade : public Command {
 public:
  void Declare(CLI::App& app) override {
    app.add_option("--to", to_, "The Ganeti version to upgrade to");
    app.add_flag("--resume", resume_, "Resume any pending Ganeti upgrades");
    app.footer(
        "Herd runs one set of binaries: --to accepts only the running version (as major.minor, "
        "the installed directory's name, or in full), and then does what Ganeti does when there "
        "is nothing to switch: drain the queue and wait for running jobs, pause the watcher, "
        "back up the configuration under DATA_DIR/backup, redistribute the configuration, "
        "undrain, unpause and verify. Daemons keep running. --resume finishes such an upgrade "
        "after an interruption.");
  }
  int Run() override {
    const bool to_given = !to_.empty();
    if (resume_ == to_given) {
      std::cerr << "Precisely one of the options --to and --resume has to be given\n";
      return kExitFailure;
    }
    const Paths& paths = NodePaths();
    if (const std::string master = paths.SsconfMaster();
        !master.empty() && master != paths.hostname()) {
      throw OpPrereqError("This is not the master node, please connect to node '" + master +
                              "' and rerun the command",
                          kEcodeInval);
    }
    std::optional<Intent> intent = ReadIntent();
    bool resume = resume_;
    if (!resume && intent) {
      if (intent->to != to_) {
        std::cerr << "An upgrade from " << intent->from << " to " << intent->to
                  << " is in progress; use --resume to finish it first\n";
        return kExitFailure;
      }
      std::cerr << "An upgrade is already in progress. Target version matches, resuming.\n";
      resume = true;
    }
    const Running running = RunningVersion();
    if (resume) {
      if (!intent) {
        std::cout << "No upgrade is in progress, nothing to resume.\n";
        return kExitSuccess;
      }
      if (!ParseVersion(intent->to)) {
        std::cerr << "Could not parse version string " << intent->to << "\n";
        return kExitFailure;
      }
      if (!IsRunning(running, intent->to)) {
        std::cerr << "Cannot resume the upgrade from " << intent->from << " to " << intent->to
                  << ": Herd runs one set of binaries, version " << running.release
                  << ", and cannot switch to another; install Herd " << intent->to
                  << " on every node (or remove " << IntentFile() << " to abandon it)\n";
        return kExitFailure;
      }
      // Nothing was switched: the configuration already has the running version.
      return AfterConfigurationChange();
    }
    const auto version = ParseVersion(to_);
    if (!version) {
      std::cerr << "Could not parse version string " << to_ << "\n";
      return kExitFailure;
    }
    if (const std::string why = UpgradeRange(*version, running.version); !why.empty()) {
      std::cerr << "Cannot upgrade to " << to_ << ": " << why << "\n";
      return kExitFailure;
    }
    if (!IsRunning(running, to_)) {
      std::cerr << "Cannot upgrade to " << to_ << ": Herd runs one set of binaries, version "
                << running.release
                << ", and cannot switch between installed versions; install Herd " << to_
                << " on every node and restart its daemons instead\n";
      return kExitFailure;
    }
    Rollback rollback;
    if (!BeforeConfigurationChange(running, to_, rollback)) {
      RunRollback(rollback);
      return kExitFailure;
    }
    // Ganeti switches the binaries' symlinks and runs cfgupgrade here: with
    // the running version there is nothing to switch and nothing to convert.
    std::cout << "Switching to version " << to_ << " on all nodes" << std::endl;
    std::cout << "Upgrading configuration" << std::endl;
    return AfterConfigurationChange();
  }

 private:
  std::string to_;
  bool resume_ = false;
};

}  // namespace

std::vector<CommandEntry> ClusterUpgradeCommands() {
  return {Entry<Upgrade>("upgrade", "Upgrade (or downgrade) to a new Ganeti version")};
}

}  // namespace herd::cli
