// Child processes and daemons: run a command with captured output, detach a
// daemon and hold its pid file.
#pragma once

#include <spawn.h>

#include <functional>
#include <initializer_list>
#include <map>
#include <string>
#include <utility>
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

// posix_spawn attributes of a child that starts with no blocked signals (its
// parent's mask is a daemon's, not the child's), with the default action for
// `default_signals` (which its parent may ignore) and, with
// `own_process_group`, as the leader of a new process group (so that a
// time-out can kill its helpers too).
class SpawnAttributes {
 public:
  SpawnAttributes(std::initializer_list<int> default_signals, bool own_process_group);
  ~SpawnAttributes();
  SpawnAttributes(const SpawnAttributes&) = delete;
  SpawnAttributes& operator=(const SpawnAttributes&) = delete;
  const posix_spawnattr_t* get() const { return &attr_; }

 private:
  posix_spawnattr_t attr_;
};

// How a daemon's start-up ended, told to the process that launched it (which
// waits): Ready() once it serves, Failed() with the reason otherwise. Dropping
// it unreported counts as a failure. A foreground daemon has no launcher.
class DaemonStart {
 public:
  explicit DaemonStart(int fd) : fd_(fd) {}
  DaemonStart(DaemonStart&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  DaemonStart& operator=(DaemonStart&&) = delete;
  ~DaemonStart();
  void Ready();
  void Failed(const std::string& message);

 private:
  void Send(const std::string& message);
  int fd_;
};

// Locks the pid file (refusing to start while another process holds it),
// runs `before_detach` (binding sockets, so that a taken address fails the
// launch), detaches from the terminal (fork, setsid, fork) unless
// `foreground`, then writes the daemon's pid. The lock lasts as long as the
// process. The daemon ignores SIGPIPE from then on.
DaemonStart Daemonize(const std::string& pid_file, bool foreground,
                      const std::function<void()>& before_detach = {});

// What a launcher learned on the start-up pipe, once the daemon closed its
// end: "" when the daemon serves, else why it did not (worded for the user;
// `daemon` names it when it died without a word).
std::string DaemonStartFailure(const std::string& report, const std::string& daemon);

// For a launcher that forks many daemons itself: called in a forked child
// before Daemonize, which then does not fork again but only leaves the
// session (setsid, standard streams on /dev/null) and tells its start-up to
// `ready_fd` as the launcher expects of DaemonStart: "\1" once it serves,
// else why not (nothing, if it died).
void DaemonizeUnderLauncher(int ready_fd);

// Directory holding the running executable (to find sibling binaries).
std::string ExecutableDir();

}  // namespace herd
