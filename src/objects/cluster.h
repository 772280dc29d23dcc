// The cluster object of config.data: cluster-wide settings and parameter
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
  std::string mac_prefix = "aa:00:00", volume_group_name, default_iallocator;
  std::string file_storage_dir, shared_file_storage_dir, rsahostkeypub;
  std::vector<std::string> enabled_hypervisors, enabled_disk_templates, tags;
  json::object hvparams, os_hvp, beparams, osparams, nicparams, ndparams, diskparams, ipolicy;
  int64_t candidate_pool_size = 10;
  int64_t highest_used_port = 11000;
  int64_t serial_no = 1;
  double ctime = 0, mtime = 0;
  json::object extra;
};

json::value ToJson(const Cluster& cluster);
Cluster ClusterFromJson(const json::value& v);

}  // namespace herd::objects
