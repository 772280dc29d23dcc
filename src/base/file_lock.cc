#include "base/file_lock.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <thread>
#include <utility>

#include "base/errors.h"

namespace herd {

FileLock FileLock::Acquire(const std::string& path, std::chrono::milliseconds wait) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) throw SystemError("open " + path, errno);
  struct flock lock {};
  lock.l_type = F_WRLCK;
  lock.l_whence = SEEK_SET;
  const auto deadline = std::chrono::steady_clock::now() + wait;
  for (;;) {
    if (::fcntl(fd, F_OFD_SETLK, &lock) == 0) return FileLock(fd);
    const int err = errno;
    if (err == EINTR) continue;
    if ((err != EAGAIN && err != EACCES) || std::chrono::steady_clock::now() >= deadline) {
      ::close(fd);
      if (err == EAGAIN || err == EACCES) return FileLock();
      throw SystemError("lock " + path, err);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

FileLock::FileLock(FileLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

FileLock& FileLock::operator=(FileLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace herd
