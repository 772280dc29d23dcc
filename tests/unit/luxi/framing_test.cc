#include "luxi/framing.h"

#include <gtest/gtest.h>

namespace herd::luxi {
namespace {

TEST(FramingTest, SplitsOnEtxAcrossChunks) {
  MessageBuffer b;
  b.Append("{\"a\":");
  EXPECT_FALSE(b.Next());
  b.Append("1}\x03{\"b\":2}\x03{\"c\"");
  EXPECT_EQ(*b.Next(), "{\"a\":1}");
  EXPECT_EQ(*b.Next(), "{\"b\":2}");
  EXPECT_FALSE(b.Next());
  EXPECT_EQ(b.pending_bytes(), 4u);
  b.Append(":3}\x03");
  EXPECT_EQ(*b.Next(), "{\"c\":3}");
  EXPECT_EQ(b.pending_bytes(), 0u);
}

// A large answer comes in many reads; what was searched is not searched
// again, and nothing is lost or found twice across compactions.
TEST(FramingTest, AMessageInManyPiecesComesOutWholeOnceItsEndArrives) {
  MessageBuffer b;
  b.Append("{\"first\":0}\x03[");
  std::string expected = "[";
  for (int i = 0; i < 1000; ++i) {
    std::string piece = std::to_string(i) + ",";
    expected += piece;
    b.Append(piece);
    auto next = b.Next();
    if (i == 0) {
      ASSERT_TRUE(next);
      EXPECT_EQ(*next, "{\"first\":0}");
      next = b.Next();
    }
    EXPECT_FALSE(next) << "after piece " << i;
  }
  expected += "1]";
  b.Append("1]\x03[2]");
  EXPECT_EQ(*b.Next(), expected);
  EXPECT_FALSE(b.Next());
  EXPECT_EQ(b.pending_bytes(), 3u);
  b.Append("\x03");
  EXPECT_EQ(*b.Next(), "[2]");
  EXPECT_EQ(b.pending_bytes(), 0u);
}

TEST(FramingTest, EmptyMessage) {
  MessageBuffer b;
  b.Append("\x03");
  EXPECT_EQ(*b.Next(), "");
}

}  // namespace
}  // namespace herd::luxi
