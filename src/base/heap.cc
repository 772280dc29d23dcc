#include "base/heap.h"

#include <malloc.h>

namespace herd {

void LimitMallocArenas(int arenas) { mallopt(M_ARENA_MAX, arenas); }

HeapTrimmer::HeapTrimmer(std::chrono::milliseconds period) {
  thread_ = std::thread([this, period] {
    std::unique_lock lock(mu_);
    while (!cv_.wait_for(lock, period, [this] { return stopping_; })) {
      lock.unlock();
      malloc_trim(0);
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
