// Moving existing instances for the iallocator (Ganeti's Cluster/Evacuate.hs
// and tryChangeGroup): node evacuation, group change and the single-instance
// relocation built on them, each instance producing one job of opcodes.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "htools/allocation.h"
#include "htools/cluster.h"
#include "htools/iallocator_answer.h"
#include "htools/iallocator_request.h"

namespace herd::htools {

// Ganeti's EvacSolution, by index, in the order the instances were handled.
struct EvacSolution {
  struct Moved {
    int instance = -1, group = -1;
    std::vector<int> nodes;  // primary first
  };
  std::vector<Moved> moved;
  std::vector<std::pair<int, std::string>> failed;  // instance, reason
  std::vector<std::vector<JobOpcode>> jobs;         // one per moved instance
};

// Ganeti's nodeEvacInstance: moves instance `idx` within (or into) `group`
// using the nodes `available`; on success updates `cluster` and returns the
// job, otherwise returns nothing and sets `error`.
std::optional<std::vector<JobOpcode>> NodeEvacInstance(Cluster& cluster, int idx, EvacMode mode,
                                                       int group, const std::vector<int>& available,
                                                       bool ignore_soft_errors, std::string& error);

// Ganeti's tryNodeEvac: every instance moved off the nodes `mode` names.
EvacSolution TryNodeEvac(Cluster& cluster, EvacMode mode, const std::vector<int>& instances,
                         const AllocOptions& options);

// Ganeti's tryChangeGroup: every instance moved to the best of the target
// groups (all groups the instances are not in, when `target_groups` is empty).
EvacSolution TryChangeGroup(Cluster& cluster, const std::vector<int>& target_groups,
                            const std::vector<int>& instances, const AllocOptions& options);

// The answer's form of a solution: names instead of indices.
EvacuationResult DescribeEvacuation(const Cluster& cluster, const EvacSolution& solution);

}  // namespace herd::htools
