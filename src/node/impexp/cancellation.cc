#include "node/impexp/cancellation.h"

#include <signal.h>
#include <sys/socket.h>

#include "base/errors.h"

namespace herd::impexp {

void Cancellation::Request(const std::string& reason) {
  std::lock_guard lock(mu_);
  if (requested_.load()) return;
  reason_ = reason;
  requested_.store(true, std::memory_order_release);
  // Blocked reads and writes on these return at once.
  for (int fd : sockets_) ::shutdown(fd, SHUT_RDWR);
  for (pid_t pgid : process_groups_) ::kill(-pgid, SIGTERM);
}

std::string Cancellation::reason() const {
  std::lock_guard lock(mu_);
  return reason_;
}

void Cancellation::ThrowIfRequested() const {
  if (requested()) throw GenericError(reason());
}

void Cancellation::AddSocket(int fd) {
  std::lock_guard lock(mu_);
  sockets_.insert(fd);
  if (requested_.load()) ::shutdown(fd, SHUT_RDWR);
}

void Cancellation::RemoveSocket(int fd) {
  std::lock_guard lock(mu_);
  sockets_.erase(fd);
}

void Cancellation::AddProcessGroup(pid_t pgid) {
  std::lock_guard lock(mu_);
  process_groups_.insert(pgid);
  if (requested_.load()) ::kill(-pgid, SIGTERM);
}

void Cancellation::RemoveProcessGroup(pid_t pgid) {
  std::lock_guard lock(mu_);
  process_groups_.erase(pgid);
}

}  // namespace herd::impexp
