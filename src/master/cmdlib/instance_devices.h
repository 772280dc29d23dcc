// NIC and disk additions, removals and changes of OP_INSTANCE_SET_PARAMS.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "master/cmdlib/lu_context.h"
#include "objects/config_data.h"

namespace herd::master {

// Whether the opcode asks for NIC or disk changes ("nics", "disks").
bool HasDeviceChanges(const boost::json::object& op);

// Applies them to the (locked) instance: disks first, created or removed on
// its primary node, then NICs; each change is committed as it is made and
// reported as Ganeti reports it ("disk/1" -> "add:size=1024,mode=rw").
void ModifyInstanceDevices(LuContext& ctx, const objects::Instance& instance,
                           const objects::Node& pnode, bool running, const boost::json::object& op,
                           boost::json::array& report);

}  // namespace herd::master
