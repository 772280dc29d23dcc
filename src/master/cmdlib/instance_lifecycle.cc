// OP_INSTANCE_REMOVE, OP_INSTANCE_REINSTALL, OP_INSTANCE_RENAME.
#include "base/errors.h"
#include "base/hosts.h"
#include "base/json.h"
#include "master/cmdlib/common.h"
#include "master/cmdlib/instance.h"
#include "master/cmdlib/instance_common.h"
#include "master/cmdlib/network.h"

namespace herd::master {
namespace {

// Ganeti's check for operations that need the instance down: marked down in
// the config and not running on its primary node.
void CheckInstanceDown(LuContext& ctx, const objects::Instance& instance,
                       const objects::Node& pnode, const std::string& action) {
  if (instance.admin_state == "up") {
    throw OpPrereqError("Instance '" + instance.name + "' is marked to be up, " + action,
                        kEcodeState);
  }
  if (!pnode.offline && LiveInstanceInfo(ctx, pnode, instance.name)) {
    throw OpPrereqError("Instance " + instance.name + " is running, " + action, kEcodeState);
  }
}

objects::Node NodeOf(LuContext& ctx, const std::string& uuid) {
  return ctx.config.Read([&](const objects::ConfigData& d) { return d.nodes.at(uuid); });
}

}  // namespace

void RemoveInstanceAndDisks(LuContext& ctx, const objects::Instance& instance,
                            bool ignore_failures) {
  ctx.Feedback("Removing block devices for instance " + instance.name);
  bool removed = RemoveDisks(ctx, ctx.config.Read([&](const objects::ConfigData& d) {
    return InstanceDisks(d, instance);
  }));
  if (!removed && !ignore_failures) {
    throw OpExecError("Can't remove instance's disks; use --ignore-failures to remove anyway");
  }
  ctx.Feedback("Removing instance " + instance.name + " out of cluster config");
  ctx.Commit([&](ConfigTxn& txn) {
    for (const auto& d : instance.disks) {
      if (txn.data().disks.count(d)) txn.RemoveDisk(d);
    }
    ReleaseNicAddresses(txn, txn.data().instances.at(instance.uuid).nics);
    txn.RemoveInstance(instance.uuid);
  });
}

json::value InstanceRemove(LuContext& ctx, const json::object& op) {
  objects::Instance instance = LockInstance(ctx, RequiredString(op, "instance_name"));
  const bool ignore_failures = BoolParam(op, "ignore_failures", false);
  auto nodes =
      ctx.config.Read([&](const objects::ConfigData& d) { return InstanceNodes(d, instance); });
  LockNodes(ctx, nodes);
  ctx.op.NotifyStart();
  objects::Node pnode = NodeOf(ctx, instance.primary_node);
  ctx.Feedback("Shutting down instance " + instance.name + " on node " + pnode.name);
  if (!pnode.offline) {
    try {
      ShutdownInstanceOnNode(ctx, instance, pnode);
    } catch (const GanetiError& e) {
      if (!ignore_failures) {
        throw OpExecError(std::string(e.what()) + "; use --ignore-failures to remove anyway");
      }
      ctx.Feedback(std::string("Warning: ") + e.what());
    }
  }
  RemoveInstanceAndDisks(ctx, instance, ignore_failures);
  return nullptr;
}

json::value InstanceReinstall(LuContext& ctx, const json::object& op) {
  objects::Instance instance = LockInstance(ctx, RequiredString(op, "instance_name"));
  LockNodes(ctx, {instance.primary_node});
  ctx.op.NotifyStart();
  objects::Node pnode = NodeOf(ctx, instance.primary_node);
  CheckNodeOnline(pnode, "(primary node of instance " + instance.name + ")");
  CheckInstanceDown(ctx, instance, pnode, "cannot reinstall");
  std::string os = OptionalString(op, "os_type").value_or(instance.os);
  json::object osparams = instance.osparams;
  if (auto it = op.find("osparams"); it != op.end() && it->value().is_object()) {
    for (const auto& kv : it->value().get_object()) osparams[kv.key()] = kv.value();
  }
  auto validated = ctx.rpc.Call(AddressOf(pnode), rpc::procedures::kOsValidate,
                                json::array{json::value(os), osparams});
  if (!validated.ok) {
    throw OpPrereqError("OS '" + os + "' not usable on node " + pnode.name + ": " + validated.error,
                        kEcodeInval);
  }
  const bool os_changed = os != instance.os || osparams != instance.osparams;
  instance.os = os;
  instance.osparams = osparams;
  ctx.Feedback("Running the instance OS create scripts...");
  auto spec = ctx.config.Read(
      [&](const objects::ConfigData& d) { return rpc::ToJson(InstanceSpecOf(d, instance)); });
  auto result =
      ctx.rpc.Call(AddressOf(pnode), rpc::procedures::kInstanceOsAdd, json::array{spec, true, 0});
  if (!result.ok) {
    throw OpExecError("Could not install OS for instance " + instance.name + " on node " +
                      pnode.name + ": " + result.error);
  }
  // The new OS is recorded once it is installed: the commit is the last step.
  if (os_changed) {
    ctx.Commit([&](ConfigTxn& txn) {
      auto& inst = txn.MutableInstance(instance.uuid);
      inst.os = os;
      inst.osparams = osparams;
      inst.serial_no += 1;
    });
  }
  return nullptr;
}

json::value InstanceRename(LuContext& ctx, const json::object& op) {
  const std::string new_name = RequiredString(op, "new_name");
  const bool name_check = BoolParam(op, "name_check", true);
  objects::Instance instance =
      LockInstance(ctx, RequiredString(op, "instance_name"), false, {new_name});
  auto nodes =
      ctx.config.Read([&](const objects::ConfigData& d) { return InstanceNodes(d, instance); });
  LockNodes(ctx, nodes);
  ctx.op.NotifyStart();
  objects::Node pnode = NodeOf(ctx, instance.primary_node);
  CheckInstanceDown(ctx, instance, pnode, "cannot rename");
  ctx.config.Read([&](const objects::ConfigData& d) {
    if (d.FindInstanceByName(new_name)) {
      throw OpPrereqError("Instance '" + new_name + "' is already in the cluster", kEcodeExists);
    }
    return 0;
  });
  if (name_check && !ResolveHost(ctx.paths, new_name)) {
    if (!ctx.paths.is_virtual()) {
      throw OpPrereqError("Host name '" + new_name + "' cannot be resolved; use --no-name-check",
                          kEcodeResolver);
    }
    AddVirtualHost(ctx.paths, new_name);
  }
  // File disks live in a directory named after the instance: move them.
  const std::string old_name = instance.name;
  auto disks =
      ctx.config.Read([&](const objects::ConfigData& d) { return InstanceDisks(d, instance); });
  std::map<std::string, std::string> new_paths;  // disk uuid -> new path
  json::array renames;
  for (const auto& disk : disks) {
    auto spec = DiskSpecOf(disk);
    std::string marker = "/" + old_name + "/";
    auto pos = spec.path.rfind(marker);
    if (pos == std::string::npos) continue;
    std::string path =
        spec.path.substr(0, pos) + "/" + new_name + "/" + spec.path.substr(pos + marker.size());
    new_paths[disk.uuid] = path;
    renames.push_back(json::array{rpc::ToJson(spec), json::value(path)});
  }
  if (!renames.empty()) {
    auto result =
        ctx.rpc.Call(AddressOf(pnode), rpc::procedures::kBlockdevRename, json::array{renames});
    if (!result.ok) {
      throw OpExecError("Could not rename the disks of instance " + old_name + ": " + result.error);
    }
  }
  ctx.Commit([&](ConfigTxn& txn) {
    auto& inst = txn.MutableInstance(instance.uuid);
    inst.name = new_name;
    inst.serial_no += 1;
    for (const auto& [uuid, path] : new_paths) {
      auto& d = txn.MutableDisk(uuid);
      d.logical_id = json::array{d.logical_id.empty() ? json::value("loop") : d.logical_id[0],
                                 json::value(path)};
    }
  });
  instance.name = new_name;
  auto spec = ctx.config.Read([&](const objects::ConfigData& d) {
    return rpc::ToJson(InstanceSpecOf(d, d.instances.at(instance.uuid)));
  });
  auto result = ctx.rpc.Call(AddressOf(pnode), rpc::procedures::kInstanceRunRename,
                             json::array{spec, json::value(old_name), 0});
  if (!result.ok) {
    // Ganeti keeps the rename and warns: the OS may not know its new name.
    ctx.Feedback("Could not run OS rename script for instance " + new_name + " on node " +
                 pnode.name + " (but the instance has been renamed in Ganeti): " + result.error);
  }
  return json::value(new_name);
}

}  // namespace herd::master
