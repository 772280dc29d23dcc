#include "objects/new_cluster.h"

#include <gtest/gtest.h>

#include "json_diff.h"
#include "objects/config_data.h"

namespace herd::objects {
namespace {

using testing::JsonDiff;

NewClusterOptions Options() {
  NewClusterOptions o;
  o.cluster_name = "cluster";
  o.cluster_uuid = "c-uuid";
  o.group_uuid = "g-uuid";
  o.master_node_name = "node1";
  o.master_node_uuid = "n-uuid";
  o.master_node_ip = "127.1.0.2";
  o.master_ip = "127.1.0.1";
  return o;
}

TEST(NewClusterTest, RoundTrips) {
  NewClusterOptions o = Options();
  o.beparams = {{"memory", "512"}, {"vcpus", "2"}};
  ConfigData c = NewClusterConfig(o);
  json::value j = ToJson(c);
  EXPECT_EQ(JsonDiff(j, ToJson(ConfigDataFromJson(j))), "");
  json::value through_text = ParseJson(SerializeJsonPretty(j), "text");
  EXPECT_EQ(JsonDiff(j, ToJson(ConfigDataFromJson(through_text))), "");
}

TEST(NewClusterTest, HasGanetiDefaults) {
  const ConfigData c = NewClusterConfig(Options());
  EXPECT_EQ(c.version, 3000000);
  const Cluster& cl = c.cluster;
  EXPECT_EQ(cl.master_node, "n-uuid");
  EXPECT_EQ(cl.highest_used_port, 10999);
  EXPECT_EQ(cl.candidate_pool_size, 10);
  EXPECT_EQ(cl.mac_prefix, "aa:00:00");

  const json::object& be = cl.beparams.at("default").as_object();
  EXPECT_EQ(be.at("maxmem").as_int64(), 128);
  EXPECT_EQ(be.at("minmem").as_int64(), 128);
  EXPECT_EQ(be.at("vcpus").as_int64(), 1);
  EXPECT_TRUE(be.at("auto_balance").as_bool());
  EXPECT_EQ(be.at("spindle_use").as_int64(), 1);
  EXPECT_EQ(cl.hvparams.at("fake").as_object().at("migration_mode").as_string(), "live");
  EXPECT_EQ(cl.hvparams.size(), 6u);  // every hypervisor, enabled or not, as Ganeti does
  EXPECT_EQ(cl.hvparams.at("kvm").as_object().at("migration_port").as_int64(), 8102);
  EXPECT_EQ(cl.nicparams.at("default").as_object().at("mode").as_string(), "bridged");
  EXPECT_TRUE(cl.ndparams.at("cpu_speed").is_double());  // a float in Ganeti
  EXPECT_TRUE(cl.ndparams.at("spindle_count").is_int64());
  EXPECT_EQ(cl.ndparams.at("ssh_port").as_int64(), 22);
  EXPECT_EQ(cl.diskparams.at("drbd").as_object().at("resync-rate").as_int64(), 61440);
  EXPECT_EQ(cl.diskparams.size(), 9u);

  EXPECT_TRUE(cl.ipolicy.at("vcpu-ratio").is_double());
  EXPECT_EQ(cl.ipolicy.at("vcpu-ratio").as_double(), 4.0);
  EXPECT_EQ(cl.ipolicy.at("spindle-ratio").as_double(), 32.0);
  // Only enabled templates are allowed, in Ganeti's order.
  EXPECT_EQ(SerializeJson(cl.ipolicy.at("disk-templates")), R"(["diskless","file","sharedfile"])");
  const json::object& max = cl.ipolicy.at("minmax").as_array()[0].as_object().at("max").as_object();
  EXPECT_EQ(max.at("memory-size").as_int64(), 32768);
  EXPECT_EQ(max.at("disk-size").as_int64(), 1048576);
  EXPECT_EQ(cl.ipolicy.at("std").as_object().at("disk-size").as_int64(), 1024);
  EXPECT_TRUE(cl.hv_state_static.contains("fake"));
  EXPECT_EQ(cl.data_collectors.size(), 6u);

  ASSERT_EQ(c.nodegroups.size(), 1u);
  const NodeGroup& g = c.nodegroups.at("g-uuid");
  EXPECT_EQ(g.name, "default");
  EXPECT_EQ(g.alloc_policy, "preferred");
  ASSERT_EQ(c.nodes.size(), 1u);
  const Node& n = c.nodes.at("n-uuid");
  EXPECT_EQ(n.name, "node1");
  EXPECT_EQ(n.group, "g-uuid");
  EXPECT_TRUE(n.master_candidate);
  EXPECT_EQ(n.secondary_ip, "127.1.0.2");
  EXPECT_TRUE(ToJson(c).as_object().contains("filters"));
}

TEST(NewClusterTest, OptionsOverrideDefaults) {
  NewClusterOptions o = Options();
  o.beparams = {{"memory", "512"}, {"auto_balance", "false"}};
  o.nicparams = {{"link", "br0"}};
  o.ndparams = {{"spindle_count", "2"}};
  o.hvparams_fake = {{"migration_mode", "non-live"}};
  o.enabled_disk_templates = {"plain", "drbd"};
  o.volume_group_name = "vg0";
  const ConfigData c = NewClusterConfig(o);
  const json::object& be = c.cluster.beparams.at("default").as_object();
  EXPECT_EQ(be.at("maxmem").as_int64(), 512);
  EXPECT_EQ(be.at("minmem").as_int64(), 512);
  EXPECT_FALSE(be.at("auto_balance").as_bool());
  EXPECT_EQ(c.cluster.nicparams.at("default").as_object().at("link").as_string(), "br0");
  EXPECT_EQ(c.cluster.ndparams.at("spindle_count").as_int64(), 2);
  EXPECT_EQ(c.cluster.hvparams.at("fake").as_object().at("migration_mode").as_string(), "non-live");
  EXPECT_EQ(SerializeJson(c.cluster.ipolicy.at("disk-templates")), R"(["drbd","plain"])");
  EXPECT_EQ(c.cluster.diskparams.at("drbd").as_object().at("metavg").as_string(), "vg0");
  EXPECT_EQ(c.cluster.volume_group_name, "vg0");
}

}  // namespace
}  // namespace herd::objects
