#include "objects/params.h"

#include <gtest/gtest.h>

#include "objects/config_data.h"

namespace herd::objects {
namespace {

TEST(ParamsTest, FillDictOverridesTopLevelKeys) {
  json::object defaults{{"a", 1}, {"b", json::object{{"x", 1}}}};
  json::object custom{{"b", json::object{{"y", 2}}}, {"c", 3}};
  json::object out = FillDict(defaults, custom);
  EXPECT_EQ(out.at("a").as_int64(), 1);
  EXPECT_EQ(out.at("c").as_int64(), 3);
  EXPECT_FALSE(out.at("b").as_object().contains("x"));  // replaced, not merged
}

TEST(ParamsTest, ClusterGroupNodeInheritance) {
  ConfigData c;
  c.cluster.ndparams = {{"spindle_count", 1}, {"ssh_port", 22}, {"cpu_speed", 1.0}};
  NodeGroup g;
  g.uuid = "g";
  g.ndparams = {{"spindle_count", 4}};
  c.nodegroups["g"] = g;
  Node n;
  n.group = "g";
  n.ndparams = {{"ssh_port", 2222}};
  json::object p = FilledNodeParams(c, n);
  EXPECT_EQ(p.at("spindle_count").as_int64(), 4);
  EXPECT_EQ(p.at("ssh_port").as_int64(), 2222);
  EXPECT_EQ(p.at("cpu_speed").as_double(), 1.0);
}

TEST(ParamsTest, BackendParamsFromClusterDefault) {
  ConfigData c;
  c.cluster.beparams = {{"default", json::object{{"maxmem", 128}, {"vcpus", 1}}}};
  Instance i;
  i.beparams = {{"vcpus", 4}};
  json::object be = FilledBeParams(c, i);
  EXPECT_EQ(be.at("maxmem").as_int64(), 128);
  EXPECT_EQ(be.at("vcpus").as_int64(), 4);
}

TEST(ParamsTest, GroupIPolicyOverridesCluster) {
  ConfigData c;
  c.cluster.ipolicy = {{"vcpu-ratio", 4.0}, {"spindle-ratio", 32.0}};
  NodeGroup g;
  g.ipolicy = {{"vcpu-ratio", 2.0}};
  json::object p = FilledIPolicy(c, g);
  EXPECT_EQ(p.at("vcpu-ratio").as_double(), 2.0);
  EXPECT_EQ(p.at("spindle-ratio").as_double(), 32.0);
}

}  // namespace
}  // namespace herd::objects
