// An instance NIC built from an opcode's NIC dictionary (creation and
// `gnt-instance modify --net add`).
#pragma once

#include <boost/json/object.hpp>
#include <string>

#include "objects/config_data.h"

namespace herd::master {

// A MAC unused in the cluster, under the network's MAC prefix when the NIC
// is on a network that has one, else the cluster's.
std::string NewMac(const objects::ConfigData& config, const std::string& network_uuid = "");

// The NIC `params` ask for ("mac", "ip", "mode", "link", "vlan", "name",
// "network"): a NIC on a network takes that network's parameters in the
// primary node's group and an address picked for `owner` (see
// PickNicAddress); "auto" as IP is `instance_ip`. `index` names the NIC in
// errors.
objects::Nic BuildNic(const boost::json::object& params, size_t index,
                      const objects::ConfigData& config, const std::string& instance_ip,
                      const objects::Node& pnode, const std::string& owner);

}  // namespace herd::master
