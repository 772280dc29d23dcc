// The cluster object of config.data: cluster-wide settings and the parameter
// defaults that groups, nodes and instances inherit.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/json.h"

namespace herd::objects {

struct Cluster {
  std::string cluster_name, uuid;
  std::string master_node;  // node uuid
  std::string master_ip, master_netdev = "lo";
  int64_t master_netmask = 32;
  int64_t primary_ip_family = 2;  // AF_INET
  bool use_external_mip_script = false;
  std::string mac_prefix = "aa:00:00";
  std::string volume_group_name, drbd_usermode_helper;
  std::vector<std::string> reserved_lvs;
  std::string default_iallocator;
  json::object default_iallocator_params;
  std::string file_storage_dir, shared_file_storage_dir, gluster_storage_dir;
  std::string rsahostkeypub, dsahostkeypub;
  std::string ssh_key_type;  // "rsa", "dsa", "ecdsa"; absent before 3.0
  int64_t ssh_key_bits = 0;
  std::vector<std::string> enabled_hypervisors, enabled_disk_templates;
  // Per hypervisor / OS / "default" group, as Ganeti nests them.
  json::object hvparams, os_hvp, beparams, osparams, osparams_private_cluster, nicparams;
  json::object ndparams, diskparams, ipolicy;
  json::object hv_state_static, disk_state_static;
  int64_t candidate_pool_size = 10;
  json::object candidate_certs;  // node uuid -> client certificate digest
  bool modify_etc_hosts = true, modify_ssh_setup = true, maintain_node_health = false;
  bool prealloc_wipe_disks = false, enabled_user_shutdown = false;
  json::array uid_pool;  // [[low, high], ...]
  std::vector<std::string> hidden_os, blacklisted_os;
  int64_t highest_used_port = 10999;      // ports above it are free for DRBD and consoles
  std::vector<int64_t> tcpudp_port_pool;  // freed ports, reused first
  int64_t max_running_jobs = 20, max_tracked_jobs = 25;
  std::string install_image, zeroing_image, instance_communication_network;
  std::vector<std::string> compression_tools{"gzip", "gzip-fast", "gzip-slow"};
  json::object data_collectors;  // name -> {"active": bool, "interval": microseconds}
  std::vector<std::string> tags;
  int64_t serial_no = 1;
  double ctime = 0, mtime = 0;
  json::object extra;  // fields Herd does not model, kept for the round trip
};

json::value ToJson(const Cluster& cluster);
// Throws ConfigurationError naming the field at fault.
Cluster ClusterFromJson(const json::value& v);

}  // namespace herd::objects
