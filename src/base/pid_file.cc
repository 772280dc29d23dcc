#include "base/pid_file.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <fstream>
#include <thread>

#include "base/errors.h"
#include "base/files.h"

namespace herd {
namespace {

struct flock WholeFile(short type) {
  struct flock lock {};
  lock.l_type = type;
  lock.l_whence = SEEK_SET;
  lock.l_start = 0;
  lock.l_len = 0;
  return lock;
}

// True when another open file description holds a write lock on `fd`'s file.
bool LockedByOther(int fd) {
  struct flock probe = WholeFile(F_WRLCK);
  if (::fcntl(fd, F_OFD_GETLK, &probe) != 0) throw SystemError("fcntl(F_OFD_GETLK)", errno);
  return probe.l_type != F_UNLCK;
}

// Not yet exited: a zombie its parent has not reaped has exited.
bool StillRunning(int pid) {
  if (!ProcessAlive(pid)) return false;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!std::getline(stat, text)) return true;  // no /proc to tell: alive as far as kill says
  const auto name_end = text.rfind(')');
  if (name_end == std::string::npos || name_end + 2 >= text.size()) return true;
  const char state = text[name_end + 2];
  return state != 'Z' && state != 'X';
}

}  // namespace

int LockPidFile(const std::string& path, const std::string& daemon) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) throw SystemError("open " + path, errno);
  struct flock lock = WholeFile(F_WRLCK);
  if (::fcntl(fd, F_OFD_SETLK, &lock) != 0) {
    const int err = errno;
    ::close(fd);
    if (err != EAGAIN && err != EACCES) throw SystemError("lock " + path, err);
    const int holder = RunningDaemonPid(path);
    throw GenericError(daemon + " is already running" +
                       (holder > 0 ? " (pid " + std::to_string(holder) + ")" : "") +
                       "; its pid file " + path + " is locked");
  }
  if (::ftruncate(fd, 0) != 0) throw SystemError("truncate " + path, errno);
  return fd;
}

void WritePidFile(int locked_fd, const std::string& path) {
  const std::string text = std::to_string(::getpid()) + "\n";
  if (::ftruncate(locked_fd, 0) != 0 ||
      ::pwrite(locked_fd, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size())) {
    throw SystemError("write " + path, errno);
  }
}

int RunningDaemonPid(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  bool held = false;
  try {
    held = LockedByOther(fd);
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
  if (!held) return 0;
  // A daemon locks its pid file before it forks and writes its pid after:
  // give it a moment to write.
  for (int attempt = 0; attempt < 100; ++attempt) {
    if (int pid = ReadPidFile(path); pid > 0) return pid;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return 0;
}

void AskDaemonToStop(const std::string& pid_file, std::vector<StoppingDaemon>& stopping) {
  const int pid = RunningDaemonPid(pid_file);
  if (pid > 0 && ::kill(pid, SIGTERM) == 0) stopping.push_back({pid_file, pid});
}

void WaitForDaemonsToStop(std::vector<StoppingDaemon> daemons, int seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  // Daemons remove their pid file on the way out, before they have exited:
  // the process itself must be gone too.
  auto exited = [](const StoppingDaemon& d) {
    return RunningDaemonPid(d.pid_file) != d.pid && !StillRunning(d.pid);
  };
  while (!daemons.empty() && std::chrono::steady_clock::now() < deadline) {
    std::erase_if(daemons, exited);
    if (!daemons.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  for (const auto& d : daemons) ::kill(d.pid, SIGKILL);  // did not stop in time
}

}  // namespace herd
