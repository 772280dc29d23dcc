// Tests of LockManager: modes, whole-level locks, timeouts, level order, and a
// multi-threaded run that must neither deadlock nor break exclusivity.
#include "master/locking/lock_manager.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <mutex>
#include <random>
#include <thread>

#include "base/errors.h"
#include "master/locking/lock_holder.h"

namespace herd::locking {
namespace {

using std::chrono::milliseconds;
constexpr milliseconds kShort{50};
constexpr milliseconds kNow{0};

TEST(LockManagerTest, SharedLocksAreCompatible) {
  LockManager lm;
  ASSERT_TRUE(lm.Acquire("a", Level::kInstance, {"inst1"}, /*shared=*/true));
  EXPECT_TRUE(lm.Acquire("b", Level::kInstance, {"inst1"}, true, kNow));
  EXPECT_TRUE(lm.IsOwned("b", Level::kInstance, "inst1"));
  EXPECT_FALSE(lm.IsOwned("b", Level::kInstance, "inst1", /*exclusive=*/true));
}

TEST(LockManagerTest, SharedBlocksExclusiveUntilReleased) {
  LockManager lm;
  ASSERT_TRUE(lm.Acquire("a", Level::kNode, {"node1"}, true));
  EXPECT_FALSE(lm.Acquire("b", Level::kNode, {"node1"}, false, kShort));
  EXPECT_FALSE(lm.OwnsLevel("b", Level::kNode));

  auto waiter = std::async(std::launch::async, [&] {
    return lm.Acquire("b", Level::kNode, {"node1"}, false, milliseconds(5000));
  });
  EXPECT_EQ(waiter.wait_for(kShort), std::future_status::timeout);
  lm.Release("a", Level::kNode);
  EXPECT_TRUE(waiter.get());
  EXPECT_TRUE(lm.IsOwned("b", Level::kNode, "node1", /*exclusive=*/true));
  EXPECT_FALSE(lm.Acquire("a", Level::kNode, {"node1"}, true, kNow));
}

TEST(LockManagerTest, DifferentNamesDoNotConflict) {
  LockManager lm;
  ASSERT_TRUE(lm.Acquire("a", Level::kInstance, {"inst1"}, false));
  EXPECT_TRUE(lm.Acquire("b", Level::kInstance, {"inst2"}, false, kNow));
}

TEST(LockManagerTest, ExclusiveAllExcludesNamed) {
  LockManager lm;
  ASSERT_TRUE(lm.AcquireAll("a", Level::kInstance, /*shared=*/false));
  EXPECT_FALSE(lm.Acquire("b", Level::kInstance, {"inst9"}, true, kNow));
  EXPECT_FALSE(lm.AcquireAll("b", Level::kInstance, true, kNow));
  EXPECT_TRUE(lm.IsOwned("a", Level::kInstance, "anything", /*exclusive=*/true));
  // Other levels are unaffected.
  EXPECT_TRUE(lm.Acquire("b", Level::kNode, {"node1"}, false, kNow));
}

TEST(LockManagerTest, SharedAllAdmitsSharedNamedOnly) {
  LockManager lm;
  ASSERT_TRUE(lm.AcquireAll("a", Level::kNode, /*shared=*/true));
  EXPECT_TRUE(lm.Acquire("b", Level::kNode, {"node1"}, true, kNow));
  EXPECT_FALSE(lm.Acquire("c", Level::kNode, {"node2"}, false, kNow));
  EXPECT_TRUE(lm.AcquireAll("c", Level::kNode, true, kNow));
}

TEST(LockManagerTest, NamedExclusiveBlocksAll) {
  LockManager lm;
  ASSERT_TRUE(lm.Acquire("a", Level::kNode, {"node1"}, false));
  EXPECT_FALSE(lm.AcquireAll("b", Level::kNode, true, kNow));
  EXPECT_FALSE(lm.AcquireAll("b", Level::kNode, false, kShort));
  ASSERT_TRUE(lm.Acquire("c", Level::kNode, {"node2"}, true));
  lm.Release("a", Level::kNode);
  EXPECT_TRUE(lm.AcquireAll("b", Level::kNode, true, kNow));
}

TEST(LockManagerTest, TimeoutTakesNothing) {
  LockManager lm;
  ASSERT_TRUE(lm.Acquire("a", Level::kInstance, {"b"}, false));
  EXPECT_FALSE(lm.Acquire("x", Level::kInstance, {"c", "a", "b"}, false, kShort));
  EXPECT_FALSE(lm.OwnsLevel("x", Level::kInstance));
  EXPECT_TRUE(lm.Acquire("y", Level::kInstance, {"a", "c"}, false, kNow));
  for (const LockStatus& st : lm.Status()) {
    for (const OwnerId& o : st.owners) EXPECT_NE(o, "x") << st.name;
    EXPECT_TRUE(st.pending.empty()) << st.name;
  }
}

TEST(LockManagerTest, ZeroTimeoutIsATry) {
  LockManager lm;
  ASSERT_TRUE(lm.Acquire("a", Level::kCluster, {std::string(kBgl)}, false));
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(lm.Acquire("b", Level::kCluster, {std::string(kBgl)}, true, kNow));
  EXPECT_LT(std::chrono::steady_clock::now() - start, kShort);
}

TEST(LockManagerTest, LevelOrderViolationsThrow) {
  LockManager lm;
  ASSERT_TRUE(lm.Acquire("a", Level::kNode, {"node1"}, true));
  EXPECT_THROW(lm.Acquire("a", Level::kInstance, {"inst1"}, true), GanetiError);
  EXPECT_THROW(lm.Acquire("a", Level::kNode, {"node2"}, true), GanetiError);
  EXPECT_THROW(lm.AcquireAll("a", Level::kCluster, true), GanetiError);
  try {
    lm.Acquire("a", Level::kInstance, {"inst1"}, true);
  } catch (const GanetiError& e) {
    EXPECT_EQ(e.error_class(), "ProgrammerError");
  }
  EXPECT_TRUE(lm.Acquire("a", Level::kNodeRes, {"node1"}, true));
  lm.ReleaseAll("a");
  EXPECT_TRUE(lm.Acquire("a", Level::kInstance, {"inst1"}, true));
}

TEST(LockManagerTest, ReleasingUnheldLocksThrows) {
  LockManager lm;
  EXPECT_THROW(lm.Release("a", Level::kNode), GanetiError);
  ASSERT_TRUE(lm.Acquire("a", Level::kNode, {"node1"}, true));
  EXPECT_THROW(lm.Release("a", Level::kNode, {"node2"}), GanetiError);
  EXPECT_TRUE(lm.IsOwned("a", Level::kNode, "node1"));
}

TEST(LockManagerTest, PartialRelease) {
  LockManager lm;
  ASSERT_TRUE(lm.Acquire("a", Level::kNode, {"n1", "n2", "n3"}, false));
  lm.Release("a", Level::kNode, {"n2"});
  EXPECT_EQ(lm.OwnedNames("a", Level::kNode), (std::vector<std::string>{"n1", "n3"}));
  EXPECT_TRUE(lm.Acquire("b", Level::kNode, {"n2"}, false, kNow));
  lm.Release("a", Level::kNode, {"n1", "n3"});
  EXPECT_FALSE(lm.OwnsLevel("a", Level::kNode));
}

TEST(LockManagerTest, ReleaseExceptNarrowsAWholeLevelHold) {
  LockManager lm;
  ASSERT_TRUE(lm.AcquireAll("a", Level::kNode, false));
  lm.ReleaseExcept("a", Level::kNode, {"n1", "n3"});
  EXPECT_FALSE(lm.OwnsAll("a", Level::kNode));
  EXPECT_EQ(lm.OwnedNames("a", Level::kNode), (std::vector<std::string>{"n1", "n3"}));
  EXPECT_TRUE(lm.Acquire("b", Level::kNode, {"n2"}, false, kNow));
  EXPECT_FALSE(lm.Acquire("c", Level::kNode, {"n3"}, true, kNow));
  lm.ReleaseExcept("a", Level::kNode, {"n3"});
  EXPECT_TRUE(lm.Acquire("c", Level::kNode, {"n1"}, false, kNow));
  EXPECT_THROW(lm.Release("x", Level::kNode), GanetiError);
}

TEST(LockManagerTest, DowngradeLetsSharedWaitersIn) {
  LockManager lm;
  ASSERT_TRUE(lm.Acquire("a", Level::kInstance, {"inst1"}, false));
  auto waiter = std::async(std::launch::async, [&] {
    return lm.Acquire("b", Level::kInstance, {"inst1"}, true, milliseconds(5000));
  });
  EXPECT_EQ(waiter.wait_for(kShort), std::future_status::timeout);
  lm.Downgrade("a", Level::kInstance);
  EXPECT_TRUE(waiter.get());
  EXPECT_FALSE(lm.IsOwned("a", Level::kInstance, "inst1", /*exclusive=*/true));
}

TEST(LockManagerTest, OpportunisticTakesWhatIsFree) {
  LockManager lm;
  ASSERT_TRUE(lm.Acquire("a", Level::kNode, {"n2"}, false));
  EXPECT_EQ(lm.AcquireOpportunistic("b", Level::kNode, {"n3", "n1", "n2"}, false),
            (std::vector<std::string>{"n1", "n3"}));
  EXPECT_TRUE(lm.AcquireOpportunistic("c", Level::kNode, {"n1"}, false).empty());
  EXPECT_FALSE(lm.OwnsLevel("c", Level::kNode));
}

TEST(LockManagerTest, QueuedExclusiveIsNotStarvedByLaterShared) {
  LockManager lm;
  ASSERT_TRUE(lm.Acquire("a", Level::kInstance, {"inst1"}, true));
  auto writer = std::async(std::launch::async, [&] {
    return lm.Acquire("w", Level::kInstance, {"inst1"}, false, milliseconds(5000));
  });
  // Wait until the writer is queued.
  for (int i = 0; i < 500; ++i) {
    auto st = lm.Status();
    if (!st.empty() && !st.back().pending.empty()) break;
    std::this_thread::sleep_for(milliseconds(1));
  }
  EXPECT_FALSE(lm.Acquire("r", Level::kInstance, {"inst1"}, true, kNow));
  lm.ReleaseAll("a");
  EXPECT_TRUE(writer.get());
}

TEST(LockManagerTest, StatusListsOwnersAndPending) {
  LockManager lm;
  ASSERT_TRUE(lm.Acquire("job/1", Level::kCluster, {"BGL"}, true));
  ASSERT_TRUE(lm.Acquire("job/2", Level::kCluster, {"BGL"}, true));
  ASSERT_TRUE(lm.AcquireAll("job/1", Level::kNode, false));
  auto waiter = std::async(std::launch::async, [&] {
    return lm.Acquire("job/2", Level::kNode, {"node1"}, true, milliseconds(5000));
  });
  std::vector<LockStatus> st;
  for (int i = 0; i < 500; ++i) {
    st = lm.Status();
    if (st.size() == 2 && !st[1].pending.empty()) break;
    std::this_thread::sleep_for(milliseconds(1));
  }
  ASSERT_EQ(st.size(), 2u);
  EXPECT_EQ(st[0].name, "cluster/BGL");
  EXPECT_EQ(st[0].mode, "shared");
  EXPECT_EQ(st[0].owners, (std::vector<OwnerId>{"job/1", "job/2"}));
  EXPECT_EQ(st[1].name, "node/[lockset]");
  EXPECT_EQ(st[1].mode, "exclusive");
  EXPECT_EQ(st[1].owners, (std::vector<OwnerId>{"job/1"}));
  ASSERT_EQ(st[1].pending.size(), 1u);
  EXPECT_EQ(st[1].pending[0].first, "shared");
  EXPECT_EQ(st[1].pending[0].second, (std::vector<OwnerId>{"job/2"}));
  lm.ReleaseAll("job/1");
  EXPECT_TRUE(waiter.get());
  st = lm.Status();
  ASSERT_EQ(st.size(), 2u);
  EXPECT_EQ(st[1].name, "node/node1");
  EXPECT_EQ(st[1].mode, "shared");
}

TEST(LockHolderTest, ReleasesEverythingOnDestruction) {
  LockManager lm;
  {
    LockHolder holder(lm, "job/7");
    ASSERT_TRUE(holder.Acquire(Level::kCluster, {"BGL"}, true));
    ASSERT_TRUE(holder.AcquireAll(Level::kInstance, false));
    ASSERT_TRUE(holder.Acquire(Level::kNode, {"n1"}, false));
    EXPECT_TRUE(holder.OwnsAll(Level::kInstance));
    EXPECT_FALSE(lm.Acquire("other", Level::kNode, {"n1"}, true, kNow));
  }
  EXPECT_TRUE(lm.Status().empty());
  EXPECT_TRUE(lm.AcquireAll("other", Level::kInstance, false, kNow));
}

// Counters of what the stress threads believe they hold; a violation of
// exclusivity shows up as an impossible combination.
struct LevelCounters {
  static constexpr int kNames = 6;
  std::array<std::atomic<int>, kNames> exclusive{};
  std::array<std::atomic<int>, kNames> shared{};
  std::atomic<int> all_exclusive{0}, all_shared{0}, named_exclusive{0}, named_shared{0};
};

TEST(LockManagerStressTest, RandomMultiLevelAcquisitionsNeverDeadlock) {
  constexpr int kThreads = 16;
  constexpr auto kRunFor = std::chrono::milliseconds(2500);
  const std::array<Level, 4> levels = {Level::kCluster, Level::kInstance, Level::kNode,
                                       Level::kNodeRes};
  LockManager lm;
  std::array<LevelCounters, 4> counters;
  std::atomic<int> violations{0};
  std::atomic<long> acquisitions{0}, timeouts{0};

  std::mutex done_mu;
  std::condition_variable done_cv;
  int finished = 0;
  // A deadlock would hang the test binary: fail loudly instead.
  std::thread watchdog([&] {
    std::unique_lock lk(done_mu);
    if (!done_cv.wait_for(lk, std::chrono::seconds(10), [&] { return finished == kThreads; })) {
      std::fprintf(stderr, "deadlock: stress threads did not finish; lock status:\n");
      for (const LockStatus& st : lm.Status()) {
        std::fprintf(stderr, "  %s %s owners=%zu pending=%zu\n", st.name.c_str(), st.mode.c_str(),
                     st.owners.size(), st.pending.size());
      }
      std::_Exit(1);
    }
  });

  const auto stop_at = std::chrono::steady_clock::now() + kRunFor;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(1234 + t);
      auto chance = [&](int percent) { return static_cast<int>(rng() % 100) < percent; };
      const OwnerId owner = std::string("job/").append(std::to_string(t));
      while (std::chrono::steady_clock::now() < stop_at) {
        struct Held {
          int level_index;
          bool all;
          bool shared;
          std::vector<int> names;
        };
        std::vector<Held> held;
        bool ok = true;
        for (int li = 0; li < static_cast<int>(levels.size()) && ok; ++li) {
          if (li > 0 && chance(30)) continue;
          Held h{li, li > 0 && chance(10), chance(li == 0 ? 90 : 50), {}};
          Timeout timeout;
          switch (rng() % 4) {
            case 0:
              timeout = milliseconds(0);
              break;
            case 1:
              timeout = milliseconds(2);
              break;
            default:
              break;  // blocking
          }
          if (h.all) {
            ok = lm.AcquireAll(owner, levels[li], h.shared, timeout);
          } else if (li == 0) {
            h.names = {0};
            ok = lm.Acquire(owner, levels[li], {std::string(kBgl)}, h.shared, timeout);
          } else {
            std::vector<std::string> names;
            for (int k = 0, n = 1 + rng() % 3; k < n; ++k) {
              int idx = static_cast<int>(rng() % LevelCounters::kNames);
              if (std::find(h.names.begin(), h.names.end(), idx) != h.names.end()) continue;
              h.names.push_back(idx);
              names.push_back(std::string(1, 'n').append(std::to_string(idx)));
            }
            ok = lm.Acquire(owner, levels[li], names, h.shared, timeout);
          }
          if (!ok) {
            ++timeouts;
            break;
          }
          ++acquisitions;
          LevelCounters& c = counters[li];
          if (h.all) {
            (h.shared ? c.all_shared : c.all_exclusive)++;
          } else {
            for (int n : h.names) {
              (h.shared ? c.shared[n] : c.exclusive[n])++;
              (h.shared ? c.named_shared : c.named_exclusive)++;
            }
          }
          held.push_back(h);
        }
        std::this_thread::yield();
        for (const Held& h : held) {
          LevelCounters& c = counters[h.level_index];
          bool bad = false;
          if (h.all && !h.shared) {
            bad = c.all_exclusive != 1 || c.all_shared != 0 || c.named_exclusive != 0 ||
                  c.named_shared != 0;
          } else if (h.all) {
            bad = c.all_exclusive != 0 || c.named_exclusive != 0;
          } else {
            for (int n : h.names) {
              if (h.shared) {
                bad |= c.exclusive[n] != 0 || c.all_exclusive != 0;
              } else {
                bad |= c.exclusive[n] != 1 || c.shared[n] != 0 || c.all_exclusive != 0 ||
                       c.all_shared != 0;
              }
            }
          }
          if (bad) ++violations;
        }
        for (const Held& h : held) {
          LevelCounters& c = counters[h.level_index];
          if (h.all) {
            (h.shared ? c.all_shared : c.all_exclusive)--;
          } else {
            for (int n : h.names) {
              (h.shared ? c.shared[n] : c.exclusive[n])--;
              (h.shared ? c.named_shared : c.named_exclusive)--;
            }
          }
        }
        lm.ReleaseAll(owner);
      }
      std::lock_guard lk(done_mu);
      ++finished;
      done_cv.notify_all();
    });
  }
  for (auto& th : threads) th.join();
  watchdog.join();
  EXPECT_EQ(violations.load(), 0);
  EXPECT_GT(acquisitions.load(), 1000);
  EXPECT_TRUE(lm.Status().empty());
  std::printf("stress: %ld acquisitions, %ld timeouts, %d threads\n", acquisitions.load(),
              timeouts.load(), kThreads);
}

}  // namespace
}  // namespace herd::locking
