// OP_INSTANCE_MIGRATE, OP_INSTANCE_FAILOVER and OP_INSTANCE_MOVE: an
// instance changes its primary node. Every prerequisite (template, state,
// target node's memory and disk) is checked before anything changes.
#include "base/errors.h"
#include "base/json.h"
#include "master/cmdlib/allocation.h"
#include "master/cmdlib/common.h"
#include "master/cmdlib/instance.h"
#include "master/cmdlib/instance_common.h"

namespace herd::master {
namespace {

constexpr int64_t kCopyChunk = 1024 * 1024;

struct Plan {
  objects::Instance instance;
  objects::Node source, target;
  std::string disk_template;
  int64_t memory = 0;
};

std::string Template(LuContext& ctx, const objects::Instance& instance) {
  return ctx.config.Read(
      [&](const objects::ConfigData& d) { return objects::DiskTemplateOf(d, instance); });
}

// Locks the instance, picks and locks the target node (given, or from the
// allocator for shared storage), and checks what every move needs.
Plan PlanMove(LuContext& ctx, const json::object& op, const char* action, bool shared_only) {
  Plan p;
  p.instance = LockInstance(ctx, RequiredString(op, "instance_name"));
  p.disk_template = Template(ctx, p.instance);
  if (shared_only && !IsSharedStorageTemplate(p.disk_template)) {
    throw OpPrereqError("Instance's disk layout '" + p.disk_template + "' does not allow " +
                            action + "s; use 'gnt-instance move' for " + p.disk_template + " disks",
                        kEcodeState);
  }
  std::string target_name = OptionalString(op, "target_node").value_or("");
  if (target_name.empty()) {
    std::string allocator = AllocatorName(ctx, OptionalString(op, "iallocator").value_or(""));
    if (allocator.empty()) {
      throw OpPrereqError(std::string("No target node given for the ") + action +
                              " and no default iallocator; use -n NODE or -I ALLOCATOR",
                          kEcodeInval);
    }
    ctx.locks.AcquireAll(ctx.owner, locking::Level::kNode, false);
    ctx.locks.AcquireAll(ctx.owner, locking::Level::kNodeRes, false);
    std::string source_name = ctx.config.Read(
        [&](const objects::ConfigData& d) { return d.nodes.at(p.instance.primary_node).name; });
    target_name = RelocationTarget(ctx, allocator, p.instance.name, source_name);
    ctx.Feedback("Selected target node " + target_name + " for the " + action + " of " +
                 p.instance.name + " using iallocator " + allocator);
  }
  ctx.config.Read([&](const objects::ConfigData& d) {
    p.source = d.nodes.at(p.instance.primary_node);
    p.target = ExpandNode(d, target_name);
    p.memory = GetIntOr(objects::FilledBeParams(d, p.instance), "maxmem", 128);
    return 0;
  });
  if (ctx.locks.OwnsAll(ctx.owner, locking::Level::kNode)) {
    ctx.locks.ReleaseExcept(ctx.owner, locking::Level::kNode, {p.source.uuid, p.target.uuid});
    ctx.locks.ReleaseExcept(ctx.owner, locking::Level::kNodeRes, {p.source.uuid, p.target.uuid});
  } else {
    LockNodes(ctx, {p.source.uuid, p.target.uuid});
  }
  ctx.op.NotifyStart();
  if (p.target.uuid == p.source.uuid) {
    throw OpPrereqError("Instance " + p.instance.name + " is already on node " + p.target.name,
                        kEcodeInval);
  }
  CheckNodeOnline(p.target, "as target node");
  CheckNodeNotDrained(p.target, "as target node");
  CheckNodeVmCapable(p.target);
  return p;
}

// The instance now lives on `target`: its primary node and its disks' nodes.
void CommitNewPrimary(LuContext& ctx, const Plan& p,
                      const std::map<std::string, std::string>& new_paths = {}) {
  ctx.Commit([&](ConfigTxn& txn) {
    auto& inst = txn.MutableInstance(p.instance.uuid);
    inst.primary_node = p.target.uuid;
    inst.serial_no += 1;
    for (const auto& uuid : inst.disks) {
      auto& d = txn.MutableDisk(uuid);
      d.nodes = {p.target.uuid};
      if (auto it = new_paths.find(uuid); it != new_paths.end()) {
        d.logical_id = json::array{d.logical_id.empty() ? json::value("loop") : d.logical_id[0],
                                   json::value(it->second)};
      }
      d.serial_no += 1;
    }
  });
}

json::value SpecJson(LuContext& ctx, const objects::Instance& instance) {
  return ctx.config.Read(
      [&](const objects::ConfigData& d) { return rpc::ToJson(InstanceSpecOf(d, instance)); });
}

json::value DoFailover(LuContext& ctx, const Plan& p, const json::object& op) {
  const bool start = p.instance.admin_state == "up";
  if (start) {
    CheckNodeFreeMemory(ctx, p.target, p.memory, "failing over instance " + p.instance.name);
  }
  ctx.Feedback("* shutting down instance " + p.instance.name + " on source node " + p.source.name);
  if (!p.source.offline) {
    try {
      ShutdownInstanceOnNode(ctx, p.instance, p.source);
    } catch (const GanetiError& e) {
      if (!BoolParam(op, "ignore_consistency", false)) throw;
      ctx.Feedback(std::string("Warning: ") + e.what() + " (ignored: --ignore-consistency)");
    }
  }
  CommitNewPrimary(ctx, p);
  if (start) {
    ctx.Feedback("* starting the instance on the target node " + p.target.name);
    StartInstanceAfterCommit(ctx, p.instance, p.target);
  }
  return nullptr;
}

}  // namespace

json::value InstanceMigrate(LuContext& ctx, const json::object& op) {
  Plan p = PlanMove(ctx, op, "migration", true);
  bool running = !p.source.offline && LiveInstanceInfo(ctx, p.source, p.instance.name);
  if (!running) {
    if (BoolParam(op, "allow_failover", false) || p.instance.admin_state != "up") {
      ctx.Feedback("Instance " + p.instance.name + " is not running, doing a failover instead");
      return DoFailover(ctx, p, op);
    }
    throw OpPrereqError("Instance " + p.instance.name + " is not running on " + p.source.name +
                            ", cannot migrate (use --allow-failover)",
                        kEcodeState);
  }
  CheckNodeFreeMemory(ctx, p.target, p.memory, "migrating instance " + p.instance.name);
  json::value spec = SpecJson(ctx, p.instance);
  ctx.Feedback("* checking target node " + p.target.name + " and reserving memory");
  auto accepted =
      ctx.rpc.Call(AddressOf(p.target), rpc::procedures::kAcceptInstance, json::array{spec});
  if (!accepted.ok) {
    throw OpExecError("Target node " + p.target.name + " cannot accept instance " +
                      p.instance.name + ": " + accepted.error);
  }
  ctx.Feedback("* migrating instance to " + p.target.name);
  auto migrated = ctx.rpc.Call(AddressOf(p.source), rpc::procedures::kInstanceMigrate,
                               json::array{json::value(p.instance.name)});
  if (!migrated.ok) {
    ctx.rpc.Call(AddressOf(p.target), rpc::procedures::kFinalizeMigrationDst,
                 json::array{json::value(p.instance.name), false});
    throw OpExecError("Could not migrate instance " + p.instance.name + ": " + migrated.error);
  }
  CommitNewPrimary(ctx, p);
  auto finalized = ctx.rpc.Call(AddressOf(p.target), rpc::procedures::kFinalizeMigrationDst,
                                json::array{json::value(p.instance.name), true});
  if (!finalized.ok) {
    // The instance lives on the target now (committed): warn, don't fail.
    ctx.Feedback("Warning: could not finalize the migration of " + p.instance.name + " on " +
                 p.target.name + ": " + finalized.error +
                 "; the instance is on the target node, check it with gnt-instance info");
  }
  ctx.Feedback("* done");
  return nullptr;
}

json::value InstanceFailover(LuContext& ctx, const json::object& op) {
  Plan p = PlanMove(ctx, op, "failover", true);
  return DoFailover(ctx, p, op);
}

json::value InstanceMove(LuContext& ctx, const json::object& op) {
  if (!OptionalString(op, "target_node")) {
    throw OpPrereqError("Parameter 'target_node' is required for a move", kEcodeInval);
  }
  Plan p = PlanMove(ctx, op, "move", false);
  if (p.disk_template != "file" && p.disk_template != "sharedfile" &&
      p.disk_template != "diskless") {
    throw OpPrereqError("Instance disk template " + p.disk_template + " cannot be moved",
                        kEcodeState);
  }
  const bool start = p.instance.admin_state == "up";
  if (start) CheckNodeFreeMemory(ctx, p.target, p.memory, "moving instance " + p.instance.name);
  auto disks =
      ctx.config.Read([&](const objects::ConfigData& d) { return InstanceDisks(d, p.instance); });
  const bool copy = p.disk_template == "file";  // shared files are already reachable
  std::vector<objects::Disk> target_disks;
  if (copy) {
    for (auto d : disks) {
      d.nodes = {p.target.uuid};
      target_disks.push_back(d);
    }
    ctx.Feedback("* creating disks on target node " + p.target.name);
    CreateDisks(ctx, target_disks, p.target);
  }
  auto undo_target = [&] { RemoveDisks(ctx, target_disks); };
  ctx.Feedback("* shutting down instance " + p.instance.name + " on source node " + p.source.name);
  try {
    ShutdownInstanceOnNode(ctx, p.instance, p.source);
  } catch (...) {
    undo_target();
    throw;
  }
  if (copy) {
    try {
      for (size_t i = 0; i < disks.size(); ++i) {
        json::value src = rpc::ToJson(DiskSpecOf(disks[i]));
        json::value dst = rpc::ToJson(DiskSpecOf(target_disks[i]));
        ctx.Feedback("* copying disk " + std::to_string(i) + " to " + p.target.name);
        auto map = AsObject(
            ctx.rpc
                .Call(AddressOf(p.source), rpc::procedures::kBlockdevDataExtents, json::array{src})
                .Get("Can't read disk " + disks[i].iv_name),
            "extents");
        for (const auto& e : AsArray(map.at("extents"), "extents")) {
          int64_t offset = ToInt(e.as_array()[0], "offset");
          int64_t length = ToInt(e.as_array()[1], "length");
          for (int64_t at = offset; at < offset + length; at += kCopyChunk) {
            int64_t n = std::min(kCopyChunk, offset + length - at);
            json::value data = ctx.rpc
                                   .Call(AddressOf(p.source), rpc::procedures::kBlockdevRead,
                                         json::array{src, at, n})
                                   .Get("Can't read disk " + disks[i].iv_name);
            ctx.rpc
                .Call(AddressOf(p.target), rpc::procedures::kBlockdevWrite,
                      json::array{dst, at, data})
                .Get("Can't write disk " + disks[i].iv_name);
          }
        }
      }
    } catch (...) {
      undo_target();
      throw;
    }
  }
  CommitNewPrimary(ctx, p);
  if (copy) {
    ctx.Feedback("* removing the disks on source node " + p.source.name);
    for (const auto& d : disks) {
      auto result = ctx.rpc.Call(AddressOf(p.source), rpc::procedures::kBlockdevRemove,
                                 json::array{rpc::ToJson(DiskSpecOf(d))});
      if (!result.ok) {
        ctx.Feedback("Could not remove disk " + d.iv_name + " on " + p.source.name + ": " +
                     result.error);
      }
    }
  }
  if (start) {
    ctx.Feedback("* starting the instance on the target node " + p.target.name);
    StartInstanceAfterCommit(ctx, p.instance, p.target);
  }
  return nullptr;
}

}  // namespace herd::master
