#include "objects/config_data.h"

#include <gtest/gtest.h>

#include "base/errors.h"
#include "base/files.h"
#include "base/json.h"

namespace herd::objects {
namespace {

std::string DataFile(const std::string& name) {
  return std::string(HERD_SHARED_DATA) + "/config/" + name;
}

class ConfigRoundTrip : public ::testing::TestWithParam<std::string> {};

TEST_P(ConfigRoundTrip, WritingBackGivesAnEquivalentDocument) {
  const std::string file = DataFile(GetParam());
  if (!FileExists(file)) GTEST_SKIP() << "test data not found: " << file;
  json::value original = ParseJson(ReadFile(file), file);
  ConfigData config = ConfigDataFromJson(original);
  EXPECT_FALSE(config.nodes.empty());
  EXPECT_FALSE(config.instances.empty());
  json::value written = ToJson(config);
  // Compared as JSON documents: same keys, same values, same number kinds.
  EXPECT_EQ(SerializeJson(ParseJson(SerializeJson(written), "w")), SerializeJson(written));
  auto strip = [](json::value v) {
    auto& o = v.as_object();
    if (o.contains("filters") && o.at("filters").as_object().empty()) o.erase("filters");
    return v;
  };
  EXPECT_TRUE(strip(written) == strip(original)) << "round trip changed " << GetParam();
}

INSTANTIATE_TEST_SUITE_P(GanetiTestData, ConfigRoundTrip,
                         ::testing::Values("cluster_config_2.16.json", "cluster_config_2.15.json"));

TEST(ConfigDataTest, TypedFieldsAreRead) {
  const std::string file = DataFile("cluster_config_2.16.json");
  if (!FileExists(file)) GTEST_SKIP() << "test data not found: " << file;
  ConfigData config = ConfigDataFromJson(ParseJson(ReadFile(file), file));
  const Node& master = config.nodes.at(config.cluster.master_node);
  EXPECT_FALSE(master.name.empty());
  EXPECT_NE(config.FindNodeByName(master.name), nullptr);
  for (const auto& [uuid, inst] : config.instances) {
    EXPECT_FALSE(inst.disk_template.empty()) << inst.name;
    EXPECT_NE(config.nodes.count(inst.primary_node), 0u) << inst.name;
  }
}

TEST(ConfigDataTest, MalformedConfigNamesTheField) {
  auto expect_error = [](const char* text, const char* needle) {
    try {
      ConfigDataFromJson(ParseJson(text, "t"));
      FAIL() << "accepted " << text;
    } catch (const GanetiError& e) {
      EXPECT_EQ(e.error_class(), "ConfigurationError");
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expect_error(R"({"nodes": {}})", "cluster");
  expect_error(R"({"cluster": {"master_node": "x"}})", "cluster_name");
  expect_error(R"({"cluster": {"cluster_name": "c", "master_node": "m"},
                   "nodes": {"u": {"name": "n1", "uuid": "u", "offline": "yes"}}})",
               "offline");
  expect_error(R"({"cluster": {"cluster_name": "c", "master_node": "m"},
                   "nodes": {"u": {"name": "n1", "uuid": "u", "serial_no": "x"}}})",
               "node n1");
}

TEST(ConfigDataTest, NewClusterRoundTrips) {
  NewClusterOptions o;
  o.cluster_name = "cluster";
  o.cluster_uuid = "c-uuid";
  o.group_uuid = "g-uuid";
  o.master_node_name = "node1";
  o.master_node_uuid = "n-uuid";
  o.master_node_ip = "127.1.0.2";
  o.master_ip = "127.1.0.1";
  o.beparams = {{"memory", "512"}, {"vcpus", "2"}};
  ConfigData c = NewClusterConfig(o);
  json::value j = ToJson(c);
  ConfigData back = ConfigDataFromJson(j);
  EXPECT_TRUE(ToJson(back) == j);
  EXPECT_EQ(back.cluster.cluster_name, "cluster");
  EXPECT_TRUE(back.nodes.at("n-uuid").master_candidate);
  EXPECT_EQ(back.nodegroups.at("g-uuid").name, "default");
  EXPECT_EQ(back.cluster.beparams.at("default").as_object().at("maxmem").as_int64(), 512);
  EXPECT_TRUE(j.as_object().at("cluster").as_object().contains("drbd_usermode_helper"));
}

}  // namespace
}  // namespace herd::objects
