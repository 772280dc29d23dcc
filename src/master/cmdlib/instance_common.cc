#include "master/cmdlib/instance_common.h"

#include <map>

#include "base/errors.h"
#include "base/json.h"
#include "master/cmdlib/common.h"

namespace herd::master {

const objects::Instance& ExpandInstance(const objects::ConfigData& config,
                                        const std::string& name) {
  if (const auto* i = config.FindInstanceByName(name)) return *i;
  if (auto it = config.instances.find(name); it != config.instances.end()) return it->second;
  throw OpPrereqError("Instance '" + name + "' not known", kEcodeNoEnt);
}

objects::Instance LockInstance(LuContext& ctx, const std::string& name, bool shared,
                               const std::vector<std::string>& also_lock) {
  AcquireBgl(ctx, true);
  std::string canonical = ctx.config.Read(
      [&](const objects::ConfigData& data) { return ExpandInstance(data, name).name; });
  std::vector<std::string> names{canonical};
  names.insert(names.end(), also_lock.begin(), also_lock.end());
  ctx.locks.Acquire(ctx.owner, locking::Level::kInstance, names, shared);
  return ctx.config.Read(
      [&](const objects::ConfigData& data) { return ExpandInstance(data, canonical); });
}

void LockNodes(LuContext& ctx, const std::vector<std::string>& node_uuids, bool shared) {
  ctx.locks.Acquire(ctx.owner, locking::Level::kNode, node_uuids, shared);
  ctx.locks.Acquire(ctx.owner, locking::Level::kNodeRes, node_uuids, shared);
}

std::vector<std::string> InstanceNodes(const objects::ConfigData& config,
                                       const objects::Instance& instance) {
  std::vector<std::string> out{instance.primary_node};
  for (const auto& n : SecondaryNodes(config, instance)) out.push_back(n);
  return out;
}

std::vector<std::string> SecondaryNodes(const objects::ConfigData& config,
                                        const objects::Instance& instance) {
  std::vector<std::string> out;
  for (const auto& d : instance.disks) {
    auto it = config.disks.find(d);
    if (it == config.disks.end()) continue;
    for (const auto& n : it->second.nodes) {
      if (n != instance.primary_node && std::find(out.begin(), out.end(), n) == out.end()) {
        out.push_back(n);
      }
    }
  }
  return out;
}

rpc::DiskSpec DiskSpecOf(const objects::Disk& disk) {
  rpc::DiskSpec d;
  d.uuid = disk.uuid;
  d.name = disk.name;
  d.dev_type = disk.dev_type;
  d.mode = disk.mode;
  d.size_mib = disk.size;
  if (disk.logical_id.size() == 2 && disk.logical_id[0].is_string() &&
      disk.logical_id[1].is_string()) {
    d.driver = std::string(disk.logical_id[0].get_string());
    d.path = std::string(disk.logical_id[1].get_string());
  }
  return d;
}

std::vector<objects::Disk> InstanceDisks(const objects::ConfigData& config,
                                         const objects::Instance& instance) {
  std::vector<objects::Disk> out;
  for (const auto& uuid : instance.disks) {
    auto it = config.disks.find(uuid);
    if (it == config.disks.end()) {
      throw ConfigurationError("Instance " + instance.name + " refers to unknown disk " + uuid);
    }
    out.push_back(it->second);
  }
  return out;
}

json::array DiskSpecsOf(const objects::ConfigData& config, const objects::Instance& instance) {
  json::array out;
  for (const auto& d : InstanceDisks(config, instance)) out.push_back(rpc::ToJson(DiskSpecOf(d)));
  return out;
}

rpc::InstanceSpec InstanceSpecOf(const objects::ConfigData& config,
                                 const objects::Instance& instance) {
  rpc::InstanceSpec s;
  s.name = instance.name;
  s.uuid = instance.uuid;
  s.os = instance.os;
  s.hypervisor = instance.hypervisor;
  s.beparams = objects::FilledBeParams(config, instance);
  s.hvparams = objects::FilledHvParams(config, instance);
  s.osparams = objects::FilledOsParams(config, instance);
  s.memory_mib = GetIntOr(s.beparams, "maxmem", 128);
  s.vcpus = GetIntOr(s.beparams, "vcpus", 1);
  for (const auto& d : InstanceDisks(config, instance)) s.disks.push_back(DiskSpecOf(d));
  for (const auto& nic : instance.nics) {
    auto params = objects::FilledNicParams(config, nic);
    s.nics.push_back({nic.uuid, nic.name, nic.mac, nic.ip, GetStringOr(params, "mode", ""),
                      GetStringOr(params, "link", "")});
  }
  return s;
}

void CheckNodeOnline(const objects::Node& node, const std::string& what) {
  if (node.offline) {
    throw OpPrereqError("Can't use offline node " + node.name + (what.empty() ? "" : " " + what),
                        kEcodeState);
  }
}

void CheckNodeNotDrained(const objects::Node& node, const std::string& what) {
  if (node.drained) {
    throw OpPrereqError("Can't use drained node " + node.name + (what.empty() ? "" : " " + what),
                        kEcodeState);
  }
}

void CheckNodeVmCapable(const objects::Node& node) {
  if (!node.vm_capable) {
    throw OpPrereqError("Can't use non-vm_capable node " + node.name, kEcodeState);
  }
}

rpc::BatchCall NodeFreeMemoryCall() {
  return {rpc::procedures::kNodeInfo, json::array{json::array{}, json::array{"fake"}}};
}

namespace {

int64_t FreeMemoryIn(const objects::Node& node, const rpc::RpcResult& result) {
  if (!result.ok) {
    throw OpPrereqError("Can't compute free memory on node " + node.name + ": " + result.error,
                        kEcodeEnviron);
  }
  const auto& answer = AsArray(result.payload, "node_info answer");
  if (answer.size() < 3 || AsArray(answer[2], "hypervisor info").empty()) {
    throw OpPrereqError("Node " + node.name + " did not report its memory", kEcodeEnviron);
  }
  const auto& hv = AsObject(answer[2].get_array()[0], "hypervisor info");
  return GetInt(hv, "memory_free", "hypervisor info of " + node.name);
}

rpc::RpcResult AskFreeMemory(LuContext& ctx, const objects::Node& node) {
  const rpc::BatchCall call = NodeFreeMemoryCall();
  return ctx.rpc.Call(AddressOf(node), call.procedure, call.args);
}

}  // namespace

int64_t NodeFreeMemory(LuContext& ctx, const objects::Node& node) {
  return FreeMemoryIn(node, AskFreeMemory(ctx, node));
}

void CheckNodeFreeMemoryAnswer(const objects::Node& node, const rpc::RpcResult& node_info,
                               int64_t required, const std::string& reason) {
  const int64_t free = FreeMemoryIn(node, node_info);
  if (required > free) {
    throw OpPrereqError("Not enough memory on node " + node.name + " for " + reason + ": needed " +
                            std::to_string(required) + " MiB, available " + std::to_string(free) +
                            " MiB",
                        kEcodeNoRes);
  }
}

void CheckNodeFreeMemory(LuContext& ctx, const objects::Node& node, int64_t required,
                         const std::string& reason) {
  CheckNodeFreeMemoryAnswer(node, AskFreeMemory(ctx, node), required, reason);
}

std::optional<json::object> LiveInstanceInfo(LuContext& ctx, const objects::Node& node,
                                             const std::string& instance_name) {
  auto result = ctx.rpc.Call(AddressOf(node), rpc::procedures::kInstanceInfo,
                             json::array{json::value(instance_name)});
  const auto& info = AsObject(result.Get("Error checking node " + node.name), "instance info");
  if (info.empty()) return std::nullopt;
  return info;
}

void StartInstanceOnNode(LuContext& ctx, const objects::Instance& instance,
                         const objects::Node& node) {
  auto spec = ctx.config.Read(
      [&](const objects::ConfigData& d) { return rpc::ToJson(InstanceSpecOf(d, instance)); });
  auto result =
      ctx.rpc.Call(AddressOf(node), rpc::procedures::kInstanceStart, json::array{spec, false});
  if (!result.ok) {
    throw OpExecError("Could not start instance " + instance.name + " on node " + node.name + ": " +
                      result.error);
  }
}

void StartInstanceAfterCommit(LuContext& ctx, const objects::Instance& instance,
                              const objects::Node& node) {
  try {
    StartInstanceOnNode(ctx, instance, node);
  } catch (const GanetiError& e) {
    ctx.Feedback(std::string("Warning: ") + (e.args().empty() ? e.what() : e.args()[0]) +
                 "; the instance stays marked up and ganeti-watcher will start it");
  }
}

void ShutdownInstanceOnNode(LuContext& ctx, const objects::Instance& instance,
                            const objects::Node& node, int timeout_seconds) {
  auto result = ctx.rpc.Call(AddressOf(node), rpc::procedures::kInstanceShutdown,
                             json::array{json::value(instance.name), timeout_seconds});
  if (!result.ok) {
    throw OpExecError("Could not shutdown instance " + instance.name + " on node " + node.name +
                      ": " + result.error);
  }
}

void SetAdminState(LuContext& ctx, const std::string& instance_uuid, const std::string& state) {
  ctx.Commit([&](ConfigTxn& txn) {
    auto& inst = txn.MutableInstance(instance_uuid);
    if (inst.admin_state == state) return;
    inst.admin_state = state;
    inst.admin_state_source = "admin";
    inst.serial_no += 1;
    inst.mtime = ToNumber(TimestampNow()[0], "time");
  });
}

void CreateDisks(LuContext& ctx, const std::vector<objects::Disk>& disks,
                 const objects::Node& node) {
  std::vector<objects::Disk> created;
  for (const auto& disk : disks) {
    auto result = ctx.rpc.Call(AddressOf(node), rpc::procedures::kBlockdevCreate,
                               json::array{rpc::ToJson(DiskSpecOf(disk))});
    if (!result.ok) {
      RemoveDisks(ctx, created);
      throw OpExecError("Can't create block device " + disk.iv_name + " on node " + node.name +
                        ": " + result.error);
    }
    created.push_back(disk);
  }
}

bool RemoveDisks(LuContext& ctx, const std::vector<objects::Disk>& disks) {
  std::map<std::string, objects::Node> holders = ctx.config.Read([&](const objects::ConfigData& d) {
    std::map<std::string, objects::Node> out;
    for (const auto& disk : disks) {
      for (const auto& uuid : disk.nodes) {
        if (auto it = d.nodes.find(uuid); it != d.nodes.end()) out.emplace(uuid, it->second);
      }
    }
    return out;
  });
  bool all_ok = true;
  for (const auto& disk : disks) {
    for (const auto& node_uuid : disk.nodes) {
      auto it = holders.find(node_uuid);
      if (it == holders.end() || it->second.offline) continue;
      auto result = ctx.rpc.Call(AddressOf(it->second), rpc::procedures::kBlockdevRemove,
                                 json::array{rpc::ToJson(DiskSpecOf(disk))});
      if (!result.ok) {
        ctx.Feedback("Could not remove disk " + disk.iv_name + " on node " + it->second.name +
                     ": " + result.error);
        all_ok = false;
      }
    }
  }
  return all_ok;
}

bool IsSharedStorageTemplate(const std::string& disk_template) {
  return disk_template == "sharedfile" || disk_template == "diskless";
}

}  // namespace herd::master
