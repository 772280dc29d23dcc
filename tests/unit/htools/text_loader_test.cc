// The htools text backend: Ganeti's own test inputs load as Debian's hinfo
// loads them, and each malformed line is reported with file, line and field.
#include "htools/text_loader.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <regex>

#include "base/errors.h"
#include "base/files.h"
#include "base/process.h"
#include "ganeti_reference.h"

namespace herd::htools {
namespace {
namespace fs = std::filesystem;

std::string ErrorOf(const std::string& text) {
  try {
    ParseTextData(text, "test.data");
  } catch (const GanetiError& e) {
    return e.what();
  }
  return "no error";
}

const std::string kGroup = "default|uuid-g1|preferred||\n";
const std::string kNodes =
    "node1|4096|512|3584|102400|102400|4|M|uuid-g1|1|rack:a|N|0|1|1.0\n"
    "node2|4096|512|2048|102400|51200|4|N|uuid-g1\n";
const std::string kInstances = "inst1|1024|10240|1|running|Y|node2|node1|drbd|web|1|-|N\n";

TEST(TextLoaderTest, LoadsEverySection) {
  auto data = ParseTextData(kGroup + "\n" + kNodes + "\n" + kInstances + "\ncltag\n\n" +
                                "|128,1,1024,1,1,1|128,1,1024,1,1,1;32768,8,1048576,16,8,12|"
                                "drbd,plain|4.0|32\n",
                            "x");
  ASSERT_EQ(data.groups.size(), 1u);
  ASSERT_EQ(data.nodes.size(), 2u);
  EXPECT_TRUE(data.nodes[0].master);
  EXPECT_EQ(data.nodes[0].tags, std::vector<std::string>{"rack:a"});
  EXPECT_DOUBLE_EQ(data.nodes[1].free_disk, 51200);
  ASSERT_EQ(data.instances.size(), 1u);
  EXPECT_EQ(data.instances[0].primary, 1);
  EXPECT_EQ(data.instances[0].secondary, 0);
  EXPECT_FALSE(data.instances[0].spindles.has_value());
  EXPECT_EQ(data.cluster_tags, std::vector<std::string>{"cltag"});
  EXPECT_EQ(data.cluster_ipolicy.disk_templates, (std::vector<std::string>{"drbd", "plain"}));
}

TEST(TextLoaderTest, UnknownResourcesMakeAnOfflineNode) {
  auto data = ParseTextData(kGroup + "\nnode1|?|?|?|?|?|?|N|uuid-g1\n\n\n", "x");
  EXPECT_TRUE(data.nodes[0].offline);
}

TEST(TextLoaderTest, MalformedLinesNameFileLineAndField) {
  EXPECT_NE(ErrorOf("g|u|preferred|\n\nnode\n").find("test.data: invalid format: 2 sections"),
            std::string::npos);
  EXPECT_NE(ErrorOf(kGroup + "\nnode1|4096|x|3584|1|1|4|N|uuid-g1\n\n\n")
                .find("test.data:3: node, field 'mem_node': 'x' is not a number"),
            std::string::npos);
  EXPECT_NE(ErrorOf(kGroup + "\nnode1|4096|512|3584|1|1|4|N|nogroup\n\n\n")
                .find("test.data:3: node, field 'group': unknown group 'nogroup'"),
            std::string::npos);
  EXPECT_NE(ErrorOf(kGroup + "\nnode1|4096|512\n\n\n").find("has 3 fields, needs at least 9"),
            std::string::npos);
  EXPECT_NE(ErrorOf(kGroup + "\n" + kNodes + "\ni1|1024|1|1|sleeping|Y|node1||plain|\n\n")
                .find("test.data:6: instance, field 'status': 'sleeping' is not one of"),
            std::string::npos);
  EXPECT_NE(ErrorOf(kGroup + "\n" + kNodes + "\ni1|1024|1|1|running|Y|node9||plain|\n\n")
                .find("field 'pnode': unknown node 'node9'"),
            std::string::npos);
  EXPECT_NE(ErrorOf(kGroup + "\n" + kNodes + "\ni1|1024|1|1|running|maybe|node1||plain|\n\n")
                .find("field 'auto_balance': 'maybe' is neither Y nor N"),
            std::string::npos);
  EXPECT_NE(ErrorOf(kGroup + "\n" + kNodes + "\ni1|1024|1|1|running|Y|node1|node1|drbd|\n\n")
                .find("same primary and secondary node"),
            std::string::npos);
  EXPECT_NE(ErrorOf(kGroup + "\n" + kNodes + "\n\n\n|1,1|x|drbd|4|32\n")
                .find("test.data:8: ipolicy, field 'std_spec'"),
            std::string::npos);
  EXPECT_NE(ErrorOf("g|u|sometimes||\n\n\n\n").find("field 'alloc_policy'"), std::string::npos);
}

// Ganeti's own test inputs: Herd loads what Debian's hinfo loads (the same
// node, instance and group counts) and refuses what it refuses.
TEST(TextLoaderTest, GanetiTestInputsLoadAsHinfoLoadsThem) {
  const std::string dir = herd::reference::GanetiTestData("htools");
  const std::string hinfo = herd::reference::DebianHtool("hinfo");
  const std::regex loaded(R"(Loaded (\d+) nodes?, (\d+) instances?, (\d+) node groups?)");
  int compared = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".data") continue;
    const std::string file = entry.path().string();
    auto real = RunCommand({hinfo, "-t", file}, {}, "", 60);
    std::smatch m;
    const bool real_loaded = std::regex_search(real.output, m, loaded);
    try {
      auto data = LoadTextFile(file);
      if (!real_loaded) {
        ADD_FAILURE() << file << ": hinfo refused it but Herd loaded it: " << real.output;
        continue;
      }
      EXPECT_EQ(std::to_string(data.nodes.size()), m[1].str()) << file;
      EXPECT_EQ(std::to_string(data.instances.size()), m[2].str()) << file;
      EXPECT_EQ(std::to_string(data.groups.size()), m[3].str()) << file;
    } catch (const GanetiError& e) {
      EXPECT_FALSE(real_loaded) << file << ": Herd refused it (" << e.what()
                                << ") but hinfo loaded it";
    }
    ++compared;
  }
  EXPECT_GT(compared, 20);
}

}  // namespace
}  // namespace herd::htools
