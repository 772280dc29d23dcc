// Daemon pid files held by a lock: a daemon owns its pid file for as long as
// it lives (an open-file-description lock that the kernel drops when the
// process dies, however it died), so "is it running" never trusts a stale pid.
#pragma once

#include <string>

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

}  // namespace herd
