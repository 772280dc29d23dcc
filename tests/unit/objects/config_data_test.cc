#include "objects/config_data.h"

#include <gtest/gtest.h>

#include "base/errors.h"
#include "base/files.h"
#include "base/json.h"
#include "ganeti_reference.h"
#include "json_diff.h"

namespace herd::objects {
namespace {

using testing::JsonDiff;

const char kNode1[] = "2ae3d962-2dad-44f2-bdb1-85f77107f907";

// One of Ganeti's sample configs (ganeti-testsuite).
json::value LoadSample(const std::string& name) {
  const std::string file = herd::reference::GanetiTestData(name);
  return ParseJson(ReadFile(file), file);
}

class SampleConfig : public ::testing::TestWithParam<std::string> {};

TEST_P(SampleConfig, WritingBackGivesAnEquivalentDocument) {
  json::value original = LoadSample(GetParam());
  ConfigData config = ConfigDataFromJson(original);
  json::value written = ToJson(config);
  EXPECT_EQ(JsonDiff(original, written), "");
  // And once more through text, as it goes to disk.
  json::value reread = ParseJson(SerializeJsonPretty(written), "written");
  EXPECT_EQ(JsonDiff(original, ToJson(ConfigDataFromJson(reread))), "");
}

TEST_P(SampleConfig, TypedFieldsAreRead) {
  json::value original = LoadSample(GetParam());
  ConfigData config = ConfigDataFromJson(original);
  EXPECT_EQ(config.nodes.size(), 3u);
  EXPECT_EQ(config.nodegroups.size(), 2u);
  EXPECT_EQ(config.instances.size(), 3u);
  EXPECT_EQ(config.disks.size(), 3u);
  ASSERT_EQ(config.networks.size(), 1u);
  EXPECT_EQ(config.cluster.cluster_name, "cluster.name.example.com");
  EXPECT_EQ(config.cluster.highest_used_port, 32105);
  EXPECT_EQ(config.cluster.tcpudp_port_pool.size(), 5u);
  EXPECT_EQ(config.cluster.volume_group_name, "xenvg");

  const Node& master = config.nodes.at(config.cluster.master_node);
  EXPECT_EQ(config.FindNodeByName(master.name), &master);
  const Node& node2 = config.nodes.at(kNode1);
  EXPECT_EQ(node2.name, "node2.example.com");
  EXPECT_EQ(node2.primary_ip, "192.0.2.83");
  EXPECT_EQ(node2.secondary_ip, "198.51.100.83");
  EXPECT_TRUE(node2.master_candidate);
  EXPECT_EQ(node2.serial_no, 6);
  EXPECT_NE(config.nodegroups.count(node2.group), 0u);

  const Instance* inst3 = config.FindInstanceByName("instance3.example.com");
  ASSERT_NE(inst3, nullptr);
  EXPECT_EQ(inst3->primary_node, kNode1);
  EXPECT_EQ(inst3->admin_state, "up");
  EXPECT_EQ(inst3->hypervisor, "xen-pvm");
  EXPECT_TRUE(inst3->disks_active);
  ASSERT_EQ(inst3->nics.size(), 1u);
  EXPECT_EQ(inst3->nics[0].mac, "aa:bb:cc:5e:5c:75");
  EXPECT_EQ(inst3->disk_template, "plain");  // derived from its disk
  const Disk& disk = config.disks.at(inst3->disks.at(0));
  EXPECT_EQ(disk.size, 1280);
  EXPECT_EQ(disk.iv_name, "disk/0");
  EXPECT_EQ(disk.nodes, std::vector<std::string>{kNode1});
  EXPECT_EQ(config.FindInstanceByName("instance1.example.com")->disk_template, "drbd");

  const Network* net = config.FindNetworkByName("a network");
  ASSERT_NE(net, nullptr);
  EXPECT_EQ(net->network, "203.0.113.0/24");
  EXPECT_EQ(net->reservations.size(), 256u);
  EXPECT_EQ(config.FindGroupByName("default")->alloc_policy, "preferred");
  EXPECT_EQ(config.FindNodeByName("no-such-node"), nullptr);
}

INSTANTIATE_TEST_SUITE_P(Ganeti, SampleConfig,
                         ::testing::Values("cluster_config_2.16.json", "cluster_config_2.15.json"));

TEST(ConfigDataTest, ChangesAreWritten) {
  json::value original = LoadSample("cluster_config_2.16.json");
  ConfigData config = ConfigDataFromJson(original);
  Node* node = config.FindNodeByName("node2.example.com");
  node->offline = true;
  node->ndparams["ssh_port"] = 2222;
  Instance& inst = *config.FindInstanceByName("instance3.example.com");
  inst.network_port = 11005;  // an optional field the document lacked
  inst.nics[0].ip = "203.0.113.7";
  config.cluster.tcpudp_port_pool.push_back(11000);

  ConfigData back = ConfigDataFromJson(ParseJson(SerializeJson(ToJson(config)), "w"));
  EXPECT_TRUE(back.nodes.at(kNode1).offline);
  EXPECT_EQ(back.nodes.at(kNode1).ndparams.at("ssh_port").as_int64(), 2222);
  EXPECT_EQ(back.FindInstanceByName("instance3.example.com")->network_port, 11005);
  EXPECT_EQ(back.FindInstanceByName("instance3.example.com")->nics[0].ip, "203.0.113.7");
  EXPECT_EQ(back.cluster.tcpudp_port_pool.back(), 11000);
}

TEST(ConfigDataTest, UnknownFieldsSurviveAtEveryLevel) {
  json::value original = LoadSample("cluster_config_2.16.json");
  json::value doc = original;
  auto& root = doc.as_object();
  root["future_top"] = json::array{1, 2.5};
  root["cluster"].as_object()["future_cluster"] = "x";
  root["nodes"].as_object()[kNode1].as_object()["future_node"] = json::object{{"a", 1}};
  for (const char* kind : {"nodegroups", "instances", "disks", "networks"}) {
    for (auto& kv : root[kind].as_object()) kv.value().as_object()["future"] = true;
  }
  for (auto& kv : root["instances"].as_object()) {
    for (auto& nic : kv.value().as_object()["nics"].as_array()) nic.as_object()["future"] = 1;
  }
  ConfigData config = ConfigDataFromJson(doc);
  EXPECT_TRUE(config.nodes.at(kNode1).extra.contains("future_node"));
  EXPECT_FALSE(config.nodes.at(kNode1).extra.contains("name"));  // modelled fields leave
  EXPECT_EQ(JsonDiff(doc, ToJson(config)), "");
}

void ExpectConfigurationError(const std::string& text, const std::string& needle) {
  try {
    ConfigDataFromJson(ParseJson(text, "test"));
    ADD_FAILURE() << "accepted " << text;
  } catch (const GanetiError& e) {
    EXPECT_EQ(e.error_class(), "ConfigurationError");
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos)
        << "'" << e.what() << "' does not name " << needle;
  }
}

TEST(ConfigDataTest, MalformedConfigNamesObjectAndField) {
  const std::string cluster = R"("cluster": {"cluster_name": "c", "master_node": "m"})";
  ExpectConfigurationError("[]", "configuration");
  ExpectConfigurationError(R"({"version": 3000000, "nodes": {}})", "field 'cluster'");
  ExpectConfigurationError("{" + cluster + "}", "field 'version'");
  ExpectConfigurationError(R"({"version": "3", )" + cluster + "}", "field 'version'");
  ExpectConfigurationError(R"({"version": 1, "cluster": {"master_node": "x"}})",
                           "cluster: field 'cluster_name' is missing");
  ExpectConfigurationError(R"({"version": 1, "cluster": {"cluster_name": "c",
      "master_node": "m", "candidate_pool_size": "ten"}})",
                           "field 'candidate_pool_size' must be an integer");
  const std::string head = R"({"version": 1, )" + cluster + ", ";
  ExpectConfigurationError(head + R"("nodes": {"u": {"name": "n1", "uuid": "u",
      "offline": "yes"}}})",
                           "node n1: field 'offline' must be a boolean");
  ExpectConfigurationError(head + R"("nodes": {"u": {"uuid": "u"}}})",
                           "node u: field 'name' is missing");
  ExpectConfigurationError(head + R"("nodes": []})", "field 'nodes' must be an object");
  ExpectConfigurationError(head + R"("instances": {"u": {"name": "i1", "uuid": "u",
      "disks": [{"size": 1}]}}})",
                           "instance i1: field 'disks' holds disk objects");
  ExpectConfigurationError(head + R"("instances": {"u": {"name": "i1", "uuid": "u",
      "disks": [5]}}})",
                           "instance i1: field 'disks' must be a list of strings");
  ExpectConfigurationError(head + R"("instances": {"u": {"name": "i1", "uuid": "u",
      "nics": [{"mac": 5}]}}})",
                           "instance i1 nic/0: field 'mac' must be a string");
  ExpectConfigurationError(head + R"("nodes": {"u": {"name": "n1", "uuid": "v"}}})",
                           "'nodes' stores v under the key u");
  ExpectConfigurationError(head + R"("disks": {"d": {"uuid": "d", "size": 1}}})",
                           "disk d: field 'dev_type' is missing");
  ExpectConfigurationError(head + R"("nodegroups": {"g": {"name": "default", "uuid": "g",
      "ipolicy": []}}})",
                           "node group default: field 'ipolicy' must be an object");
  ExpectConfigurationError(head + R"("networks": {"n": {"name": "net", "uuid": "n"}}})",
                           "network net: field 'network' is missing");
}

}  // namespace
}  // namespace herd::objects
