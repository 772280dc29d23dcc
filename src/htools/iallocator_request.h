// The iallocator backend of htools: a request document as masterd writes it
// for an external allocator (Ganeti's doc/iallocator.rst), read into the
// request type and the cluster model.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "htools/cluster_model.h"

namespace boost::json {
class value;
}  // namespace boost::json

namespace herd::htools {

// A new instance to place ("allocate", and each entry of "multi-allocate").
struct AllocateRequest {
  // Name, memory, disk_space_total (as `disk`), disks, vcpus, disk template,
  // tags, NICs, spindle use; no nodes yet (primary and secondary are -1).
  Instance instance;
  int required_nodes = 1;
  std::optional<std::string> group_name;  // allocate only in this group
  // Ganeti's "restrict-to-nodes": consider only these nodes (allocate only).
  std::optional<std::vector<std::string>> restrict_to_nodes;
};

// "relocate": a new secondary (internally mirrored) or primary (externally
// mirrored) node for one instance, away from `relocate_from`.
struct RelocateRequest {
  int instance = -1;  // index into ClusterData::instances
  int required_nodes = 1;
  std::vector<int> relocate_from;  // indices into ClusterData::nodes
};

// "change-group": move instances to one of the target groups (any group when empty).
struct ChangeGroupRequest {
  std::vector<int> instances;      // indices into ClusterData::instances
  std::vector<int> target_groups;  // indices into ClusterData::groups
};

enum class EvacMode { kPrimaryOnly, kSecondaryOnly, kAll };
// "primary-only", "secondary-only", "all".
std::string_view EvacModeName(EvacMode mode);

// "node-evacuate": move instances off their nodes.
struct NodeEvacuateRequest {
  std::vector<int> instances;  // indices into ClusterData::instances
  EvacMode mode = EvacMode::kAll;
};

// "multi-allocate": several new instances, placed in order.
struct MultiAllocateRequest {
  std::vector<AllocateRequest> instances;
};

// "allocate-secondary": a secondary node for an instance converted to drbd.
struct AllocateSecondaryRequest {
  int instance = -1;  // index into ClusterData::instances
};

using IAllocatorRequestType =
    std::variant<AllocateRequest, RelocateRequest, ChangeGroupRequest, NodeEvacuateRequest,
                 MultiAllocateRequest, AllocateSecondaryRequest>;

struct IAllocatorRequest {
  IAllocatorRequestType request;
  ClusterData cluster;
};

// The request's "type" as it appears in the document ("allocate", "relocate",
// "change-group", "node-evacuate", "multi-allocate", "allocate-secondary").
std::string_view RequestTypeName(const IAllocatorRequestType& request);

// Parses an iallocator request. Nodes that are offline, drained or not
// vm_capable are offline in the model, as in Ganeti's hail. Errors are
// ParameterError whose message starts with `source` and then reads as hail's
// (e.g. "invalid request dict: key 'name': Unable to read String").
IAllocatorRequest ParseIAllocatorRequest(const std::string& json_text, const std::string& source);
// The "request" part of a document alone, on the cluster `data`.
IAllocatorRequestType ParseRequestPart(const boost::json::value& request_part,
                                       const ClusterData& data, const std::string& source);
// The same, from a document already parsed.
IAllocatorRequest ParseIAllocatorRequest(const boost::json::value& document,
                                         const std::string& source);

}  // namespace herd::htools
