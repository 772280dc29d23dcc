// Choosing nodes for instances with an iallocator (Ganeti's external
// protocol; hail by default), for the logical units that create or move them.
#pragma once

#include <boost/json/array.hpp>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "master/cmdlib/lu_context.h"
#include "master/cmdlib/node_live_cache.h"
#include "master/iallocator/request.h"

namespace herd::master {

struct NewInstanceNeeds {
  std::string name, disk_template, os, hypervisor;
  int64_t memory = 0, vcpus = 1, spindle_use = 1;
  std::vector<std::pair<int64_t, std::string>> disks;  // size MiB, mode
  boost::json::array nics;
  std::vector<std::string> tags;
};

// The allocator the opcode names, else the cluster's default; empty if none.
std::string AllocatorName(LuContext& ctx, const std::string& requested);

// Primary node name for a new instance, reserved for the job (ctx.owner)
// until its instance is committed (see NodeLiveCache::Reserve). The caller
// locks the chosen node afterwards: allocations run one at a time without
// holding every node lock, so creations on other nodes go on meanwhile.
std::string AllocatePrimaryNode(LuContext& ctx, const std::string& allocator,
                                const NewInstanceNeeds& needs);
// What a new instance will take from its node until it is in the config.
NodeLiveCache::Reservation ReservationFor(const std::string& node_uuid,
                                          const NewInstanceNeeds& needs);
// Several new instances at once: name -> primary node, and the names that
// did not fit.
std::pair<std::vector<std::pair<std::string, std::string>>, std::vector<std::string>> AllocateMany(
    LuContext& ctx, const std::string& allocator, const std::vector<NewInstanceNeeds>& all);
// A new primary node for an instance moving off `from_node` (migration or
// failover of shared-storage instances).
std::string RelocationTarget(LuContext& ctx, const std::string& allocator,
                             const std::string& instance_name, const std::string& from_node_name);

// Jobs (each a list of opcodes as JSON text) that move `instances` off
// their node, as the allocator plans them ("node-evacuate").
std::vector<std::vector<std::string>> EvacuationPlan(LuContext& ctx, const std::string& allocator,
                                                     const std::vector<std::string>& instances,
                                                     const std::string& mode,
                                                     bool ignore_soft_errors);

// Jobs that move `instances` to other node groups (`target_groups`, names
// or uuids; empty: any other), as the allocator plans them ("change-group").
std::vector<std::vector<std::string>> ChangeGroupPlan(
    LuContext& ctx, const std::string& allocator, const std::vector<std::string>& instances,
    const std::vector<std::string>& target_groups);

// OP_TEST_ALLOCATOR: the allocator's input document for `request` when
// `allocator` is empty (direction "in"), else that allocator's answer to
// it, unchecked (direction "out").
std::string AllocatorTestText(LuContext& ctx, const iallocator::Request& request,
                              const std::string& allocator);

}  // namespace herd::master
