// Child processes and daemons: run a command with captured output, detach a
// daemon and hold its pid file.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace herd {

struct CommandResult {
  int exit_code = -1;  // -1: killed by a signal or could not start
  std::string output;  // stdout and stderr, interleaved
  bool failed() const { return exit_code != 0; }
};

// Runs argv[0] (searched in PATH) with `env` added to the environment, in
// `cwd` if given; waits at most `timeout_seconds` (then kills it).
CommandResult RunCommand(const std::vector<std::string>& argv,
                         const std::map<std::string, std::string>& env = {},
                         const std::string& cwd = "", int timeout_seconds = 300);

// As RunCommand, but the child sees only `env` (PATH defaults to the system
// directories) and reads its standard input from `stdin_file` (/dev/null if
// empty): Ganeti runs OS scripts, hooks and allocators this way.
CommandResult RunCommandInCleanEnvironment(const std::vector<std::string>& argv,
                                           const std::map<std::string, std::string>& env,
                                           const std::string& cwd = "", int timeout_seconds = 300,
                                           const std::string& stdin_file = "");

// Detaches from the terminal (fork, setsid, fork) unless `foreground`; then
// writes the pid file, refusing to start if another live process holds it.
void DaemonizeAndWritePidFile(const std::string& pid_file, bool foreground);

// Directory holding the running executable (to find sibling binaries).
std::string ExecutableDir();

}  // namespace herd
