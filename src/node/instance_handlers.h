// Node RPC procedures for instances: hypervisor, disks and OS scripts.
#pragma once

#include <boost/json/fwd.hpp>
#include <functional>
#include <map>
#include <string>

#include "base/paths.h"

namespace herd {

using RpcHandler = std::function<boost::json::value(const boost::json::array& args)>;

void RegisterInstanceHandlers(const Paths& paths, std::map<std::string, RpcHandler>& handlers);

}  // namespace herd
