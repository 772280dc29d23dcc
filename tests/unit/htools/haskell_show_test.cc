// Values formatted as Ganeti's Haskell htools show them.
#include "htools/haskell_show.h"

#include <gtest/gtest.h>

namespace herd::htools {
namespace {

TEST(HaskellShowTest, DoublesAsShowAndPrintfWriteThem) {
  EXPECT_EQ(HaskellShowDouble(4), "4.0");
  EXPECT_EQ(HaskellShowDouble(32), "32.0");
  EXPECT_EQ(HaskellShowDouble(2.5), "2.5");
  EXPECT_EQ(HaskellShowDouble(0.1), "0.1");
  EXPECT_EQ(HaskellShowDouble(0.01), "1.0e-2");
  EXPECT_EQ(HaskellShowDouble(0.0125), "1.25e-2");
  EXPECT_EQ(HaskellShowDouble(9999999), "9999999.0");
  EXPECT_EQ(HaskellShowDouble(1e7), "1.0e7");
  EXPECT_EQ(HaskellShowDouble(123456789.5), "1.234567895e8");
  EXPECT_EQ(HaskellShowDouble(0), "0.0");
  EXPECT_EQ(HaskellShowDouble(-1.5), "-1.5");
  EXPECT_EQ(HaskellFixedDouble(1), "1.0");
  EXPECT_EQ(HaskellFixedDouble(3), "3.0");
  EXPECT_EQ(HaskellFixedDouble(0.001), "0.001");
  EXPECT_EQ(HaskellFixedDouble(1e8), "100000000.0");
  EXPECT_EQ(HaskellFixedDouble(0), "0.0");
}

TEST(HaskellShowTest, PrintfRoundsTheShortestDigitsHalfToEven) {
  // 0.94625 is a little above its binary value's half: C's printf rounds it
  // up, Haskell's rounds its shortest digits to even (hail -p shows 0.9462).
  EXPECT_EQ(HaskellPrintfFixed(0.94625, 4), "0.9462");
  EXPECT_EQ(HaskellPrintfFixed(0.94635, 4), "0.9464");
  EXPECT_EQ(HaskellPrintfFixed(0.75, 4), "0.7500");
  EXPECT_EQ(HaskellPrintfFixed(0.99996, 4), "1.0000");
  EXPECT_EQ(HaskellPrintfFixed(12.5, 2), "12.50");
  EXPECT_EQ(HaskellPrintfFixed(4096, 0), "4096");
  EXPECT_EQ(HaskellPrintfFixed(0, 4), "0.0000");
  EXPECT_EQ(HaskellPrintfFixed(-0.25, 4), "-0.2500");
  EXPECT_EQ(HaskellPrintfFixed(0.0001234, 8), "0.00012340");
  EXPECT_EQ(HaskellPrintfFixed(1.0 / 0.0, 2), "Infinity");
  EXPECT_EQ(HaskellPrintfFixed(-1.0 / 0.0, 4), "-Infinity");
  EXPECT_EQ(HaskellPrintfFixed(0.0 / 0.0, 4), "NaN");
}

TEST(HaskellShowTest, StringsAndPolicies) {
  EXPECT_EQ(HaskellShowStrings({"a", "b\"c"}), "[\"a\",\"b\\\"c\"]");
  EXPECT_EQ(HaskellShowStrings({}), "[]");
  IPolicy p;
  p.minmax.push_back({ISpec{1, 2, 3, 4, 5, 6}, ISpec{7, 8, 9, 10, 11, 12}});
  p.disk_templates = {"drbd", "blockdev"};
  p.vcpu_ratio = 2.5;
  EXPECT_EQ(HaskellShowIPolicy(p),
            "IPolicy {iPolicyMinMaxISpecs = [MinMaxISpecs {minMaxISpecsMinSpec = ISpec "
            "{iSpecMemorySize = 1, iSpecCpuCount = 2, iSpecDiskSize = 3, iSpecDiskCount = 4, "
            "iSpecNicCount = 5, iSpecSpindleUse = 6}, minMaxISpecsMaxSpec = ISpec "
            "{iSpecMemorySize = 7, iSpecCpuCount = 8, iSpecDiskSize = 9, iSpecDiskCount = 10, "
            "iSpecNicCount = 11, iSpecSpindleUse = 12}}], iPolicyStdSpec = ISpec "
            "{iSpecMemorySize = 0, iSpecCpuCount = 0, iSpecDiskSize = 0, iSpecDiskCount = 0, "
            "iSpecNicCount = 0, iSpecSpindleUse = 0}, iPolicyDiskTemplates = [DTDrbd8,DTBlock], "
            "iPolicyVcpuRatio = 2.5, iPolicySpindleRatio = 32.0}");
}

}  // namespace
}  // namespace herd::htools
