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

TEST(FramingTest, EmptyMessage) {
  MessageBuffer b;
  b.Append("\x03");
  EXPECT_EQ(*b.Next(), "");
}

}  // namespace
}  // namespace herd::luxi
