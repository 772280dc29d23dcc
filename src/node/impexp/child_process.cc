#include "node/impexp/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

#include "base/errors.h"
#include "base/process.h"

extern char** environ;

namespace herd::impexp {
namespace {

// After an abort, a child that ignores SIGTERM gets SIGKILL this much later.
constexpr auto kKillGrace = std::chrono::seconds(5);

void ClosePair(int fds[2]) {
  for (int i = 0; i < 2; ++i) {
    if (fds[i] >= 0) ::close(fds[i]);
    fds[i] = -1;
  }
}

}  // namespace

std::string DescribeExit(int code) {
  if (code > 128) return "killed by signal " + std::to_string(code - 128);
  return "exit code " + std::to_string(code);
}

ChildProcess::ChildProcess(const Options& o, Cancellation& cancellation, LogLine log)
    : cancellation_(cancellation), log_(std::move(log)) {
  if (o.argv.empty()) throw ProgrammerError("ChildProcess without a command");
  name_ = o.argv[0].substr(o.argv[0].rfind('/') + 1);
  // Everything is prepared before posix_spawn; the child only runs exec.
  std::vector<std::string> env_strings;
  std::vector<char*> envp;
  if (o.env) {
    for (const auto& [k, v] : *o.env) env_strings.push_back(k + "=" + v);
    if (!o.env->count("PATH")) env_strings.push_back("PATH=/usr/local/bin:/usr/bin:/bin");
    for (auto& e : env_strings) envp.push_back(e.data());
    envp.push_back(nullptr);
  }
  std::vector<char*> args;
  for (const auto& a : o.argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
  if ((o.pipe_stdin && ::pipe2(in, O_CLOEXEC) != 0) ||
      (o.pipe_stdout && ::pipe2(out, O_CLOEXEC) != 0) || ::pipe2(err, O_CLOEXEC) != 0) {
    const int e = errno;
    ClosePair(in);
    ClosePair(out);
    ClosePair(err);
    throw SystemError("pipe", e);
  }
  // Data pipes of 1 MiB (the unprivileged maximum) rather than 64 KiB: a
  // quarter of the context switches between the script and the transfer.
  // A smaller pipe only costs speed, so a refusal is not an error.
  if (o.pipe_stdin) ::fcntl(in[1], F_SETPIPE_SZ, 1 << 20);
  if (o.pipe_stdout) ::fcntl(out[0], F_SETPIPE_SZ, 1 << 20);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (o.pipe_stdin) {
    posix_spawn_file_actions_adddup2(&actions, in[0], 0);
  } else {
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  }
  posix_spawn_file_actions_adddup2(&actions, o.pipe_stdout ? out[1] : err[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err[1], 2);
  if (!o.cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, o.cwd.c_str());
  const SpawnAttributes attributes({SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGXFSZ},
                                   /*own_process_group=*/true);
  char** child_env = o.env ? envp.data() : environ;
  const int rc =
      o.argv[0].find('/') == std::string::npos
          ? ::posix_spawnp(&pid_, args[0], &actions, attributes.get(), args.data(), child_env)
          : ::posix_spawn(&pid_, args[0], &actions, attributes.get(), args.data(), child_env);
  posix_spawn_file_actions_destroy(&actions);
  if (in[0] >= 0) ::close(in[0]);
  if (out[1] >= 0) ::close(out[1]);
  ::close(err[1]);
  stdin_fd_ = in[1];
  stdout_fd_ = out[0];
  stderr_fd_ = err[0];
  if (rc != 0) {
    pid_ = -1;
    CloseStdin();
    CloseStdout();
    ::close(stderr_fd_);
    throw SystemError("cannot run " + o.argv[0], rc);
  }
  cancellation_.AddProcessGroup(pid_);
  stderr_reader_ = std::thread([this] { ReadStderr(); });
}

ChildProcess::~ChildProcess() {
  CloseStdin();
  CloseStdout();
  if (pid_ > 0 && !exited_) {
    ::kill(-pid_, SIGKILL);
    int status;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    exited_ = true;
  }
  if (stderr_reader_.joinable()) stderr_reader_.join();
  if (stderr_fd_ >= 0) ::close(stderr_fd_);
  if (pid_ > 0) cancellation_.RemoveProcessGroup(pid_);
}

void ChildProcess::CloseStdin() {
  if (stdin_fd_ >= 0) ::close(stdin_fd_);
  stdin_fd_ = -1;
}

void ChildProcess::CloseStdout() {
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
  stdout_fd_ = -1;
}

void ChildProcess::Kill() {
  if (pid_ > 0 && !exited_) ::kill(-pid_, SIGKILL);
}

void ChildProcess::ReadStderr() {
  std::string pending;
  char buf[4096];
  std::chrono::steady_clock::time_point drain_until{};
  for (;;) {
    if (exited_ && drain_until == std::chrono::steady_clock::time_point{}) {
      // Something the child started may keep the pipe open: read what is
      // there, briefly, then stop.
      drain_until = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    }
    if (drain_until != std::chrono::steady_clock::time_point{} &&
        std::chrono::steady_clock::now() > drain_until) {
      break;
    }
    pollfd p{stderr_fd_, POLLIN, 0};
    const int ready = ::poll(&p, 1, 100);
    if (ready < 0 && errno != EINTR) break;
    if (ready <= 0) continue;
    const ssize_t n = ::read(stderr_fd_, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    pending.append(buf, static_cast<size_t>(n));
    size_t nl;
    while ((nl = pending.find('\n')) != std::string::npos) {
      log_(name_ + ": " + pending.substr(0, nl));
      pending.erase(0, nl + 1);
    }
  }
  if (!pending.empty()) log_(name_ + ": " + pending);
}

int ChildProcess::Wait() {
  if (pid_ <= 0) return -1;
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
  std::chrono::steady_clock::time_point kill_at{};
  int status = 0;
  for (;;) {
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) break;
    if (r < 0 && errno != EINTR) {
      status = 0;
      break;
    }
    if (cancellation_.requested()) {
      const auto now = std::chrono::steady_clock::now();
      if (kill_at == std::chrono::steady_clock::time_point{}) kill_at = now + kKillGrace;
      if (now > kill_at) ::kill(-pid_, SIGKILL);
    }
    if (pidfd >= 0) {
      pollfd p{pidfd, POLLIN, 0};
      ::poll(&p, 1, 200);
    } else {
      ::usleep(20000);
    }
  }
  if (pidfd >= 0) ::close(pidfd);
  exited_ = true;
  cancellation_.RemoveProcessGroup(pid_);
  if (stderr_reader_.joinable()) stderr_reader_.join();
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace herd::impexp
