// Keeping a long-running daemon's resident memory to what it uses: glibc
// keeps freed memory (per thread arena, in holes between live blocks) for
// reuse, so a burst of large transient work (allocation requests of a
// thousand-node cluster) would otherwise stay resident for good.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <thread>

namespace herd {

// At most `arenas` malloc arenas, however many threads allocate: fewer
// arenas, less memory held back per thread. Call before threads start.
void LimitMallocArenas(int arenas);

// Gives free heap memory back to the system while alive, checked every
// `period`: once the process has stayed quiet after some work (less than a
// tenth of a core in each of the last `quiet_periods` periods), and while it
// stays busy, as soon as its resident memory not in use has grown by `slack`
// bytes since the last trim. Trimming costs a system call per free run of
// pages and their page faults when they are used again: done in the middle
// of a burst of work, or between requests that come a second or two apart,
// it slows them; so a busy process keeps the memory its work reuses, and
// only what piles up beyond it is given back.
class HeapTrimmer {
 public:
  HeapTrimmer(std::chrono::milliseconds period, size_t slack, int quiet_periods = 1);
  ~HeapTrimmer();
  HeapTrimmer(const HeapTrimmer&) = delete;
  HeapTrimmer& operator=(const HeapTrimmer&) = delete;

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace herd
