// The cluster as htools see it: groups, nodes, instances, tags and instance
// policies, in the units of Ganeti's htools (MiB, CPU counts).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace herd::htools {

struct ISpec {
  int64_t memory_size = 0, cpu_count = 0, disk_size = 0, disk_count = 0, nic_count = 0,
          spindle_use = 0;
};

struct MinMaxISpecs {
  ISpec min, max;
};

struct IPolicy {
  std::vector<MinMaxISpecs> minmax;
  ISpec std_spec;
  std::vector<std::string> disk_templates;
  double vcpu_ratio = 4.0, spindle_ratio = 32.0;
};

// Ganeti's defaults (IPOLICY_DEFAULTS).
IPolicy DefaultIPolicy();

struct Group {
  std::string name, uuid;
  std::string alloc_policy = "preferred";  // "preferred", "last_resort", "unallocable"
  std::vector<std::string> tags, networks;
  IPolicy ipolicy = DefaultIPolicy();
};

struct Node {
  std::string name;
  double total_memory = 0, node_memory = 0, free_memory = 0;  // MiB
  double total_disk = 0, free_disk = 0;                       // MiB
  double total_cpus = 0, node_cpus = 1;                       // physical CPUs, reserved ones
  double cpu_speed = 1.0;
  int64_t spindles = 1, free_spindles = 0;
  bool offline = false, master = false, exclusive_storage = false;
  int group = 0;  // index into ClusterData::groups
  std::vector<std::string> tags;
  // As reported; htools use `offline`, which is also set for drained and
  // non-vm_capable nodes.
  bool drained = false, vm_capable = true;
  std::string hypervisor;  // the cluster's first enabled hypervisor, when known
};

// One disk of an instance (iallocator requests carry them).
struct InstanceDisk {
  int64_t size = 0;  // MiB
  std::optional<int64_t> spindles;
};

// One NIC of an instance; unset fields were absent or null.
struct InstanceNic {
  std::optional<std::string> mac, ip, mode, link, bridge, network;  // network: uuid or name
};

struct Instance {
  std::string name;
  int64_t memory = 0, disk = 0, vcpus = 1;  // MiB, MiB, count
  std::string status = "running";           // Ganeti's instance status names
  bool auto_balance = true, forthcoming = false;
  int primary = -1, secondary = -1;  // node indices; -1: none
  std::string disk_template = "drbd";
  std::vector<std::string> tags;
  int64_t spindle_use = 1;
  std::optional<int64_t> spindles;
  // Per disk, when `disks_listed` (the iallocator's "disks", empty for a
  // diskless instance); otherwise the source gives only the totals (`disk`,
  // `spindles`), which then count as one disk.
  std::vector<InstanceDisk> disks;
  bool disks_listed = false;
  std::vector<InstanceNic> nics;
};

struct ClusterData {
  std::vector<Group> groups;
  std::vector<Node> nodes;
  std::vector<Instance> instances;
  std::vector<std::string> cluster_tags;
  IPolicy cluster_ipolicy = DefaultIPolicy();

  int FindNode(const std::string& name) const;  // -1 if absent
  int FindGroup(const std::string& name_or_uuid) const;
};

}  // namespace herd::htools
