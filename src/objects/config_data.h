// The whole configuration (config.data): cluster, nodes, groups, instances,
// disks and networks, keyed by uuid.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "objects/cluster.h"
#include "objects/group.h"
#include "objects/instance.h"
#include "objects/node.h"
#include "objects/params.h"

namespace herd::objects {

// Ganeti 3.0's config version (buildVersion 3 0 0).
inline constexpr int64_t kConfigVersion = 3000000;

struct ConfigData {
  int64_t version = kConfigVersion;
  Cluster cluster;
  std::map<std::string, Node> nodes;
  std::map<std::string, NodeGroup> nodegroups;
  std::map<std::string, Instance> instances;
  std::map<std::string, Disk> disks;
  json::object networks;  // kept as stored
  int64_t serial_no = 1;
  double ctime = 0, mtime = 0;
  json::object extra;

  const Node* FindNodeByName(std::string_view name) const;
  const NodeGroup* FindGroupByName(std::string_view name) const;
  const Instance* FindInstanceByName(std::string_view name) const;
};

json::value ToJson(const ConfigData& config);
// Throws ConfigurationError naming the object and field at fault.
ConfigData ConfigDataFromJson(const json::value& v);

struct NewClusterOptions {
  std::string cluster_name, cluster_uuid, group_uuid;
  std::string master_node_name, master_node_uuid, master_node_ip, secondary_ip, master_ip;
  std::string master_netdev = "lo";
  std::vector<std::string> enabled_hypervisors{"fake"};
  std::vector<std::string> enabled_disk_templates{"diskless", "file", "sharedfile"};
  std::string file_storage_dir, shared_file_storage_dir;
  int64_t candidate_pool_size = 10;
  std::map<std::string, std::string> beparams, nicparams, ndparams, hvparams_fake;
};

// A fresh configuration as `gnt-cluster init` creates it: Ganeti's default
// parameters, one group "default", the master node.
ConfigData NewClusterConfig(const NewClusterOptions& options);

}  // namespace herd::objects
