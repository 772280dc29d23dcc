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
  EXPECT_EQ(defaults.at("b").as_object().size(), 1u);   // inputs untouched
  EXPECT_FALSE(FillDict(defaults, custom, {"a", "zz"}).contains("a"));
}

TEST(ParamsTest, NodeParamsFromClusterGroupNode) {
  ConfigData c;
  c.cluster.ndparams = {{"spindle_count", 1}, {"ssh_port", 22}, {"cpu_speed", 1.0}};
  NodeGroup g;
  g.uuid = "g";
  g.ndparams = {{"spindle_count", 4}, {"ssh_port", 23}};
  c.nodegroups["g"] = g;
  Node n;
  n.group = "g";
  n.ndparams = {{"ssh_port", 2222}};
  json::object p = FilledNodeParams(c, n);
  EXPECT_EQ(p.at("spindle_count").as_int64(), 4);
  EXPECT_EQ(p.at("ssh_port").as_int64(), 2222);
  EXPECT_EQ(p.at("cpu_speed").as_double(), 1.0);
  EXPECT_EQ(FilledGroupNodeParams(c, g).at("ssh_port").as_int64(), 23);
  n.group = "unknown";  // a dangling group falls back to the cluster
  EXPECT_EQ(FilledNodeParams(c, n).at("spindle_count").as_int64(), 1);
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

TEST(ParamsTest, HypervisorParamsFromClusterOsAndInstance) {
  ConfigData c;
  c.cluster.hvparams = {
      {"kvm", json::object{{"kernel_path", "/k"}, {"acpi", true}, {"migration_port", 8102}}}};
  c.cluster.os_hvp = {{"debian", json::object{{"kvm", json::object{{"acpi", false}}}}}};
  Instance i;
  i.hypervisor = "kvm";
  i.os = "debian";
  i.hvparams = {{"kernel_path", "/mine"}};
  json::object hv = FilledHvParams(c, i);
  EXPECT_EQ(hv.at("kernel_path").as_string(), "/mine");
  EXPECT_FALSE(hv.at("acpi").as_bool());  // the OS overrides the cluster
  EXPECT_EQ(hv.at("migration_port").as_int64(), 8102);
  EXPECT_FALSE(FilledHvParams(c, i, /*skip_globals=*/true).contains("migration_port"));
  i.os = "other";
  EXPECT_TRUE(FilledHvParams(c, i).at("acpi").as_bool());
}

TEST(ParamsTest, NicAndOsParams) {
  ConfigData c;
  c.cluster.nicparams = {{"default", json::object{{"mode", "bridged"}, {"link", "br0"}}}};
  Nic nic;
  nic.nicparams = {{"link", "br1"}};
  EXPECT_EQ(FilledNicParams(c, nic).at("link").as_string(), "br1");
  EXPECT_EQ(FilledNicParams(c, nic).at("mode").as_string(), "bridged");

  c.cluster.osparams = {{"debian", json::object{{"dist", "bookworm"}, {"arch", "amd64"}}},
                        {"debian+i386", json::object{{"arch", "i386"}}}};
  Instance i;
  i.os = "debian+i386";
  i.osparams = {{"dist", "trixie"}};
  json::object os = FilledOsParams(c, i);
  EXPECT_EQ(os.at("arch").as_string(), "i386");  // the variant over the OS
  EXPECT_EQ(os.at("dist").as_string(), "trixie");
}

TEST(ParamsTest, GroupIPolicyMergesStdSpecs) {
  ConfigData c;
  c.cluster.ipolicy = {{"vcpu-ratio", 4.0},
                       {"spindle-ratio", 32.0},
                       {"std", json::object{{"cpu-count", 1}, {"memory-size", 128}}},
                       {"minmax", json::array{json::object{{"min", 1}}}}};
  NodeGroup g;
  g.ipolicy = {
      {"vcpu-ratio", 2.0}, {"std", json::object{{"memory-size", 512}}}, {"minmax", json::array{}}};
  json::object p = FilledIPolicy(c, g);
  EXPECT_EQ(p.at("vcpu-ratio").as_double(), 2.0);
  EXPECT_EQ(p.at("spindle-ratio").as_double(), 32.0);
  EXPECT_EQ(p.at("std").as_object().at("memory-size").as_int64(), 512);
  EXPECT_EQ(p.at("std").as_object().at("cpu-count").as_int64(), 1);  // merged
  EXPECT_TRUE(p.at("minmax").as_array().empty());                    // replaced
}

TEST(ParamsTest, DiskParamsPerTemplate) {
  ConfigData c;
  c.cluster.diskparams = {{"plain", json::object{{"stripes", 1}}},
                          {"drbd", json::object{{"protocol", "C"}, {"resync-rate", 61440}}}};
  NodeGroup g;
  g.diskparams = {{"drbd", json::object{{"resync-rate", 1024}}}};
  json::object p = FilledDiskParams(c, g);
  EXPECT_EQ(p.at("drbd").as_object().at("resync-rate").as_int64(), 1024);
  EXPECT_EQ(p.at("drbd").as_object().at("protocol").as_string(), "C");
  EXPECT_EQ(p.at("plain").as_object().at("stripes").as_int64(), 1);
  EXPECT_TRUE(p.at("file").as_object().empty());  // every template is present
  EXPECT_EQ(p.size(), 9u);
}

}  // namespace
}  // namespace herd::objects
