// Whole-file locks on a lock file, tied to an open file description: the
// kernel drops them when the holder closes it or dies, however it died.
#pragma once

#include <string>

namespace herd {

class FileLock {
 public:
  // Takes `path`'s lock (creating the file), waiting for the holder when
  // `wait`; otherwise an unlocked FileLock when another holds it.
  static FileLock Acquire(const std::string& path, bool wait);
  FileLock() = default;
  FileLock(FileLock&& other) noexcept;
  FileLock& operator=(FileLock&& other) noexcept;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  ~FileLock();

  bool held() const { return fd_ >= 0; }

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace herd
