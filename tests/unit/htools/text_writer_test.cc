// The htools text writer: what it writes loads back into the same cluster,
// Ganeti's test inputs included.
#include "htools/text_writer.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "base/errors.h"
#include "ganeti_reference.h"
#include "htools/text_loader.h"

namespace herd::htools {
namespace {
namespace fs = std::filesystem;

void ExpectSameSpec(const ISpec& a, const ISpec& b) {
  EXPECT_EQ(a.memory_size, b.memory_size);
  EXPECT_EQ(a.cpu_count, b.cpu_count);
  EXPECT_EQ(a.disk_size, b.disk_size);
  EXPECT_EQ(a.disk_count, b.disk_count);
  EXPECT_EQ(a.nic_count, b.nic_count);
  EXPECT_EQ(a.spindle_use, b.spindle_use);
}

void ExpectSamePolicy(const IPolicy& a, const IPolicy& b) {
  ASSERT_EQ(a.minmax.size(), b.minmax.size());
  for (size_t i = 0; i < a.minmax.size(); ++i) {
    ExpectSameSpec(a.minmax[i].min, b.minmax[i].min);
    ExpectSameSpec(a.minmax[i].max, b.minmax[i].max);
  }
  ExpectSameSpec(a.std_spec, b.std_spec);
  EXPECT_EQ(a.disk_templates, b.disk_templates);
  EXPECT_EQ(a.vcpu_ratio, b.vcpu_ratio);
  EXPECT_EQ(a.spindle_ratio, b.spindle_ratio);
}

void ExpectSameData(const ClusterData& a, const ClusterData& b) {
  ASSERT_EQ(a.groups.size(), b.groups.size());
  for (size_t i = 0; i < a.groups.size(); ++i) {
    EXPECT_EQ(a.groups[i].name, b.groups[i].name);
    EXPECT_EQ(a.groups[i].uuid, b.groups[i].uuid);
    EXPECT_EQ(a.groups[i].alloc_policy, b.groups[i].alloc_policy);
    EXPECT_EQ(a.groups[i].tags, b.groups[i].tags);
    EXPECT_EQ(a.groups[i].networks, b.groups[i].networks);
    ExpectSamePolicy(a.groups[i].ipolicy, b.groups[i].ipolicy);
  }
  ASSERT_EQ(a.nodes.size(), b.nodes.size());
  for (size_t i = 0; i < a.nodes.size(); ++i) {
    const Node &x = a.nodes[i], &y = b.nodes[i];
    SCOPED_TRACE(x.name);
    EXPECT_EQ(x.name, y.name);
    EXPECT_EQ(x.total_memory, y.total_memory);
    EXPECT_EQ(x.node_memory, y.node_memory);
    EXPECT_EQ(x.free_memory, y.free_memory);
    EXPECT_EQ(x.total_disk, y.total_disk);
    EXPECT_EQ(x.free_disk, y.free_disk);
    EXPECT_EQ(x.total_cpus, y.total_cpus);
    EXPECT_EQ(x.node_cpus, y.node_cpus);
    EXPECT_EQ(x.cpu_speed, y.cpu_speed);
    EXPECT_EQ(x.spindles, y.spindles);
    EXPECT_EQ(x.free_spindles, y.free_spindles);
    EXPECT_EQ(x.offline, y.offline);
    EXPECT_EQ(x.master, y.master);
    EXPECT_EQ(x.exclusive_storage, y.exclusive_storage);
    EXPECT_EQ(x.group, y.group);
    EXPECT_EQ(x.tags, y.tags);
  }
  ASSERT_EQ(a.instances.size(), b.instances.size());
  for (size_t i = 0; i < a.instances.size(); ++i) {
    const Instance &x = a.instances[i], &y = b.instances[i];
    SCOPED_TRACE(x.name);
    EXPECT_EQ(x.name, y.name);
    EXPECT_EQ(x.memory, y.memory);
    EXPECT_EQ(x.disk, y.disk);
    EXPECT_EQ(x.vcpus, y.vcpus);
    EXPECT_EQ(x.status, y.status);
    EXPECT_EQ(x.auto_balance, y.auto_balance);
    EXPECT_EQ(x.primary, y.primary);
    EXPECT_EQ(x.secondary, y.secondary);
    EXPECT_EQ(x.disk_template, y.disk_template);
    EXPECT_EQ(x.tags, y.tags);
    EXPECT_EQ(x.spindle_use, y.spindle_use);
    EXPECT_EQ(x.spindles, y.spindles);
    EXPECT_EQ(x.forthcoming, y.forthcoming);
  }
  EXPECT_EQ(a.cluster_tags, b.cluster_tags);
  ExpectSamePolicy(a.cluster_ipolicy, b.cluster_ipolicy);
}

const std::string kText =
    "default|uuid-g1|preferred|gtag|net1,net2\n"
    "other|uuid-g2|last_resort||\n"
    "\n"
    "node1|4096|512|3584|102400|102400|4|M|uuid-g1|2|rack:a,x|N|1|1|1.0\n"
    "node2|4096|512|2048|102400|51200|8|N|uuid-g1|1||Y|0|2|2.5\n"
    "node3|2048|0|2048|51200|51200|2|Y|uuid-g2|1||N|0|1|1.0\n"
    "\n"
    "inst1|1024|10240|1|running|Y|node2|node1|drbd|web,db|1|-|N\n"
    "inst2|512|2048|2|ADMIN_down|N|node3||plain||2|3|Y\n"
    "\n"
    "cltag1\n"
    "htools:iextags:service\n"
    "\n"
    "|128,1,1024,1,1,1|128,1,1024,1,1,1;32768,8,1048576,16,8,12|drbd,plain|4.0|32.0\n"
    "default|256,1,1024,1,1,1|128,1,1024,1,1,1;32768,8,1048576,16,8,12;1,1,1,1,1,1;2,2,2,2,2,2|"
    "drbd|2.5|16.0\n"
    "other|128,1,1024,1,1,1|128,1,1024,1,1,1;32768,8,1048576,16,8,12|diskless|1.0e-2|1.0e7\n";

TEST(TextWriterTest, WritesWhatItReadAsGanetiWritesIt) {
  EXPECT_EQ(SerializeClusterData(ParseTextData(kText, "x")), kText);
}

TEST(TextWriterTest, LoadSaveLoadKeepsTheCluster) {
  const ClusterData loaded = ParseTextData(kText, "x");
  const ClusterData again = ParseTextData(SerializeClusterData(loaded), "y");
  ExpectSameData(loaded, again);
}

TEST(TextWriterTest, TheWorkingClusterWritesBackAsLoaded) {
  const ClusterData loaded = ParseTextData(kText, "x");
  const Cluster cluster = Cluster::Build(loaded);
  ExpectSameData(loaded,
                 ParseTextData(SerializeClusterData(CurrentClusterData(loaded, cluster)), "y"));
}

TEST(TextWriterTest, AGroupSubsetKeepsItsNodesAndInstances) {
  const ClusterData loaded = ParseTextData(kText, "x");
  const Cluster group = Cluster::Build(loaded).GroupSubset(1);
  const ClusterData data = CurrentClusterData(loaded, group);
  ASSERT_EQ(data.nodes.size(), 1u);
  EXPECT_EQ(data.nodes[0].name, "node3");
  ASSERT_EQ(data.instances.size(), 1u);
  EXPECT_EQ(data.instances[0].primary, 0);
  EXPECT_EQ(data.groups.size(), 2u);  // groups and policies stay whole
}

TEST(TextWriterTest, GanetiTestInputsRoundTrip) {
  const std::string dir = herd::reference::GanetiTestData("htools");
  int files = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".data") continue;
    SCOPED_TRACE(entry.path().filename().string());
    ClusterData loaded;
    try {
      loaded = LoadTextFile(entry.path());
    } catch (const GanetiError&) {
      continue;  // the malformed inputs
    }
    ++files;
    const std::string text =
        SerializeClusterData(CurrentClusterData(loaded, Cluster::Build(loaded)));
    const ClusterData again = ParseTextData(text, "saved");
    ExpectSameData(loaded, again);
    EXPECT_EQ(SerializeClusterData(again), text);
  }
  EXPECT_GT(files, 20);
}

}  // namespace
}  // namespace herd::htools
