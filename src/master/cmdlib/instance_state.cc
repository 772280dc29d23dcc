// OP_INSTANCE_STARTUP, OP_INSTANCE_SHUTDOWN, OP_INSTANCE_REBOOT.
#include "base/errors.h"
#include "base/json.h"
#include "master/cmdlib/common.h"
#include "master/cmdlib/instance.h"
#include "master/cmdlib/instance_common.h"

namespace herd::master {
namespace {

// The instance locked with its primary node, and that node.
struct Locked {
  objects::Instance instance;
  objects::Node pnode;
};

Locked LockWithPrimary(LuContext& ctx, const json::object& op) {
  Locked l;
  l.instance = LockInstance(ctx, RequiredString(op, "instance_name"));
  LockNodes(ctx, {l.instance.primary_node});
  ctx.op.NotifyStart();
  l.pnode = ctx.config.Read(
      [&](const objects::ConfigData& d) { return d.nodes.at(l.instance.primary_node); });
  return l;
}

void StartOnPrimary(LuContext& ctx, const Locked& l) {
  StartInstanceOnNode(ctx, l.instance, l.pnode);
}

int64_t MaxMem(LuContext& ctx, const objects::Instance& instance) {
  return ctx.config.Read([&](const objects::ConfigData& d) {
    return GetIntOr(objects::FilledBeParams(d, instance), "maxmem", 128);
  });
}

}  // namespace

json::value InstanceStartup(LuContext& ctx, const json::object& op) {
  Locked l = LockWithPrimary(ctx, op);
  if (l.instance.admin_state == "offline") {
    throw OpPrereqError("Instance '" + l.instance.name + "' is marked offline, cannot start it",
                        kEcodeState);
  }
  CheckNodeOnline(l.pnode, "(primary node of instance " + l.instance.name + ")");
  if (LiveInstanceInfo(ctx, l.pnode, l.instance.name)) {
    ctx.Feedback("Instance " + l.instance.name + " is already running");
  } else {
    CheckNodeFreeMemory(ctx, l.pnode, MaxMem(ctx, l.instance),
                        "starting instance " + l.instance.name);
    StartOnPrimary(ctx, l);
  }
  if (!BoolParam(op, "no_remember", false)) SetAdminState(ctx, l.instance.uuid, "up");
  return nullptr;
}

json::value InstanceShutdown(LuContext& ctx, const json::object& op) {
  Locked l = LockWithPrimary(ctx, op);
  if (l.instance.admin_state == "offline") {
    throw OpPrereqError("Instance '" + l.instance.name + "' is marked offline", kEcodeState);
  }
  if (l.pnode.offline) {
    if (!BoolParam(op, "ignore_offline_nodes", false)) {
      throw OpPrereqError("Primary node " + l.pnode.name + " of instance " + l.instance.name +
                              " is offline; use --ignore-offline to mark the instance down",
                          kEcodeState);
    }
    ctx.Feedback("Primary node offline, marked instance as stopped");
  } else {
    if (!LiveInstanceInfo(ctx, l.pnode, l.instance.name)) {
      ctx.Feedback("Instance " + l.instance.name + " is not running");
    }
    ShutdownInstanceOnNode(ctx, l.instance, l.pnode);
  }
  if (!BoolParam(op, "no_remember", false)) SetAdminState(ctx, l.instance.uuid, "down");
  return nullptr;
}

json::value InstanceReboot(LuContext& ctx, const json::object& op) {
  Locked l = LockWithPrimary(ctx, op);
  std::string type = OptionalString(op, "reboot_type").value_or("hard");
  if (type != "soft" && type != "hard" && type != "full") {
    throw OpPrereqError("Invalid reboot type '" + type + "' (soft, hard or full)", kEcodeInval);
  }
  if (l.instance.admin_state == "offline") {
    throw OpPrereqError("Instance '" + l.instance.name + "' is marked offline", kEcodeState);
  }
  CheckNodeOnline(l.pnode, "(primary node of instance " + l.instance.name + ")");
  bool running = LiveInstanceInfo(ctx, l.pnode, l.instance.name).has_value();
  if (running && type != "full") {
    auto result = ctx.rpc.Call(AddressOf(l.pnode), rpc::procedures::kInstanceReboot,
                               json::array{json::value(l.instance.name), json::value(type)});
    if (!result.ok) {
      throw OpExecError("Could not reboot instance " + l.instance.name + ": " + result.error);
    }
  } else {
    if (running) {
      ShutdownInstanceOnNode(ctx, l.instance, l.pnode);
    } else {
      ctx.Feedback("Instance " + l.instance.name + " was already stopped, starting now");
    }
    CheckNodeFreeMemory(ctx, l.pnode, MaxMem(ctx, l.instance),
                        "starting instance " + l.instance.name);
    StartOnPrimary(ctx, l);
  }
  SetAdminState(ctx, l.instance.uuid, "up");
  return nullptr;
}

}  // namespace herd::master
