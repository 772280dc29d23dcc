// Address blocks of virtual clusters: two creations at the same moment (as
// parallel tests start them) never get the same block.
#include "vcluster/layout.h"

#include <gtest/gtest.h>

namespace herd::vcluster {
namespace {

TEST(AddressBlockTest, AClaimedBlockIsNotGivenAgainWhileItsClaimLasts) {
  const AddressBlock held = ClaimFreeAddressBlock(1811);
  ASSERT_TRUE(held.claim.held());
  // Each search starts at a random block, so some of these start at the held one.
  for (int i = 0; i < 300; ++i) {
    const AddressBlock other = ClaimFreeAddressBlock(1811);
    EXPECT_TRUE(other.claim.held());
    ASSERT_NE(other.block, held.block);
  }
}

TEST(AddressBlockTest, ABlockIsFreeAgainOnceItsClaimEnds) {
  int block = 0;
  {
    const AddressBlock first = ClaimFreeAddressBlock(1811);
    block = first.block;
  }
  bool seen_again = false;
  for (int i = 0; i < 2000 && !seen_again; ++i)
    seen_again = ClaimFreeAddressBlock(1811).block == block;
  EXPECT_TRUE(seen_again);
}

TEST(AddressBlockTest, NodeAddressesStayInTheirBlock) {
  EXPECT_EQ(NodeAddress(7, 1), "127.7.0.2");
  EXPECT_EQ(NodeAddress(7, 255), "127.7.1.0");
  EXPECT_EQ(ClusterAddress(7), "127.7.0.1");
}

}  // namespace
}  // namespace herd::vcluster
