// Field-by-field comparison of two loaded clusters, for tests that check a
// Herd loader against what Ganeti's own htools load from the same source.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "htools/cluster_model.h"

namespace herd::htools {

inline void ExpectSameSpec(const ISpec& a, const ISpec& b, const std::string& what) {
  EXPECT_EQ(a.memory_size, b.memory_size) << what;
  EXPECT_EQ(a.cpu_count, b.cpu_count) << what;
  EXPECT_EQ(a.disk_size, b.disk_size) << what;
  EXPECT_EQ(a.disk_count, b.disk_count) << what;
  EXPECT_EQ(a.nic_count, b.nic_count) << what;
  EXPECT_EQ(a.spindle_use, b.spindle_use) << what;
}

inline void ExpectSamePolicy(const IPolicy& a, const IPolicy& b, const std::string& what) {
  ASSERT_EQ(a.minmax.size(), b.minmax.size()) << what;
  for (size_t i = 0; i < a.minmax.size(); ++i) {
    ExpectSameSpec(a.minmax[i].min, b.minmax[i].min, what + " min");
    ExpectSameSpec(a.minmax[i].max, b.minmax[i].max, what + " max");
  }
  ExpectSameSpec(a.std_spec, b.std_spec, what + " std");
  EXPECT_EQ(a.disk_templates, b.disk_templates) << what;
  EXPECT_DOUBLE_EQ(a.vcpu_ratio, b.vcpu_ratio) << what;
  EXPECT_DOUBLE_EQ(a.spindle_ratio, b.spindle_ratio) << what;
}

// `text` came through Ganeti's text format, which rounds node resources to
// integers and shows an offline master as offline only.
inline void ExpectSameCluster(const ClusterData& herd, const ClusterData& text,
                              const std::string& what) {
  ASSERT_EQ(herd.groups.size(), text.groups.size()) << what;
  for (size_t i = 0; i < herd.groups.size(); ++i) {
    const auto &a = herd.groups[i], &b = text.groups[i];
    const std::string w = what + ": group " + a.name;
    EXPECT_EQ(a.name, b.name) << w;
    EXPECT_EQ(a.uuid, b.uuid) << w;
    EXPECT_EQ(a.alloc_policy, b.alloc_policy) << w;
    EXPECT_EQ(a.tags, b.tags) << w;
    EXPECT_EQ(a.networks, b.networks) << w;
    ExpectSamePolicy(a.ipolicy, b.ipolicy, w + " ipolicy");
  }
  ASSERT_EQ(herd.nodes.size(), text.nodes.size()) << what;
  for (size_t i = 0; i < herd.nodes.size(); ++i) {
    const auto &a = herd.nodes[i], &b = text.nodes[i];
    const std::string w = what + ": node " + a.name;
    EXPECT_EQ(a.name, b.name) << w;
    EXPECT_DOUBLE_EQ(a.total_memory, b.total_memory) << w;
    EXPECT_DOUBLE_EQ(a.node_memory, b.node_memory) << w;
    EXPECT_DOUBLE_EQ(a.free_memory, b.free_memory) << w;
    EXPECT_DOUBLE_EQ(a.total_disk, b.total_disk) << w;
    EXPECT_DOUBLE_EQ(a.free_disk, b.free_disk) << w;
    EXPECT_DOUBLE_EQ(a.total_cpus, b.total_cpus) << w;
    EXPECT_DOUBLE_EQ(a.node_cpus, b.node_cpus) << w;
    EXPECT_DOUBLE_EQ(a.cpu_speed, b.cpu_speed) << w;
    EXPECT_EQ(a.spindles, b.spindles) << w;
    EXPECT_EQ(a.free_spindles, b.free_spindles) << w;
    EXPECT_EQ(a.offline, b.offline) << w;
    if (!a.offline) {
      EXPECT_EQ(a.master, b.master) << w;
    }
    EXPECT_EQ(a.exclusive_storage, b.exclusive_storage) << w;
    EXPECT_EQ(a.group, b.group) << w;
    EXPECT_EQ(a.tags, b.tags) << w;
  }
  ASSERT_EQ(herd.instances.size(), text.instances.size()) << what;
  for (size_t i = 0; i < herd.instances.size(); ++i) {
    const auto &a = herd.instances[i], &b = text.instances[i];
    const std::string w = what + ": instance " + a.name;
    EXPECT_EQ(a.name, b.name) << w;
    EXPECT_EQ(a.memory, b.memory) << w;
    EXPECT_EQ(a.disk, b.disk) << w;
    EXPECT_EQ(a.vcpus, b.vcpus) << w;
    EXPECT_EQ(a.status, b.status) << w;
    EXPECT_EQ(a.auto_balance, b.auto_balance) << w;
    EXPECT_EQ(a.forthcoming, b.forthcoming) << w;
    EXPECT_EQ(a.primary, b.primary) << w;
    EXPECT_EQ(a.secondary, b.secondary) << w;
    EXPECT_EQ(a.disk_template, b.disk_template) << w;
    EXPECT_EQ(a.tags, b.tags) << w;
    EXPECT_EQ(a.spindle_use, b.spindle_use) << w;
    EXPECT_EQ(a.spindles, b.spindles) << w;
  }
  EXPECT_EQ(herd.cluster_tags, text.cluster_tags) << what;
  ExpectSamePolicy(herd.cluster_ipolicy, text.cluster_ipolicy, what + ": cluster ipolicy");
}

}  // namespace herd::htools
