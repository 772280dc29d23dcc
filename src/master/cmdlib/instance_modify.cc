// OP_INSTANCE_SET_PARAMS and OP_INSTANCE_GROW_DISK.
#include "base/errors.h"
#include "base/json.h"
#include "master/cmdlib/common.h"
#include "master/cmdlib/instance.h"
#include "master/cmdlib/instance_common.h"
#include "master/cmdlib/instance_devices.h"
#include "master/cmdlib/instance_params.h"
#include "master/cmdlib/param_types.h"

namespace herd::master {
namespace {

// Ganeti's "default" value removes an instance-level override.
void Merge(json::object& target, const json::object& changes, const char* prefix,
           json::array& report) {
  for (const auto& kv : changes) {
    if (kv.value() == json::value("default")) {
      target.erase(kv.key());
      report.push_back(json::array{std::string(prefix) + std::string(kv.key()), "default"});
    } else {
      target[kv.key()] = kv.value();
      report.push_back(json::array{std::string(prefix) + std::string(kv.key()), kv.value()});
    }
  }
}

}  // namespace

json::value InstanceSetParams(LuContext& ctx, const json::object& op) {
  const bool devices = HasDeviceChanges(op);
  json::object be_given = DictParam(op, "beparams");
  json::object hv_given = DictParam(op, "hvparams");
  json::object os_given = DictParam(op, "osparams");
  auto offline = OptionalBool(op, "offline");
  auto os_name = OptionalString(op, "os_name");
  auto runtime_mem_it = op.find("runtime_mem");
  bool runtime_mem = runtime_mem_it != op.end() && !runtime_mem_it->value().is_null();
  const bool other_changes = !be_given.empty() || !hv_given.empty() || !os_given.empty() ||
                             offline || os_name || runtime_mem;
  if (!devices && !other_changes) {
    throw OpPrereqError("No changes submitted", kEcodeInval);
  }
  const bool force = BoolParam(op, "force", false);
  objects::Instance instance = LockInstance(ctx, RequiredString(op, "instance_name"));
  LockNodes(ctx, {instance.primary_node});
  ctx.op.NotifyStart();
  objects::Node pnode = ctx.config.Read(
      [&](const objects::ConfigData& d) { return d.nodes.at(instance.primary_node); });
  json::array report;
  if (devices) {
    const bool running = !pnode.offline && LiveInstanceInfo(ctx, pnode, instance.name);
    ModifyInstanceDevices(ctx, instance, pnode, running, op, report);
    if (!other_changes) return report;
    instance = ctx.config.Read(
        [&](const objects::ConfigData& d) { return d.instances.at(instance.uuid); });
  }

  // Backend parameters "default" pass through unchecked; the others are typed.
  json::object be_checked;
  {
    json::object to_check;
    for (const auto& kv : be_given) {
      if (kv.value() != json::value("default")) to_check[kv.key()] = kv.value();
    }
    be_checked = CheckedBeParams(to_check);
    for (const auto& kv : be_given) {
      if (kv.value() == json::value("default")) be_checked[kv.key()] = "default";
    }
  }
  json::object hv_checked;
  {
    json::object to_check;
    for (const auto& kv : hv_given) {
      if (kv.value() != json::value("default")) to_check[kv.key()] = kv.value();
    }
    hv_checked = CheckedHvParams(instance.hypervisor, to_check);
    for (const auto& kv : hv_given) {
      if (kv.value() == json::value("default")) hv_checked[kv.key()] = "default";
    }
  }

  json::object new_be = instance.beparams;
  Merge(new_be, be_checked, "be/", report);
  auto filled = ctx.config.Read(
      [&](const objects::ConfigData& d) { return objects::FilledBeParams(d, new_be); });
  int64_t new_max = GetIntOr(filled, "maxmem", 128);
  int64_t old_max = ctx.config.Read([&](const objects::ConfigData& d) {
    return GetIntOr(objects::FilledBeParams(d, instance), "maxmem", 128);
  });
  auto live = pnode.offline ? std::nullopt : LiveInstanceInfo(ctx, pnode, instance.name);
  if (new_max > old_max && live && !force) {
    // The instance must still be able to start after this change.
    int64_t free = NodeFreeMemory(ctx, pnode) + GetIntOr(*live, "memory", 0);
    if (new_max > free) {
      throw OpPrereqError("This change will prevent the instance from starting, due to " +
                              std::to_string(new_max - free) +
                              " MB of memory missing on its primary node",
                          kEcodeNoRes);
    }
  }
  if (os_name) {
    auto validated = ctx.rpc.Call(AddressOf(pnode), rpc::procedures::kOsValidate,
                                  json::array{json::value(*os_name), json::object()});
    if (!validated.ok) {
      throw OpPrereqError(
          "OS '" + *os_name + "' not usable on node " + pnode.name + ": " + validated.error,
          kEcodeInval);
    }
  }
  if (runtime_mem) {
    if (!live) {
      throw OpPrereqError(
          "Instance " + instance.name + " must be running to change its runtime memory",
          kEcodeState);
    }
    int64_t mem = ParseSizeMib(runtime_mem_it->value(), "runtime memory");
    auto result = ctx.rpc.Call(AddressOf(pnode), rpc::procedures::kInstanceBalloonMemory,
                               json::array{json::value(instance.name), mem});
    if (!result.ok) {
      throw OpExecError("Could not set the memory of instance " + instance.name + ": " +
                        result.error);
    }
    report.push_back(json::array{"runtime_memory", mem});
  }
  if (offline) {
    if (*offline && live) {
      throw OpPrereqError("Instance " + instance.name + " is running, cannot mark it offline",
                          kEcodeState);
    }
    if (!*offline && instance.admin_state != "offline") {
      throw OpPrereqError("Instance " + instance.name + " is not offline", kEcodeState);
    }
  }
  ctx.Commit([&](ConfigTxn& txn) {
    auto& inst = txn.MutableInstance(instance.uuid);
    inst.beparams = new_be;
    json::array hv_report, os_report;
    Merge(inst.hvparams, hv_checked, "hv/", report);
    Merge(inst.osparams, os_given, "os/", report);
    if (os_name) {
      inst.os = *os_name;
      report.push_back(json::array{"os", *os_name});
    }
    if (offline) {
      inst.admin_state = *offline ? "offline" : "down";
      report.push_back(json::array{"admin_state", inst.admin_state});
    }
    inst.serial_no += 1;
    inst.mtime = ToNumber(TimestampNow()[0], "time");
  });
  return report;
}

json::value InstanceGrowDisk(LuContext& ctx, const json::object& op) {
  objects::Instance instance = LockInstance(ctx, RequiredString(op, "instance_name"));
  auto nodes =
      ctx.config.Read([&](const objects::ConfigData& d) { return InstanceNodes(d, instance); });
  LockNodes(ctx, nodes);
  ctx.op.NotifyStart();
  auto index_it = op.find("disk");
  if (index_it == op.end() || !index_it->value().is_int64()) {
    throw OpPrereqError("Parameter 'disk' must be the disk index", kEcodeInval);
  }
  int64_t index = index_it->value().get_int64();
  if (index < 0 || index >= static_cast<int64_t>(instance.disks.size())) {
    throw OpPrereqError("Invalid disk index " + std::to_string(index) + ": instance " +
                            instance.name + " has " + std::to_string(instance.disks.size()) +
                            " disk(s)",
                        kEcodeInval);
  }
  auto amount_it = op.find("amount");
  if (amount_it == op.end()) throw OpPrereqError("Parameter 'amount' is required", kEcodeInval);
  int64_t amount = ParseSizeMib(amount_it->value(), "amount");
  objects::Disk disk = ctx.config.Read(
      [&](const objects::ConfigData& d) { return d.disks.at(instance.disks[index]); });
  if (BoolParam(op, "absolute", false)) {
    if (amount < disk.size) {
      throw OpPrereqError("Requested size (" + std::to_string(amount) +
                              ") is smaller than current disk size (" + std::to_string(disk.size) +
                              ")",
                          kEcodeInval);
    }
    amount -= disk.size;
  }
  if (amount == 0) {
    ctx.Feedback("Disk " + disk.iv_name + " already has the requested size");
    return nullptr;
  }
  if (disk.dev_type != "file" && disk.dev_type != "sharedfile") {
    throw OpPrereqError("Instance's disk layout '" + disk.dev_type + "' does not support growing",
                        kEcodeState);
  }
  json::value spec = rpc::ToJson(DiskSpecOf(disk));
  std::vector<objects::Node> holders = ctx.config.Read([&](const objects::ConfigData& d) {
    std::vector<objects::Node> out;
    for (const auto& n : disk.nodes) out.push_back(d.nodes.at(n));
    return out;
  });
  // A dry run on every node first, so that nothing grows unless all can.
  for (const auto& node : holders) {
    auto r = ctx.rpc.Call(AddressOf(node), rpc::procedures::kBlockdevGrow,
                          json::array{spec, amount, true});
    if (!r.ok) {
      throw OpPrereqError(
          "Cannot grow disk " + disk.iv_name + " on node " + node.name + ": " + r.error,
          kEcodeNoRes);
    }
  }
  ctx.Feedback("Growing disk " + std::to_string(index) + " of instance " + instance.name + " by " +
               std::to_string(amount) + " MiB");
  for (const auto& node : holders) {
    auto r = ctx.rpc.Call(AddressOf(node), rpc::procedures::kBlockdevGrow,
                          json::array{spec, amount, false});
    if (!r.ok) {
      throw OpExecError("Grow request failed to node " + node.name + ": " + r.error);
    }
  }
  ctx.Commit([&](ConfigTxn& txn) {
    auto& d = txn.MutableDisk(disk.uuid);
    d.size += amount;
    d.serial_no += 1;
  });
  return nullptr;
}

}  // namespace herd::master
