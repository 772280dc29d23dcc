#include "base/heap.h"

#include <malloc.h>
#include <time.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>

namespace herd {

void LimitMallocArenas(int arenas) { mallopt(M_ARENA_MAX, arenas); }

namespace {

std::chrono::nanoseconds ProcessCpuTime() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

// Resident bytes that malloc does not count as in use: free heap memory
// still mapped, plus what is not heap at all (code, stacks), which stays
// about the same and cancels out between two readings.
int64_t ResidentNotInUse() {
  long pages = 0, resident = 0;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  const struct mallinfo2 info = mallinfo2();
  return static_cast<int64_t>(resident) * sysconf(_SC_PAGESIZE) -
         static_cast<int64_t>(info.uordblks + info.hblkhd);
}

}  // namespace

HeapTrimmer::HeapTrimmer(std::chrono::milliseconds period, size_t slack, int quiet_periods) {
  // Read here, not on the thread: what piles up once the trimmer exists
  // counts, even when the thread starts late on a loaded machine.
  const auto cpu_at_start = ProcessCpuTime();
  const int64_t unused_at_start = ResidentNotInUse();
  thread_ = std::thread([this, period, slack, quiet_periods, cpu_at_start, unused_at_start] {
    // Work worth a trim: a little CPU spent since the last one.
    constexpr auto kWork = std::chrono::milliseconds(20);
    auto cpu_at_trim = cpu_at_start;
    auto cpu_at_check = cpu_at_trim;
    int64_t unused_at_trim = unused_at_start;
    int quiet_in_a_row = 0;
    std::unique_lock lock(mu_);
    while (!cv_.wait_for(lock, period, [this] { return stopping_; })) {
      lock.unlock();
      const auto cpu = ProcessCpuTime();
      quiet_in_a_row = (cpu - cpu_at_check) * 10 < period ? quiet_in_a_row + 1 : 0;
      const bool worked = cpu - cpu_at_trim > kWork;
      cpu_at_check = cpu;
      const bool settled = quiet_in_a_row >= quiet_periods;
      const bool piled_up = worked && quiet_in_a_row == 0 &&
                            ResidentNotInUse() - unused_at_trim > static_cast<int64_t>(slack);
      if ((worked && settled) || piled_up) {
        malloc_trim(0);
        cpu_at_trim = cpu_at_check = ProcessCpuTime();
        unused_at_trim = ResidentNotInUse();
      }
      lock.lock();
    }
  });
}

HeapTrimmer::~HeapTrimmer() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

}  // namespace herd
