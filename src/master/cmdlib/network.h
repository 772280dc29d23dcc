// Logical units of IP networks (gnt-network): add, remove, modify, connect
// to and disconnect from node groups.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <string>

#include "master/cmdlib/lu_context.h"
#include "objects/config_data.h"

namespace herd::master {

// A network's uuid from its name or uuid; OpPrereqError when there is none.
std::string LookupNetwork(const objects::ConfigData& config, const std::string& name_or_uuid);

// Addresses of instance NICs on networks. A creation picks its addresses
// (an explicit one, or the pool's first free one for ip "pool") before its
// commit, held for `owner` so that concurrent creations pick others (Ganeti's
// temporary reservations); its commit then reserves them in the pools.
// Throws OpPrereqError when the address is taken or not in the network.
std::string PickNicAddress(const objects::ConfigData& config, const std::string& network_uuid,
                           const std::string& ip, const std::string& owner);
// Ends `owner`'s holds (after its commit, or when it failed).
void ReleasePickedAddresses(const std::string& owner);
// In a commit: reserves the NICs' addresses in their networks' pools.
void ReserveNicAddresses(ConfigTxn& txn, const std::vector<objects::Nic>& nics);
// In a commit: gives the NICs' addresses back to their networks' pools.
void ReleaseNicAddresses(ConfigTxn& txn, const std::vector<objects::Nic>& nics);

boost::json::value NetworkAdd(LuContext& ctx, const boost::json::object& op);
boost::json::value NetworkRemove(LuContext& ctx, const boost::json::object& op);
boost::json::value NetworkSetParams(LuContext& ctx, const boost::json::object& op);
boost::json::value NetworkConnect(LuContext& ctx, const boost::json::object& op);
boost::json::value NetworkDisconnect(LuContext& ctx, const boost::json::object& op);

}  // namespace herd::master
