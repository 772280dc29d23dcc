// Node RPC procedures that move the master role: stop the master daemons on
// the old master, start them on the new one, and the master IP (nothing to
// do on a virtual node, whose cluster address is loopback).
#pragma once

#include <map>
#include <string>

#include "base/paths.h"
#include "node/instance_handlers.h"

namespace herd {

void RegisterMasterRoleHandlers(const Paths& paths, std::map<std::string, RpcHandler>& handlers);

}  // namespace herd
