#include "node/restricted_commands.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "base/errors.h"
#include "base/file_lock.h"
#include "base/files.h"
#include "base/process.h"

namespace herd {
namespace {

constexpr mode_t kMaxMode = 0755;  // Ganeti's _RCMD_MAX_MODE

// Ganeti's _CommonRestrictedCmdCheck; the owner is the daemon's own user
// (root on a real node, the cluster's user on a virtual one).
std::string CheckOwnerAndMode(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return "Can't stat(2) '" + path + "'";
  if ((st.st_mode & 07777 & ~kMaxMode) != 0)
    return "Permissions on '" + path + "' are too permissive";
  if (st.st_uid != ::geteuid() || st.st_gid != ::getegid()) {
    return "'" + path + "' is not owned by " + std::to_string(::geteuid()) + ":" +
           std::to_string(::getegid());
  }
  return "";
}

// The executable to run, or why not.
std::string Prepare(const Paths& paths, const std::string& command, std::string* executable) {
  if (command.find_first_not_of(" \t") == std::string::npos) return "Missing command name";
  if (command.find('/') != std::string::npos) return "Invalid command name";
  if (!IsPluginName(command)) return "Command name contains forbidden characters";
  const std::string dir = paths.RestrictedCommandsDir();
  if (auto problem = CheckOwnerAndMode(dir); !problem.empty()) return problem;
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return "Path '" + dir + "' is not a directory";
  }
  *executable = dir + "/" + command;
  if (auto problem = CheckOwnerAndMode(*executable); !problem.empty()) return problem;
  if (::access(executable->c_str(), X_OK) != 0) {
    return "access(2) thinks '" + *executable + "' can't be executed";
  }
  return "";
}

}  // namespace

std::string RunRestrictedCommand(const Paths& paths, const std::string& command) {
  FileLock lock =
      FileLock::Acquire(paths.RunDir() + "/restricted-commands.lock", std::chrono::seconds(60));
  std::string executable;
  const std::string problem =
      lock.held() ? Prepare(paths, command, &executable) : "Could not take the command lock";
  if (!problem.empty()) {
    spdlog::error("Restricted command '{}' refused: {}", command, problem);
    // As Ganeti: a delay, and no detail for whoever probes for commands.
    std::this_thread::sleep_for(std::chrono::seconds(paths.is_virtual() ? 2 : 10));
    throw GenericError("Executing command '" + command + "' failed");
  }
  const CommandResult result = RunCommandInCleanEnvironment({executable}, {}, "/");
  if (result.failed()) {
    throw GenericError("Restricted command '" + command + "' failed: exited with status " +
                       std::to_string(result.exit_code) + "; output: " + result.output);
  }
  return result.output;
}

}  // namespace herd
