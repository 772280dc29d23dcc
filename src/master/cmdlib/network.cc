// Logical units of IP networks: OP_NETWORK_ADD, OP_NETWORK_REMOVE,
// OP_NETWORK_SET_PARAMS, OP_NETWORK_CONNECT and OP_NETWORK_DISCONNECT, with
// Ganeti's address pools, checks and warnings.
#include "master/cmdlib/network.h"

#include <boost/json.hpp>
#include <map>
#include <mutex>

#include "base/errors.h"
#include "base/json.h"
#include "base/nice_sort.h"
#include "master/cmdlib/common.h"
#include "master/cmdlib/group.h"
#include "objects/address_pool.h"
#include "objects/config_data.h"

namespace herd::master {
namespace {

std::string PoolMessage(const GanetiError& e) { return e.args().empty() ? e.what() : e.args()[0]; }

void Warn(LuContext& ctx, const std::string& message) { ctx.Feedback("Warning: " + message); }

// Locks the network under the BGL (shared).
std::string LockNetwork(LuContext& ctx, const std::string& name) {
  AcquireBgl(ctx, true);
  const std::string uuid =
      ctx.config.Read([&](const objects::ConfigData& d) { return LookupNetwork(d, name); });
  ctx.locks.Acquire(ctx.owner, locking::Level::kNetwork, {uuid}, false);
  return uuid;
}

// The group's lock (exclusive), then the network's (shared), in the lock order.
std::pair<std::string, std::string> LockGroupAndNetwork(LuContext& ctx,
                                                        const std::string& group_name,
                                                        const std::string& network_name) {
  AcquireBgl(ctx, true);
  auto uuids = ctx.config.Read([&](const objects::ConfigData& d) {
    return std::make_pair(LookupGroup(d, group_name), LookupNetwork(d, network_name));
  });
  ctx.locks.Acquire(ctx.owner, locking::Level::kNodeGroup, {uuids.first}, false);
  ctx.locks.Acquire(ctx.owner, locking::Level::kNetwork, {uuids.second}, true);
  return uuids;
}

objects::Network& LockedNetwork(ConfigTxn& txn, const std::string& uuid, const std::string& name) {
  if (!txn.data().networks.count(uuid)) {
    throw OpExecError("Network '" + name + "' with UUID " + uuid + " disappeared");
  }
  return txn.MutableNetwork(uuid);
}

// Ganeti's _NetworkConflictCheck: instances of the group whose NICs
// `conflicts` picks; a warning naming them, then OpPrereqError.
void CheckConflicts(LuContext& ctx, const objects::ConfigData& d, const std::string& group_uuid,
                    const std::string& network_name, const std::string& action,
                    const std::function<bool(const objects::Nic&)>& conflicts) {
  std::string details;
  for (const auto& [uuid, inst] : d.instances) {
    auto node = d.nodes.find(inst.primary_node);
    if (node == d.nodes.end() || node->second.group != group_uuid) continue;
    std::string nics;
    for (size_t i = 0; i < inst.nics.size(); ++i) {
      if (!conflicts(inst.nics[i])) continue;
      nics += (nics.empty() ? "" : ", ") + std::string("nic") + std::to_string(i) + "/" +
              inst.nics[i].ip;
    }
    if (!nics.empty()) details += (details.empty() ? "" : ", ") + inst.name + ": " + nics;
  }
  if (details.empty()) return;
  Warn(ctx, "IP addresses from network '" + network_name + "', which is about to " + action +
                " node group '" + d.nodegroups.at(group_uuid).name + "', are in use: " + details);
  throw OpPrereqError(
      "Conflicting IP addresses found;  remove/modify the corresponding network interfaces",
      kEcodeState);
}

std::optional<std::string> UnlessNone(const json::object& op, const char* name) {
  auto value = OptionalString(op, name);
  if (value && *value == "none") return std::string();
  return value;
}

// Addresses picked by creations not yet committed: network -> ip -> owner.
struct PickedAddresses {
  std::mutex mu;
  std::map<std::string, std::map<std::string, std::string>> held;
};
PickedAddresses& Picked() {
  static PickedAddresses picked;
  return picked;
}

}  // namespace

std::string PickNicAddress(const objects::ConfigData& config, const std::string& network_uuid,
                           const std::string& ip, const std::string& owner) {
  const auto& network = config.networks.at(network_uuid);
  objects::Network copy = network;
  objects::AddressPool pool(copy);
  auto& picked = Picked();
  std::lock_guard lock(picked.mu);
  auto& held = picked.held[network_uuid];
  if (ip == "pool") {
    for (;;) {
      std::string candidate;
      try {
        candidate = pool.TakeFreeAddress();  // marks it in the copy only
      } catch (const GanetiError&) {
        throw OpPrereqError("Unable to get a free IP from network " + network.name, kEcodeState);
      }
      if (held.count(candidate)) continue;  // another creation's
      held[candidate] = owner;
      return candidate;
    }
  }
  const bool taken = !pool.Contains(ip) || pool.IsReserved(ip) || pool.IsReserved(ip, true) ||
                     (held.count(ip) && held.at(ip) != owner);
  if (taken) {
    throw OpPrereqError(
        "IP address " + ip + " already in use or does not belong to network " + network.name,
        kEcodeNotUnique);
  }
  held[ip] = owner;
  return ip;
}

void ReleasePickedAddresses(const std::string& owner) {
  auto& picked = Picked();
  std::lock_guard lock(picked.mu);
  for (auto& [network, held] : picked.held) {
    std::erase_if(held, [&](const auto& entry) { return entry.second == owner; });
  }
}

void ReserveNicAddresses(ConfigTxn& txn, const std::vector<objects::Nic>& nics) {
  for (const auto& nic : nics) {
    if (nic.network.empty() || nic.ip.empty()) continue;
    if (!txn.data().networks.count(nic.network)) {
      throw OpPrereqError("Network of NIC " + nic.name + " disappeared", kEcodeState);
    }
    objects::AddressPool pool(txn.MutableNetwork(nic.network));
    try {
      pool.Reserve(nic.ip);
    } catch (const GanetiError& e) {
      throw OpPrereqError("IP address " + nic.ip +
                              " already in use or does not belong to network " +
                              txn.data().networks.at(nic.network).name,
                          kEcodeNotUnique);
    }
  }
}

void ReleaseNicAddresses(ConfigTxn& txn, const std::vector<objects::Nic>& nics) {
  for (const auto& nic : nics) {
    if (nic.network.empty() || nic.ip.empty() || !txn.data().networks.count(nic.network)) continue;
    objects::Network& network = txn.MutableNetwork(nic.network);
    objects::AddressPool pool(network);
    if (pool.Contains(nic.ip) && pool.IsReserved(nic.ip)) pool.Release(nic.ip);
  }
}

std::string LookupNetwork(const objects::ConfigData& config, const std::string& name_or_uuid) {
  if (config.networks.count(name_or_uuid)) return name_or_uuid;
  for (const auto& [uuid, n] : config.networks) {
    if (n.name == name_or_uuid) return uuid;
  }
  throw OpPrereqError("Network '" + name_or_uuid + "' not found", kEcodeNoEnt);
}

json::value NetworkAdd(LuContext& ctx, const json::object& op) {
  objects::Network network;
  network.name = RequiredString(op, "network_name");
  network.network = OptionalString(op, "network").value_or("");
  if (network.network.empty()) throw OpPrereqError("Network must be given", kEcodeInval);
  network.gateway = OptionalString(op, "gateway").value_or("");
  network.network6 = OptionalString(op, "network6").value_or("");
  network.gateway6 = OptionalString(op, "gateway6").value_or("");
  if (auto prefix = OptionalString(op, "mac_prefix"); prefix && !prefix->empty()) {
    network.mac_prefix = NormalizedMacPrefix(*prefix);
  }
  network.tags = StringListParam(op, "tags");
  const auto reserved = StringListParam(op, "add_reserved_ips");
  const bool conflicts_check = BoolParam(op, "conflicts_check", true);
  network.uuid = NewUuid();
  AcquireBgl(ctx, true);
  ctx.locks.Acquire(ctx.owner, locking::Level::kNetwork, {network.uuid}, false);
  ctx.op.NotifyStart();
  try {
    objects::AddressPool::Initialize(network);
  } catch (const GanetiError& e) {
    throw OpExecError("Cannot create IP address pool for network '" + network.name +
                      "': " + PoolMessage(e));
  }
  ctx.Commit([&](ConfigTxn& txn) {
    const auto& d = txn.data();
    for (const auto& [uuid, n] : d.networks) {
      if (n.name == network.name) {
        throw OpPrereqError("Desired network name '" + network.name +
                                "' already exists as a network (UUID: " + uuid + ")",
                            kEcodeExists);
      }
    }
    objects::Network added = network;
    objects::AddressPool pool(added);
    if (conflicts_check) {
      // The nodes' and the master's addresses are not the instances' to take.
      for (const auto& [uuid, node] : d.nodes) {
        for (const auto& ip : {node.primary_ip, node.secondary_ip}) {
          try {
            if (pool.Contains(ip) && !pool.IsReserved(ip, true)) pool.Reserve(ip, true);
          } catch (const GanetiError& e) {
            Warn(ctx, "Cannot reserve IP address '" + ip + "' of node '" + node.name +
                          "': " + PoolMessage(e));
          }
        }
      }
      const std::string& master_ip = d.cluster.master_ip;
      try {
        if (pool.Contains(master_ip) && !pool.IsReserved(master_ip, true)) {
          pool.Reserve(master_ip, true);
        }
      } catch (const GanetiError& e) {
        Warn(ctx,
             "Cannot reserve cluster master IP address (" + master_ip + "): " + PoolMessage(e));
      }
    }
    for (const auto& ip : reserved) {
      try {
        pool.Reserve(ip, true);
      } catch (const GanetiError& e) {
        throw OpExecError("Cannot reserve IP address '" + ip + "': " + PoolMessage(e));
      }
    }
    txn.AddNetwork(std::move(added));
  });
  return nullptr;
}

json::value NetworkRemove(LuContext& ctx, const json::object& op) {
  const std::string name = RequiredString(op, "network_name");
  const std::string uuid = LockNetwork(ctx, name);
  ctx.op.NotifyStart();
  ctx.Commit([&](ConfigTxn& txn) {
    LockedNetwork(txn, uuid, name);
    std::vector<std::string> groups;
    for (const auto& [gu, g] : txn.data().nodegroups) {
      if (g.networks.contains(uuid)) groups.push_back(g.name);
    }
    if (!groups.empty()) {
      std::sort(groups.begin(), groups.end(), NiceLess);
      std::string list;
      for (const auto& g : groups) list += (list.empty() ? "" : ", ") + g;
      Warn(ctx, "Network '" + name + "' is connected to the following node groups: " + list);
      throw OpPrereqError("Network still connected", kEcodeState);
    }
    txn.RemoveNetwork(uuid);
  });
  return nullptr;
}

json::value NetworkSetParams(LuContext& ctx, const json::object& op) {
  const std::string name = RequiredString(op, "network_name");
  const auto gateway = UnlessNone(op, "gateway");
  const auto mac_prefix = UnlessNone(op, "mac_prefix");
  const auto network6 = UnlessNone(op, "network6");
  const auto gateway6 = UnlessNone(op, "gateway6");
  const auto add_reserved = StringListParam(op, "add_reserved_ips");
  const auto remove_reserved = StringListParam(op, "remove_reserved_ips");
  if (gateway && (!add_reserved.empty() || !remove_reserved.empty())) {
    throw OpPrereqError("Cannot modify gateway and reserved ips at once", kEcodeInval);
  }
  const std::string uuid = LockNetwork(ctx, name);
  ctx.op.NotifyStart();
  ctx.Commit([&](ConfigTxn& txn) {
    objects::Network& network = LockedNetwork(txn, uuid, name);
    objects::AddressPool pool(network);
    if (gateway) {
      if (!gateway->empty() && pool.IsReserved(*gateway)) {
        throw OpPrereqError("Gateway IP address '" + *gateway + "' is already reserved",
                            kEcodeState);
      }
      if (*gateway == network.gateway) {
        Warn(ctx, "Gateway is already " + *gateway);
      } else {
        if (!gateway->empty()) pool.Reserve(*gateway, true);
        if (!network.gateway.empty()) pool.Release(network.gateway, true);
        network.gateway = *gateway;
      }
    }
    for (const auto& ip : add_reserved) {
      try {
        pool.Reserve(ip, true);
      } catch (const GanetiError& e) {
        Warn(ctx, "Cannot reserve IP address " + ip + ": " + PoolMessage(e));
      }
    }
    for (const auto& ip : remove_reserved) {
      if (ip == network.gateway) {
        Warn(ctx, "Cannot unreserve Gateway's IP");
        continue;
      }
      try {
        pool.Release(ip, true);
      } catch (const GanetiError& e) {
        Warn(ctx, "Cannot release IP address " + ip + ": " + PoolMessage(e));
      }
    }
    if (mac_prefix)
      network.mac_prefix = mac_prefix->empty() ? "" : NormalizedMacPrefix(*mac_prefix);
    if (network6) network.network6 = *network6;
    if (gateway6) network.gateway6 = *gateway6;
  });
  return nullptr;
}

json::value NetworkConnect(LuContext& ctx, const json::object& op) {
  const std::string network_name = RequiredString(op, "network_name");
  const std::string group_name = RequiredString(op, "group_name");
  const std::string mode = RequiredString(op, "network_mode");
  const std::string link = OptionalString(op, "network_link").value_or("");
  const std::string vlan = OptionalString(op, "network_vlan").value_or("");
  const bool conflicts_check = BoolParam(op, "conflicts_check", true);
  if (mode != "bridged" && mode != "routed" && mode != "openvswitch") {
    throw OpPrereqError("Invalid NIC mode '" + mode + "'", kEcodeInval);
  }
  if (mode == "bridged" && link.empty()) {
    throw OpPrereqError("Missing bridged NIC link", kEcodeInval);
  }
  const auto [group_uuid, network_uuid] = LockGroupAndNetwork(ctx, group_name, network_name);
  ctx.op.NotifyStart();
  ctx.Commit([&](ConfigTxn& txn) {
    const auto& d = txn.data();
    if (!d.nodegroups.count(group_uuid)) throw OpExecError("Node group disappeared");
    if (d.nodegroups.at(group_uuid).networks.contains(network_uuid)) {
      Warn(ctx, "Network '" + network_name + "' is already mapped to group '" +
                    d.nodegroups.at(group_uuid).name + "'");
      return;
    }
    if (conflicts_check) {
      objects::Network copy = d.networks.at(network_uuid);
      objects::AddressPool pool(copy);
      CheckConflicts(ctx, d, group_uuid, network_name, "connect to",
                     [&](const objects::Nic& nic) { return pool.Contains(nic.ip); });
    }
    txn.MutableGroup(group_uuid).networks[network_uuid] =
        json::object{{"mode", mode}, {"link", link}, {"vlan", vlan}};
  });
  return nullptr;
}

json::value NetworkDisconnect(LuContext& ctx, const json::object& op) {
  const std::string network_name = RequiredString(op, "network_name");
  const std::string group_name = RequiredString(op, "group_name");
  const auto [group_uuid, network_uuid] = LockGroupAndNetwork(ctx, group_name, network_name);
  ctx.op.NotifyStart();
  ctx.Commit([&](ConfigTxn& txn) {
    const auto& d = txn.data();
    if (!d.nodegroups.count(group_uuid)) throw OpExecError("Node group disappeared");
    if (!d.nodegroups.at(group_uuid).networks.contains(network_uuid)) {
      Warn(ctx, "Network '" + network_name + "' is not mapped to group '" +
                    d.nodegroups.at(group_uuid).name + "'");
      return;
    }
    CheckConflicts(ctx, d, group_uuid, network_name, "disconnect from",
                   [&](const objects::Nic& nic) { return nic.network == network_uuid; });
    txn.MutableGroup(group_uuid).networks.erase(network_uuid);
  });
  return nullptr;
}

}  // namespace herd::master
