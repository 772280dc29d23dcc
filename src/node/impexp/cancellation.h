// How a running transfer is stopped from another thread (the helper's
// watcher, on SIGTERM or when the node daemon exits): a flag the data loop
// checks, plus shutting down the sockets and killing the child processes the
// transfer may be blocked on.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <mutex>
#include <set>
#include <string>

namespace herd::impexp {

class Cancellation {
 public:
  // First reason wins; wakes everything registered below.
  void Request(const std::string& reason);
  bool requested() const { return requested_.load(std::memory_order_acquire); }
  std::string reason() const;
  // Throws GenericError(reason) once cancelled.
  void ThrowIfRequested() const;

  // A socket to shut down (never closed here: the owner closes it).
  void AddSocket(int fd);
  void RemoveSocket(int fd);
  // A child's process group to kill.
  void AddProcessGroup(pid_t pgid);
  void RemoveProcessGroup(pid_t pgid);

 private:
  std::atomic<bool> requested_{false};
  mutable std::mutex mu_;
  std::string reason_;
  std::set<int> sockets_;
  std::set<pid_t> process_groups_;
};

}  // namespace herd::impexp
