#include "master/cmdlib/instance_nics.h"

#include <random>

#include "base/errors.h"
#include "base/json.h"
#include "master/cmdlib/common.h"
#include "master/cmdlib/network.h"

namespace herd::master {
namespace json = boost::json;

std::string NewMac(const objects::ConfigData& config, const std::string& network_uuid) {
  static thread_local std::mt19937 rng{std::random_device{}()};
  std::string prefix = config.cluster.mac_prefix;
  if (auto net = config.networks.find(network_uuid);
      net != config.networks.end() && !net->second.mac_prefix.empty()) {
    prefix = net->second.mac_prefix;
  }
  for (int attempt = 0; attempt < 64; ++attempt) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%s:%02x:%02x:%02x", prefix.c_str(),
                  static_cast<unsigned>(rng() & 0xff), static_cast<unsigned>(rng() & 0xff),
                  static_cast<unsigned>(rng() & 0xff));
    if (!config.FindInstanceByMac(buf)) return buf;
  }
  throw OpExecError("Can't generate a unique MAC address");
}

objects::Nic BuildNic(const json::object& o, size_t index, const objects::ConfigData& config,
                      const std::string& instance_ip, const objects::Node& pnode,
                      const std::string& owner) {
  objects::Nic nic;
  nic.uuid = NewUuid();
  nic.name = GetStringOr(o, "name", "");
  std::string ip = GetStringOr(o, "ip", "");
  const std::string network = GetStringOr(o, "network", "");
  if (ip == "none") ip.clear();
  if (ip == "pool" && network.empty()) {
    throw OpPrereqError("if ip=pool, parameter network must be passed too", kEcodeInval);
  }
  if (ip == "auto") {
    if (instance_ip.empty()) {
      throw OpPrereqError("NIC " + std::to_string(index) +
                              ": 'auto' IP needs the name check to find the instance's address",
                          kEcodeInval);
    }
    ip = instance_ip;
  }
  for (const char* key : {"mode", "link", "vlan"}) {
    if (auto it = o.find(key); it != o.end() && it->value().is_string()) {
      nic.nicparams[key] = it->value();
    }
  }
  if (!network.empty()) {
    if (nic.nicparams.contains("mode") || nic.nicparams.contains("link")) {
      throw OpPrereqError("If network is given, no mode or link is allowed to be passed",
                          kEcodeInval);
    }
    nic.network = LookupNetwork(config, network);
    const auto& group = config.nodegroups.at(pnode.group);
    const auto* params = group.networks.if_contains(nic.network);
    if (!params || !params->is_object()) {
      throw OpPrereqError("No netparams found for network " + config.networks.at(nic.network).name +
                              ". Probably not connected to node's " + pnode.name + " nodegroup",
                          kEcodeInval);
    }
    nic.nicparams = params->get_object();
    if (!ip.empty()) ip = PickNicAddress(config, nic.network, ip, owner);
  }
  const std::string mac = GetStringOr(o, "mac", "auto");
  if (mac == "auto" || mac == "generate" || mac.empty()) {
    nic.mac = NewMac(config, nic.network);
  } else {
    if (config.FindInstanceByMac(mac)) {
      throw OpPrereqError("MAC address " + mac + " already in use in cluster", kEcodeNotUnique);
    }
    nic.mac = mac;
  }
  nic.ip = ip;
  return nic;
}

}  // namespace herd::master
