// Daemon pid files held by a lock: a daemon owns its pid file for as long as
// it lives (an open-file-description lock that the kernel drops when the
// process dies, however it died), so "is it running" never trusts a stale pid.
#pragma once

#include <string>
#include <vector>

namespace herd {

// Locks `path` (created if absent) and empties it; the lock passes to forked
// children with the returned descriptor, which stays open for the daemon's
// lifetime. Throws GenericError naming the running holder when it is taken.
int LockPidFile(const std::string& path, const std::string& daemon);

// Writes the calling process's pid into a pid file locked by LockPidFile.
void WritePidFile(int locked_fd, const std::string& path);

// The pid of the process holding `path`'s lock, or 0 when none does (the
// file is absent, or its writer is dead). Never takes the lock itself.
int RunningDaemonPid(const std::string& path);

// A daemon asked to stop, known by its pid file (whose lock it holds until
// it has exited, even as a zombie nobody has reaped yet).
struct StoppingDaemon {
  std::string pid_file;
  int pid = 0;
};

// Sends SIGTERM to the daemon holding `pid_file`, if one does, and adds it to
// `stopping`.
void AskDaemonToStop(const std::string& pid_file, std::vector<StoppingDaemon>& stopping);

// Waits until every daemon in `daemons` has released its pid file and
// exited (a zombie counts as exited); those still running after `seconds`
// get SIGKILL.
void WaitForDaemonsToStop(std::vector<StoppingDaemon> daemons, int seconds);

}  // namespace herd
