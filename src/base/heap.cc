#include "base/heap.h"

#include <malloc.h>
#include <time.h>

namespace herd {

void LimitMallocArenas(int arenas) { mallopt(M_ARENA_MAX, arenas); }

namespace {

std::chrono::nanoseconds ProcessCpuTime() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

}  // namespace

HeapTrimmer::HeapTrimmer(std::chrono::milliseconds period, std::chrono::milliseconds longest,
                         int quiet_periods) {
  thread_ = std::thread([this, period, longest, quiet_periods] {
    using Clock = std::chrono::steady_clock;
    // Work worth a trim: a little CPU spent since the last one.
    constexpr auto kWork = std::chrono::milliseconds(20);
    auto last_trim = Clock::now();
    auto cpu_at_trim = ProcessCpuTime();
    auto cpu_at_check = cpu_at_trim;
    int quiet_in_a_row = 0;
    std::unique_lock lock(mu_);
    while (!cv_.wait_for(lock, period, [this] { return stopping_; })) {
      lock.unlock();
      const auto cpu = ProcessCpuTime();
      quiet_in_a_row = (cpu - cpu_at_check) * 10 < period ? quiet_in_a_row + 1 : 0;
      const bool worked = cpu - cpu_at_trim > kWork;
      cpu_at_check = cpu;
      const bool settled = quiet_in_a_row >= quiet_periods;
      const bool busy_long = quiet_in_a_row == 0 && Clock::now() - last_trim >= longest;
      if (worked && (settled || busy_long)) {
        malloc_trim(0);
        last_trim = Clock::now();
        cpu_at_trim = cpu_at_check = ProcessCpuTime();
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
