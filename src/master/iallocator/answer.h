// The allocator's answer {success, info, result} and the shape of `result`
// for each request type, checked as Ganeti checks it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace herd::objects {
struct ConfigData;
}

namespace herd::master::iallocator {

struct RelocateRequest;

template <typename Result>
struct Answer {
  bool success = false;
  std::string info;  // the allocator's explanation; shown to the user on failure
  Result result{};   // checked and filled only when success is true
};

// An instance the allocator could not place, with its reason when it gave one.
struct FailedInstance {
  std::string instance;
  std::optional<std::string> reason;
};

// node-evacuate and change-group: Ganeti's [moved, failed, jobs].
struct EvacuationResult {
  struct Moved {
    std::string instance, group;     // the group's name
    std::vector<std::string> nodes;  // new node names, primary first
  };
  std::vector<Moved> moved;
  std::vector<FailedInstance> failed;
  // Jobs to submit, each a list of opcodes (OP_INSTANCE_FAILOVER,
  // OP_INSTANCE_MIGRATE, OP_INSTANCE_REPLACE_DISKS) as JSON text.
  std::vector<std::vector<std::string>> jobs;
};

// multi-allocate: [[[name, [nodes]]...], [failed...]].
struct MultiAllocateResult {
  std::vector<std::pair<std::string, std::vector<std::string>>> allocated;
  // Ganeti documents names; hail sends [name, reason] pairs. Both are read.
  std::vector<FailedInstance> failed;
};

// Each parses the allocator's standard output. Output that is not a JSON
// object with success, info and result (or the older "nodes") throws
// OpExecError "Can't parse iallocator results: ..."; a successful answer of
// the wrong shape throws ResultValidationError naming the allocator and what
// was expected.
//
// allocate and relocate: node names, exactly `required_nodes` of them.
Answer<std::vector<std::string>> ParseNodesAnswer(std::string_view output,
                                                  std::string_view allocator,
                                                  size_t required_nodes);
Answer<EvacuationResult> ParseEvacuationAnswer(std::string_view output, std::string_view allocator);
Answer<MultiAllocateResult> ParseMultiAllocateAnswer(std::string_view output,
                                                     std::string_view allocator);

// Ganeti's relocation check: the chosen nodes must stay within the groups of
// the instance's primary and of the nodes it leaves. Throws ResultValidationError.
void CheckRelocationGroups(const objects::ConfigData& config, const RelocateRequest& request,
                           const std::vector<std::string>& nodes, std::string_view allocator);

}  // namespace herd::master::iallocator
