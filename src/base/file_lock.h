// Whole-file locks on a lock file, tied to an open file description: the
// kernel drops them when the holder closes it or dies, however it died.
#pragma once

#include <chrono>
#include <string>

namespace herd {

class FileLock {
 public:
  // Takes `path`'s lock (creating the file), waiting at most `wait` for the
  // holder to let go; an unlocked FileLock when it did not.
  static FileLock Acquire(const std::string& path,
                          std::chrono::milliseconds wait = std::chrono::milliseconds(0));
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
