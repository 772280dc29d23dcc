// HeapTrimmer: freed memory between live blocks goes back to the system
// while the process stays busy, once more than the slack has piled up.
#include "base/heap.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>
#include <vector>

namespace herd {
namespace {

using std::chrono::milliseconds;

long ResidentKiB() {
  long pages = 0, resident = 0;
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (!f) return -1;
  if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = -1;
  std::fclose(f);
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

// 64 MiB in 1 KiB blocks of which one in 64 stays allocated: freeing the
// others leaves holes that malloc keeps resident (no free run reaches the
// top of the heap), which only a trim gives back. `resident_when_full`
// gets the resident size before the frees, which no trim can lower yet.
std::vector<std::unique_ptr<char[]>> PileUpHoles(long* resident_when_full = nullptr) {
  std::vector<std::unique_ptr<char[]>> blocks(64 * 1024);
  for (auto& b : blocks) {
    b.reset(new char[1024]);
    for (int i = 0; i < 1024; i += 256) b[i] = 1;
  }
  if (resident_when_full) *resident_when_full = ResidentKiB();
  std::vector<std::unique_ptr<char[]>> kept;
  for (size_t i = 0; i < blocks.size(); ++i) {
    if (i % 64 == 0) kept.push_back(std::move(blocks[i]));
  }
  return kept;
}

// Spins for `how_long` (busy, as far as the trimmer can tell).
void StayBusy(milliseconds how_long) {
  const auto end = std::chrono::steady_clock::now() + how_long;
  volatile unsigned long spin = 0;
  while (std::chrono::steady_clock::now() < end) ++spin;
}

TEST(HeapTrimmerTest, ABusyProcessGivesBackWhatPilesUpBeyondTheSlack) {
  const long before = ResidentKiB();
  std::vector<std::unique_ptr<char[]>> kept;
  {
    // 16 MiB slack: the 60 MiB of holes that pile up exceed it.
    HeapTrimmer trimmer(milliseconds(50), size_t{16} << 20, /*quiet_periods=*/1000);
    // Read before the frees: a check of the trimmer's right after them may
    // already give the holes back.
    long full = 0;
    kept = PileUpHoles(&full);
    ASSERT_GT(full - before, 48 * 1024) << "the blocks should be resident";
    StayBusy(milliseconds(600));
  }
  EXPECT_LT(ResidentKiB() - before, 24 * 1024);
}

TEST(HeapTrimmerTest, ABusyProcessKeepsWhatStaysWithinTheSlack) {
  std::vector<std::unique_ptr<char[]>> kept;
  long piled = 0;
  {
    // 1 GiB slack, and never quiet long enough: nothing is given back.
    HeapTrimmer trimmer(milliseconds(50), size_t{1} << 30, /*quiet_periods=*/1000);
    kept = PileUpHoles();
    piled = ResidentKiB();
    StayBusy(milliseconds(300));
  }
  EXPECT_GT(ResidentKiB(), piled - 8 * 1024);
}

TEST(HeapTrimmerTest, AQuietProcessGivesBackItsFreeMemory) {
  const long before = ResidentKiB();
  auto kept = PileUpHoles();
  {
    HeapTrimmer trimmer(milliseconds(50), size_t{1} << 30, /*quiet_periods=*/2);
    StayBusy(milliseconds(100));  // the work worth a trim
    std::this_thread::sleep_for(milliseconds(400));
  }
  EXPECT_LT(ResidentKiB() - before, 24 * 1024);
}

}  // namespace
}  // namespace herd
