// The configuration confd answers from, with the index Ganeti's server keeps
// beside it: NIC link -> instance IP -> instance uuid.
#pragma once

#include <map>
#include <string>

#include "objects/config_data.h"

namespace herd::confd {

using InstanceIpsByLink = std::map<std::string, std::map<std::string, std::string>>;

struct ServedConfig {
  objects::ConfigData data;
  InstanceIpsByLink instance_ips_by_link;
};

InstanceIpsByLink IndexInstanceIps(const objects::ConfigData& data);
ServedConfig MakeServedConfig(objects::ConfigData data);

// The link of a NIC whose own parameters name none: the cluster's default.
std::string DefaultNicLink(const objects::ConfigData& data);

}  // namespace herd::confd
