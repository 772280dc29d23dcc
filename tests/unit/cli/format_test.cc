#include "cli/format.h"

#include <gtest/gtest.h>

#include "base/errors.h"

namespace herd::cli {
namespace {

TEST(FormatTest, UnitsAsGanetiPrintsThem) {
  EXPECT_EQ(FormatUnit(512, "h"), "512M");
  EXPECT_EQ(FormatUnit(4096, "h"), "4.0G");
  EXPECT_EQ(FormatUnit(1536 * 1024, "h"), "1.5T");
  EXPECT_EQ(FormatUnit(4096, "m"), "4096");
  EXPECT_EQ(FormatUnit(4096, "g"), "4.0");
  EXPECT_EQ(FormatUnit(1024 * 1024, "t"), "1.0");
}

TEST(FormatTest, ParseUnit) {
  EXPECT_EQ(ParseUnit("512"), 512);
  EXPECT_EQ(ParseUnit("2G"), 2048);
  EXPECT_EQ(ParseUnit("1.5g"), 1536);
  EXPECT_EQ(ParseUnit("1T"), 1024 * 1024);
  EXPECT_THROW(ParseUnit("12X"), GanetiError);
  EXPECT_THROW(ParseUnit("abc"), GanetiError);
}

TEST(FormatTest, TableAlignsNumbersRight) {
  std::string t =
      FormatTable({"Node", "Pinst"}, {{"node1", "3"}, {"node10", "12"}}, {false, true}, {true, ""});
  EXPECT_EQ(t, "Node   Pinst\nnode1      3\nnode10    12\n");
}

TEST(FormatTest, TableWithSeparatorAndNoHeaders) {
  std::string t = FormatTable({"Node", "Pinst"}, {{"node1", "3"}}, {false, true}, {false, "|"});
  EXPECT_EQ(t, "node1|3\n");
}

TEST(FormatTest, FieldValues) {
  EXPECT_EQ(FormatFieldValue(0, true, "bool", "h"), "Y");
  EXPECT_EQ(FormatFieldValue(0, 2048, "unit", "h"), "2.0G");
  EXPECT_EQ(FormatFieldValue(0, boost::json::array{"a", "b"}, "other", "h"), "a,b");
  EXPECT_EQ(FormatFieldValue(2, nullptr, "unit", "h"), "*");  // no data
  EXPECT_EQ(FormatFieldValue(3, nullptr, "text", "h"), "-");  // unavailable
  EXPECT_EQ(FormatFieldValue(1, nullptr, "text", "h"), "(unknown)");
}

TEST(FormatTest, FieldListWithPlusAddsToDefaults) {
  std::vector<std::string> d{"name", "mfree"};
  EXPECT_EQ(ParseFieldList("", d), d);
  EXPECT_EQ(ParseFieldList("pip,role", d), (std::vector<std::string>{"pip", "role"}));
  EXPECT_EQ(ParseFieldList("+role", d), (std::vector<std::string>{"name", "mfree", "role"}));
}

}  // namespace
}  // namespace herd::cli
