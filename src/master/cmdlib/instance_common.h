// Helpers shared by the instance logical units: lookups, locks, the
// instance as nodes see it, live state and capacity checks, and the
// start/stop/disk steps several opcodes share.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "master/cmdlib/lu_context.h"
#include "objects/config_data.h"
#include "rpc/instance_spec.h"

namespace herd::master {

// The instance named `name`, or OpPrereqError "Instance 'x' not known".
const objects::Instance& ExpandInstance(const objects::ConfigData& config, const std::string& name);

// Takes the BGL shared and the instance lock (by name), then returns a copy
// of the instance as it is once locked.
// `also_lock` names more instance locks taken in the same step (a level is
// acquired once): the new name of a rename.
objects::Instance LockInstance(LuContext& ctx, const std::string& name, bool shared = false,
                               const std::vector<std::string>& also_lock = {});
// Locks the nodes (and their resources) by uuid, in one go.
void LockNodes(LuContext& ctx, const std::vector<std::string>& node_uuids, bool shared = false);

// Node uuids holding the instance: primary first, then the disks' other nodes.
std::vector<std::string> InstanceNodes(const objects::ConfigData& config,
                                       const objects::Instance& instance);
std::vector<std::string> SecondaryNodes(const objects::ConfigData& config,
                                        const objects::Instance& instance);

// The instance with every parameter filled in, as node RPCs take it.
rpc::InstanceSpec InstanceSpecOf(const objects::ConfigData& config,
                                 const objects::Instance& instance);
rpc::DiskSpec DiskSpecOf(const objects::Disk& disk);
boost::json::array DiskSpecsOf(const objects::ConfigData& config,
                               const objects::Instance& instance);

// Node must be online / not drained / vm capable, else OpPrereqError.
void CheckNodeOnline(const objects::Node& node, const std::string& what);
void CheckNodeNotDrained(const objects::Node& node, const std::string& what);
void CheckNodeVmCapable(const objects::Node& node);

// The node's free memory for instances, as its hypervisor reports it.
int64_t NodeFreeMemory(LuContext& ctx, const objects::Node& node);
// OpPrereqError (insufficient resources) unless the node can give `required` MiB.
void CheckNodeFreeMemory(LuContext& ctx, const objects::Node& node, int64_t required,
                         const std::string& reason);
// The call NodeFreeMemory makes, for a batch with others; and the same check
// on its answer.
rpc::BatchCall NodeFreeMemoryCall();
void CheckNodeFreeMemoryAnswer(const objects::Node& node, const rpc::RpcResult& node_info,
                               int64_t required, const std::string& reason);

// Live state of the instance on `node`: its hypervisor record, or nothing
// when it does not run there.
std::optional<boost::json::object> LiveInstanceInfo(LuContext& ctx, const objects::Node& node,
                                                    const std::string& instance_name);

// Starts / stops the instance on `node` (OpExecError on failure). Node RPCs
// are never made under the config lock: the instance's spec is read first.
void StartInstanceOnNode(LuContext& ctx, const objects::Instance& instance,
                         const objects::Node& node);
// Starts the instance after the opcode's config change was committed: that
// change stands, so a failure is a warning in the job log (the watcher
// restarts instances that should run).
void StartInstanceAfterCommit(LuContext& ctx, const objects::Instance& instance,
                              const objects::Node& node);
void ShutdownInstanceOnNode(LuContext& ctx, const objects::Instance& instance,
                            const objects::Node& node, int timeout_seconds = 120);

// Removes the (stopped) instance's disks and then the instance from the
// config (Ganeti's RemoveInstance); a disk that cannot be removed is an
// OpExecError unless `ignore_failures`.
void RemoveInstanceAndDisks(LuContext& ctx, const objects::Instance& instance,
                            bool ignore_failures);

// Records the admin state ("up", "down", "offline") in the config.
void SetAdminState(LuContext& ctx, const std::string& instance_uuid, const std::string& state);

// Creates every disk of the instance on `node_uuid`; on failure removes
// what was created and throws.
void CreateDisks(LuContext& ctx, const std::vector<objects::Disk>& disks,
                 const objects::Node& node);
// Removes the disks from every node holding them; returns false (after
// feedback) if some could not be removed.
bool RemoveDisks(LuContext& ctx, const std::vector<objects::Disk>& disks);

// The disks of the instance, in order (copies).
std::vector<objects::Disk> InstanceDisks(const objects::ConfigData& config,
                                         const objects::Instance& instance);

// The disk templates whose data lives outside the node (migration to any
// node), and those whose disks can be copied between nodes.
bool IsSharedStorageTemplate(const std::string& disk_template);

}  // namespace herd::master
