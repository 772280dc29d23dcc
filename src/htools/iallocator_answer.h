// The answer an iallocator gives masterd, {"success", "info", "result"},
// formatted for each request type as Ganeti's hail formats it.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace herd::htools {

// One opcode of an evacuation job, with the fields hail sets (Ganeti's iMoveToJob).
struct JobOpcode {
  enum class Kind {
    kMigrate,              // OP_INSTANCE_MIGRATE, failover allowed
    kFailover,             // OP_INSTANCE_FAILOVER, for forthcoming instances
    kReplaceNewSecondary,  // OP_INSTANCE_REPLACE_DISKS, mode replace_new_secondary
  };
  Kind kind = Kind::kMigrate;
  std::string instance;
  // target_node (migrate, failover; unset: the mirror's other node) or
  // remote_node (replace disks: the new secondary).
  std::optional<std::string> node;
};

// Ganeti's failover step of a move: a migration, or a failover when the
// instance is forthcoming (it does not run, so it cannot migrate).
JobOpcode FailoverStep(const std::string& instance, bool forthcoming,
                       std::optional<std::string> target_node = std::nullopt);
JobOpcode ReplaceSecondaryStep(const std::string& instance, const std::string& new_secondary);

// The opcode as Ganeti serialises it: {"OP_ID": ..., "instance_name": ..., ...}.
std::string SerializeJobOpcode(const JobOpcode& opcode);

// node-evacuate and change-group: Ganeti's [moved, failed, jobs].
struct EvacuationResult {
  struct Moved {
    std::string instance, group;     // the group's name
    std::vector<std::string> nodes;  // the instance's nodes afterwards, primary first
  };
  struct Failed {
    std::string instance, reason;
  };
  std::vector<Moved> moved;
  std::vector<Failed> failed;
  std::vector<std::vector<JobOpcode>> jobs;  // one job per moved instance
};

// multi-allocate: [[[instance, [nodes]]...], [failed instance names]].
struct MultiAllocateResult {
  std::vector<std::pair<std::string, std::vector<std::string>>> allocated;
  std::vector<std::string> failed;
  // Parallel to `failed` when set: why each failed; answered as Ganeti's
  // [name, reason] pairs.
  std::vector<std::string> failure_reasons;
};

// Successful answers. `info` is the placement's description; the answer's
// info is "Request successful: " followed by it, as hail writes it.
//
// allocate: the chosen nodes, primary first.
std::string FormatAllocateAnswer(const std::vector<std::string>& nodes, const std::string& info);
// relocate: the new node (hail's info is "success").
std::string FormatRelocateAnswer(const std::vector<std::string>& nodes);
// allocate-secondary: the new secondary node, as a single name.
std::string FormatAllocateSecondaryAnswer(const std::string& node, const std::string& info);
// node-evacuate and change-group; info counts the moved and failed instances.
std::string FormatEvacuationAnswer(const EvacuationResult& result);
// multi-allocate; info counts the allocated and failed instances.
std::string FormatMultiAllocateAnswer(const MultiAllocateResult& result);

// A failed request: success false, info "Request failed: <reason>", result [].
std::string FormatFailureAnswer(const std::string& reason);

}  // namespace herd::htools
