#include "base/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <string_view>

#include "base/errors.h"
#include "base/files.h"
#include "base/pid_file.h"

extern char** environ;

namespace herd {

CommandResult RunCommand(const std::vector<std::string>& argv,
                         const std::map<std::string, std::string>& env, const std::string& cwd,
                         int timeout_seconds) {
  std::map<std::string, std::string> merged;
  for (char** e = environ; *e; ++e) {
    std::string_view entry(*e);
    auto eq = entry.find('=');
    if (eq != std::string_view::npos) {
      merged[std::string(entry.substr(0, eq))] = std::string(entry.substr(eq + 1));
    }
  }
  for (const auto& [k, v] : env) merged[k] = v;
  return RunCommandInCleanEnvironment(argv, merged, cwd, timeout_seconds);
}

CommandResult RunCommandInCleanEnvironment(const std::vector<std::string>& argv,
                                           const std::map<std::string, std::string>& env,
                                           const std::string& cwd, int timeout_seconds,
                                           const std::string& stdin_file) {
  if (argv.empty()) throw ProgrammerError("RunCommand without a command");
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  if (!env.count("PATH")) env_strings.push_back("PATH=/usr/local/bin:/usr/bin:/bin");
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const std::string input = stdin_file.empty() ? std::string("/dev/null") : stdin_file;
  const int in = ::open(input.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) throw SystemError("cannot open " + input, errno);
  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC) != 0) {
    const int error = errno;
    ::close(in);
    throw SystemError("pipe", error);
  }
  // posix_spawn shares the parent's memory until the exec instead of copying
  // its page tables as fork does: node daemons run hooks and OS scripts for
  // every instance job, and the copy was a fifth of their CPU time.
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in, 0);
  posix_spawn_file_actions_adddup2(&actions, pipefd[1], 1);
  posix_spawn_file_actions_adddup2(&actions, pipefd[1], 2);
  // Nothing else of the parent's (a daemon's listening socket, say) may
  // outlive it in a child that daemonizes.
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
  // The caller's blocked signals (a daemon keeps SIGTERM for its signal
  // thread) are not the command's: a daemon it starts must obey SIGTERM.
  // SIGPIPE, which daemons ignore, ends a pipeline's writer once its reader
  // is gone, as in a shell.
  const SpawnAttributes attributes({SIGPIPE, SIGXFSZ}, /*own_process_group=*/false);
  pid_t pid = -1;
  const int rc =
      ::posix_spawnp(&pid, args[0], &actions, attributes.get(), args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(in);
  if (rc != 0) {
    ::close(pipefd[0]);
    ::close(pipefd[1]);
    // As a shell reports a command it cannot run.
    return CommandResult{127, "cannot execute " + argv[0] + ": " + std::strerror(rc)};
  }
  ::close(pipefd[1]);
  CommandResult result;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  char buf[4096];
  bool killed = false;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0 && !killed) {
      ::kill(pid, SIGKILL);
      killed = true;
      result.output += "\n[killed after " + std::to_string(timeout_seconds) + "s timeout]";
    }
    pollfd pfd{pipefd[0], POLLIN, 0};
    int rc = ::poll(&pfd, 1, killed ? 1000 : static_cast<int>(std::min<long>(left, 1000)));
    if (rc < 0 && errno != EINTR) break;
    if (rc <= 0) continue;
    ssize_t n = ::read(pipefd[0], buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    result.output.append(buf, static_cast<size_t>(n));
  }
  ::close(pipefd[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

SpawnAttributes::SpawnAttributes(std::initializer_list<int> default_signals,
                                 bool own_process_group) {
  posix_spawnattr_init(&attr_);
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  for (int sig : default_signals) sigaddset(&defaults, sig);
  posix_spawnattr_setsigmask(&attr_, &none);
  posix_spawnattr_setsigdefault(&attr_, &defaults);
  short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
  if (own_process_group) {
    posix_spawnattr_setpgroup(&attr_, 0);
    flags |= POSIX_SPAWN_SETPGROUP;
  }
  posix_spawnattr_setflags(&attr_, flags);
}

SpawnAttributes::~SpawnAttributes() { posix_spawnattr_destroy(&attr_); }

std::string DaemonStartFailure(const std::string& report, const std::string& daemon) {
  if (report == "\1") return "";
  std::string why = !report.empty() && report.front() == '\1' ? report.substr(1) : report;
  return why.empty() ? daemon + " exited during start-up; see its log" : why;
}

namespace {

// The launcher's side of the start-up pipe: exits 0 on the daemon's "ready"
// byte; otherwise prints what the daemon reported (or that it died) and exits 1.
[[noreturn]] void AwaitDaemonStart(int fd, const std::string& daemon) {
  std::string report;
  char buffer[512];
  ssize_t n;
  while ((n = ::read(fd, buffer, sizeof(buffer))) != 0) {
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    report.append(buffer, static_cast<size_t>(n));
  }
  const std::string failure = DaemonStartFailure(report, daemon);
  if (failure.empty()) _exit(0);
  report = daemon + ": " + failure + "\n";
  if (::write(2, report.data(), report.size()) < 0) {
    // Nowhere else to say it.
  }
  _exit(1);
}

}  // namespace

DaemonStart::~DaemonStart() {
  if (fd_ >= 0) ::close(fd_);
}

void DaemonStart::Send(const std::string& message) {
  if (fd_ < 0) return;
  // A launcher that went away has nothing left to learn.
  if (::write(fd_, message.data(), message.size()) < 0) {
  }
  ::close(fd_);
  fd_ = -1;
}

void DaemonStart::Ready() { Send("\1"); }

void DaemonStart::Failed(const std::string& message) { Send(message); }

namespace {
int launcher_ready_fd = -1;  // see DaemonizeUnderLauncher

void StandardStreamsToDevNull() {
  int devnull = ::open("/dev/null", O_RDWR);
  if (devnull >= 0) {
    ::dup2(devnull, 0);
    ::dup2(devnull, 1);
    ::dup2(devnull, 2);
    if (devnull > 2) ::close(devnull);
  }
}
}  // namespace

void DaemonizeUnderLauncher(int ready_fd) { launcher_ready_fd = ready_fd; }

DaemonStart Daemonize(const std::string& pid_file, bool foreground,
                      const std::function<void()>& before_detach) {
  // A peer that goes away is an error of its connection, not the end of the
  // daemon (OpenSSL writes to its sockets without MSG_NOSIGNAL), whatever
  // SIGPIPE disposition the daemon was started with.
  ::signal(SIGPIPE, SIG_IGN);
  // Locked before forking, so the launcher reports a running predecessor; the
  // lock travels with the descriptor to the daemon, which keeps it open.
  const std::string daemon = std::filesystem::path(pid_file).stem().string();
  const int pid_fd = LockPidFile(pid_file, daemon);
  if (before_detach) before_detach();
  int ready[2] = {-1, -1};
  if (!foreground && launcher_ready_fd >= 0) {
    // Forked by a launcher that waits on the pipe: detached enough.
    ::setsid();
    StandardStreamsToDevNull();
    ready[1] = launcher_ready_fd;
  } else if (!foreground) {
    // The launching process exits only once the daemon reports that it
    // serves, so whoever started it can use it right away.
    if (::pipe2(ready, O_CLOEXEC) != 0) throw SystemError("pipe", errno);
    pid_t pid = ::fork();
    if (pid < 0) throw SystemError("fork", errno);
    if (pid > 0) {
      ::close(ready[1]);
      AwaitDaemonStart(ready[0], daemon);
    }
    ::close(ready[0]);
    ::setsid();
    pid = ::fork();
    if (pid < 0) throw SystemError("fork", errno);
    if (pid > 0) _exit(0);
    StandardStreamsToDevNull();
  }
  ::signal(SIGPIPE, SIG_IGN);
  ::signal(SIGXFSZ, SIG_IGN);  // a file size limit is an error to report (EFBIG), not death
  WritePidFile(pid_fd, pid_file);
  return DaemonStart(ready[1]);
}

std::string ExecutableDir() {
  std::error_code ec;
  auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) throw GenericError("cannot find own executable: " + ec.message());
  return p.parent_path().string();
}

}  // namespace herd
