// The input document of Ganeti's iallocator protocol (version 2): the
// cluster as the allocator sees it, plus one request of five kinds.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace boost::json {
class value;
}  // namespace boost::json

namespace herd::objects {
struct ConfigData;
struct Node;
}  // namespace herd::objects

namespace herd::master::iallocator {

// A creation under way on a node (its node chosen, its instance not in the
// config yet). The request lists it among the node's up instances, so that
// the allocator counts its memory, disks and vcpus as taken, as it will
// once the instance is there.
struct PendingInstance {
  std::string name, disk_template, os, hypervisor;
  int64_t memory = 0, vcpus = 1, spindle_use = 1;
  std::vector<int64_t> disk_sizes;  // MiB
};

// What a node told us through node_info and all_instances_info; the master
// gathers these before building the request (see NodeInfoQueryFor).
struct NodeLiveFigures {
  bool answered = false;
  std::string error;  // why the node did not answer, for the error message
  int64_t memory_total = 0, memory_free = 0, memory_dom0 = 0;  // MiB, as the hypervisor sees them
  int64_t cpu_total = 0, cpu_dom0 = 0;
  int64_t disk_total = 0, disk_free = 0;          // MiB, of the queried template's storage
  int64_t spindles_total = 0, spindles_free = 0;  // LVM physical volumes (plain, drbd)
  // Running instances on the node: name -> memory they use now (MiB). An up
  // instance that uses less than its maxmem still counts its full maxmem.
  std::map<std::string, int64_t> instance_memory;
  std::vector<PendingInstance> pending;  // creations under way here
};
// Keyed by node uuid.
using NodeLiveData = std::map<std::string, NodeLiveFigures>;

struct DiskSpec {
  int64_t size = 0;  // MiB
  std::string mode = "rw";
  std::optional<int64_t> spindles;
};

struct NicSpec {
  std::string mac, ip, network, name;  // empty: none
  std::string mode, link;              // the NIC's own nicparams; empty: not given
};

// A new instance ("allocate"); also each element of a multi-allocation.
struct AllocateRequest {
  std::string name, disk_template, os, hypervisor;
  int64_t memory = 0, vcpus = 1, spindle_use = 1;
  std::vector<DiskSpec> disks;
  std::vector<NicSpec> nics;
  std::vector<std::string> tags;
  int required_nodes = 0;                 // 0: from the disk template (2 for drbd, else 1)
  std::optional<std::string> group_name;  // allocate only in this group
  // Node names the allocator may choose from ("restrict-to-nodes").
  std::optional<std::vector<std::string>> node_whitelist;
  // A negative answer is then only temporary (Ganeti's opportunistic locking).
  bool opportunistic_locking = false;
};

// A new node for an existing instance, replacing `relocate_from` (node names).
struct RelocateRequest {
  std::string instance_name;
  std::vector<std::string> relocate_from;
};

struct NodeEvacuateRequest {
  std::vector<std::string> instances;  // names
  std::string evac_mode = "all";       // "primary-only", "secondary-only", "all"
  bool ignore_soft_errors = false;     // passed to the allocator as --ignore-soft-errors
};

struct ChangeGroupRequest {
  std::vector<std::string> instances;      // names
  std::vector<std::string> target_groups;  // group names or uuids; empty: any other group
};

struct MultiAllocateRequest {
  std::vector<AllocateRequest> instances;
};

using Request = std::variant<AllocateRequest, RelocateRequest, NodeEvacuateRequest,
                             ChangeGroupRequest, MultiAllocateRequest>;

// The request's "type": "allocate", "relocate", "node-evacuate", "change-group",
// "multi-allocate".
std::string_view ModeName(const Request& request);

// Node count an allocation needs: its required_nodes, else 2 for drbd, else 1.
int RequiredNodes(const AllocateRequest& request);

// Disk space the disks take on a node under `disk_template` (Ganeti's
// ComputeDiskSize: drbd adds 128 MiB of metadata per disk, diskless and
// blockdev take none); throws OpPrereqError for an unknown template.
int64_t DiskSpaceTotal(const std::string& disk_template, const std::vector<int64_t>& sizes);

// What the master must ask the nodes before BuildRequest, as Ganeti does.
struct NodeInfoQuery {
  std::vector<std::string> node_uuids;  // every vm_capable node that is not offline
  std::string hypervisor;               // whose memory and CPU figures to report
  std::string disk_template;            // whose storage the disk figures describe
  std::string storage_type;             // its storage type ("lvm-vg", "file", ...)
  bool reports_storage = false;         // false: disk figures are sent as 0
  bool reports_spindles = false;        // LVM templates only
};
// Without `with_nodes`, node_uuids stays empty (a thousand copies fewer
// for a caller that checks the nodes itself, see HasLiveData).
NodeInfoQuery NodeInfoQueryFor(const objects::ConfigData& config, const Request& request,
                               bool with_nodes = true);
// Whether the node is one whose live figures a query asks for (node_uuids).
bool HasLiveData(const objects::Node& node);

// Ganeti's MAP_DISK_TEMPLATE_STORAGE_TYPE ("file" -> "file", "drbd" ->
// "lvm-vg", ...); "" for an unknown template.
std::string StorageTypeOf(std::string_view disk_template);

// The whole input document, as JSON text. Nodes that are offline or not
// vm_capable carry only their configuration; every other node must have
// answered in `live` (else OpExecError "Can't get data for node ...").
// Requests naming unknown instances, nodes or groups throw OpPrereqError.
std::string BuildRequest(const objects::ConfigData& config, const NodeLiveData& live,
                         const Request& request);
// The document's "request" part alone.
boost::json::value BuildRequestPart(const objects::ConfigData& config, const Request& request);
// The same document, unserialised (for an allocator in the master daemon).
boost::json::value BuildRequestDocument(const objects::ConfigData& config, const NodeLiveData& live,
                                        const Request& request);

}  // namespace herd::master::iallocator
