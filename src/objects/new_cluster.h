// The configuration `gnt-cluster init` creates: Ganeti 3.0's default
// parameters, one node group "default" and the master node in it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace herd::objects {

struct ConfigData;

struct NewClusterOptions {
  std::string cluster_name, cluster_uuid, group_uuid;
  std::string master_node_name, master_node_uuid, master_node_ip, secondary_ip, master_ip;
  std::string master_netdev = "lo";
  int64_t master_netmask = 32;
  std::vector<std::string> enabled_hypervisors{"fake"};
  std::vector<std::string> enabled_disk_templates{"diskless", "file", "sharedfile"};
  std::string file_storage_dir, shared_file_storage_dir;
  std::string volume_group_name;  // only for lvm-based templates
  std::string mac_prefix = "aa:00:00";
  std::string default_iallocator;
  int64_t candidate_pool_size = 10;
  // Overrides as given on the command line (-B, -N, --node-parameters, -H):
  // values are parsed ("512" is a number, "true" a boolean); "memory" sets both
  // maxmem and minmem, as in Ganeti.
  std::map<std::string, std::string> beparams, nicparams, ndparams, hvparams_fake;
  std::map<std::string, std::map<std::string, std::string>> hvparams;  // per hypervisor
};

ConfigData NewClusterConfig(const NewClusterOptions& options);

}  // namespace herd::objects
