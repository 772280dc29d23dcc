// The master's side of Ganeti's iallocator protocol in one call per request
// type: build the input document, run the allocator, check its answer.
#pragma once

#include <string>
#include <vector>

#include "master/iallocator/answer.h"
#include "master/iallocator/request.h"
#include "master/iallocator/runner.h"

namespace herd::master::iallocator {

// The cluster's default_iallocator_params, the request's own parameters
// (--ignore-soft-errors) and the allocator's `params`, later ones winning.
AllocatorParams ParamsFor(const objects::ConfigData& config, const Allocator& allocator,
                          const Request& request);

// Runs the allocator on `request` and returns its answer unchecked (what
// OP_TEST_ALLOCATOR shows); the errors of BuildRequest and RunAllocatorScript.
std::string Run(const Allocator& allocator, const objects::ConfigData& config,
                const NodeLiveData& live, const Request& request);

// Each throws OpPrereqError (ECODE_NORES; ECODE_TEMP_NORES for an
// opportunistic allocation) with Ganeti's message when the allocator answers
// success=false, e.g. "Can't compute nodes using iallocator 'hail': <info>",
// and the errors of BuildRequest, RunAllocatorScript and the answer parsers.

// Checks an allocator's answer to `request` (Allocate's errors): the nodes.
std::vector<std::string> AllocateAnswer(const Allocator& allocator,
                                        const objects::ConfigData& config,
                                        const AllocateRequest& request, const std::string& output);

// Node names for the new instance, primary first (2 for drbd, else 1).
std::vector<std::string> Allocate(const Allocator& allocator, const objects::ConfigData& config,
                                  const NodeLiveData& live, const AllocateRequest& request);
// The instance's new node (its new secondary for drbd, its new primary else).
std::vector<std::string> Relocate(const Allocator& allocator, const objects::ConfigData& config,
                                  const NodeLiveData& live, const RelocateRequest& request);
EvacuationResult NodeEvacuate(const Allocator& allocator, const objects::ConfigData& config,
                              const NodeLiveData& live, const NodeEvacuateRequest& request);
EvacuationResult ChangeGroup(const Allocator& allocator, const objects::ConfigData& config,
                             const NodeLiveData& live, const ChangeGroupRequest& request);
MultiAllocateResult MultiAllocate(const Allocator& allocator, const objects::ConfigData& config,
                                  const NodeLiveData& live, const MultiAllocateRequest& request);

}  // namespace herd::master::iallocator
