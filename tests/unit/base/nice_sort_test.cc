#include "base/nice_sort.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace herd {
namespace {

TEST(NiceSortTest, NumbersCompareByValue) {
  std::vector<std::string> v{"node10", "node2", "node1", "inst-b", "inst-a", "node02x", "node2a"};
  std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return NiceLess(a, b); });
  EXPECT_EQ(v, (std::vector<std::string>{"inst-a", "inst-b", "node1", "node2", "node2a", "node02x",
                                         "node10"}));
}

TEST(NiceSortTest, StrictWeakOrder) {
  EXPECT_FALSE(NiceLess("node1", "node1"));
  EXPECT_TRUE(NiceLess("a", "ab"));
  EXPECT_FALSE(NiceLess("ab", "a"));
}

}  // namespace
}  // namespace herd
