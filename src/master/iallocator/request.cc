#include "master/iallocator/request.h"

#include <algorithm>
#include <set>

#include "base/errors.h"
#include "base/json.h"
#include "objects/config_data.h"

namespace herd::master::iallocator {
namespace {

using objects::ConfigData;
using objects::Instance;
using objects::Node;

constexpr int kIAllocatorVersion = 2;
constexpr int64_t kDrbdMetaSize = 128;  // MiB of DRBD metadata per disk

bool Contains(const std::vector<std::string>& list, std::string_view item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

bool ReportsStorage(std::string_view storage_type) {
  return storage_type == "file" || storage_type == "lvm-vg" || storage_type == "lvm-pv";
}

bool IsLvmTemplate(std::string_view dt) { return dt == "plain" || dt == "drbd"; }
bool IsInternallyMirrored(std::string_view dt) { return dt == "drbd"; }
bool IsMirrored(std::string_view dt) {
  return dt == "drbd" || dt == "diskless" || dt == "blockdev" || dt == "ext" ||
         dt == "sharedfile" || dt == "rbd" || dt == "gluster";
}

std::string PrimaryHypervisor(const ConfigData& config) {
  const auto& hvs = config.cluster.enabled_hypervisors;
  return hvs.empty() ? "" : hvs.front();
}

std::string NodeName(const ConfigData& config, const std::string& uuid) {
  auto it = config.nodes.find(uuid);
  return it == config.nodes.end() ? uuid : it->second.name;
}

const Instance& InstanceByName(const ConfigData& config, const std::string& name) {
  const Instance* instance = config.FindInstanceByName(name);
  if (!instance) {
    throw OpPrereqError("Instance '" + name + "' not known", kEcodeNoEnt);
  }
  return *instance;
}

const Node& NodeByName(const ConfigData& config, const std::string& name) {
  const Node* node = config.FindNodeByName(name);
  if (!node) {
    throw OpPrereqError("Node '" + name + "' not known", kEcodeNoEnt);
  }
  return *node;
}

std::vector<const objects::Disk*> DisksOf(const ConfigData& config, const Instance& instance) {
  std::vector<const objects::Disk*> disks;
  for (const auto& uuid : instance.disks) {
    auto it = config.disks.find(uuid);
    if (it == config.disks.end()) {
      throw ConfigurationError("instance " + instance.name + ": disk " + uuid + " is missing");
    }
    disks.push_back(&it->second);
  }
  return disks;
}

// Secondary nodes: every node of the instance's disks but the primary, in order.
std::vector<std::string> SecondaryNodes(const ConfigData& config, const Instance& instance) {
  std::vector<std::string> out;
  for (const objects::Disk* disk : DisksOf(config, instance)) {
    for (const auto& uuid : disk->nodes) {
      if (uuid != instance.primary_node && !Contains(out, uuid)) out.push_back(uuid);
    }
  }
  return out;
}

json::array StringArray(const std::vector<std::string>& items) {
  json::array out;
  for (const auto& s : items) out.emplace_back(s);
  return out;
}

json::value NullIfEmpty(const std::string& s) {
  return s.empty() ? json::value(nullptr) : json::value(s);
}

const json::object& SubObject(const json::object& o, std::string_view key) {
  static const json::object kEmpty;
  const json::value* v = o.if_contains(key);
  return v && v->is_object() ? v->get_object() : kEmpty;
}

// A disk's spindles: null when the config does not set them, as in Ganeti.
json::value DiskSpindles(const objects::Disk& disk) {
  if (disk.spindles != 0) return disk.spindles;
  if (const json::value* v = disk.extra.if_contains("spindles")) return *v;
  return nullptr;
}

bool IsForthcoming(const Instance& instance) {
  const json::value* v = instance.extra.if_contains("forthcoming");
  return v && v->is_bool() && v->get_bool();
}

// Ganeti's GetFilledHvStateParams: the default hypervisor's static state,
// cluster, then group, then node overriding.
json::object FilledHvState(const ConfigData& config, const Node& node) {
  const std::string hv = PrimaryHypervisor(config);
  json::object state = {
      {"cpu_node", 1}, {"cpu_total", 1}, {"mem_hv", 0}, {"mem_node", 0}, {"mem_total", 0}};
  if (const json::value* c = config.cluster.hv_state_static.if_contains(hv); c && c->is_object()) {
    state = c->get_object();
  }
  if (auto g = config.nodegroups.find(node.group); g != config.nodegroups.end()) {
    state = objects::FillDict(state, SubObject(g->second.hv_state_static, hv));
  }
  state = objects::FillDict(state, SubObject(node.hv_state_static, hv));
  return {{hv, std::move(state)}};
}

json::object NodeGroupData(const ConfigData& config) {
  json::object groups;
  for (const auto& [uuid, group] : config.nodegroups) {
    json::array networks;
    for (const auto& net : group.networks) networks.emplace_back(net.key());
    groups[uuid] = json::object{{"name", group.name},
                                {"alloc_policy", group.alloc_policy},
                                {"networks", std::move(networks)},
                                {"ipolicy", objects::FilledIPolicy(config, group)},
                                {"tags", StringArray(group.tags)}};
  }
  return groups;
}

struct InstanceBe {
  const Instance* instance;
  int64_t maxmem, vcpus, spindle_use;
};

std::vector<InstanceBe> FilledInstances(const ConfigData& config) {
  std::vector<InstanceBe> out;
  for (const auto& [uuid, inst] : config.instances) {
    json::object be = objects::FilledBeParams(config, inst);
    out.push_back({&inst, GetIntOr(be, "maxmem", 0), GetIntOr(be, "vcpus", 1),
                   GetIntOr(be, "spindle_use", 1)});
  }
  return out;
}

json::object NodeData(const ConfigData& config, const NodeLiveData& live,
                      const NodeInfoQuery& query, const std::vector<InstanceBe>& instances) {
  json::object nodes;
  // Each node's primaries, in the instances' order (one pass, not one per node).
  std::map<std::string_view, std::vector<const InstanceBe*>> primaries;
  for (const InstanceBe& ib : instances) primaries[ib.instance->primary_node].push_back(&ib);
  static const std::vector<const InstanceBe*> kNone;
  for (const auto& [uuid, node] : config.nodes) {
    json::object data{{"tags", StringArray(node.tags)},
                      {"primary_ip", node.primary_ip},
                      {"secondary_ip", node.secondary_ip},
                      {"offline", node.offline},
                      {"drained", node.drained},
                      {"master_candidate", node.master_candidate},
                      {"group", node.group},
                      {"master_capable", node.master_capable},
                      {"vm_capable", node.vm_capable},
                      {"ndparams", objects::FilledNodeParams(config, node)},
                      {"hv_state", FilledHvState(config, node)}};
    // Offline and non-vm_capable nodes are not asked; allocators treat them as
    // unusable and read no figures for them.
    if (node.offline || !node.vm_capable) {
      nodes[node.name] = std::move(data);
      continue;
    }
    auto it = live.find(uuid);
    if (it == live.end() || !it->second.answered) {
      std::string why = it == live.end() ? "no node information was gathered" : it->second.error;
      throw OpExecError("Can't get data for node " + node.name +
                        (why.empty() ? std::string() : ": " + why));
    }
    const NodeLiveFigures& f = it->second;
    // Memory an up instance may still claim counts as used (Ganeti's
    // _ComputeInstanceMemory).
    int64_t i_pri_memory = 0, i_pri_up_memory = 0, free_memory = f.memory_free;
    auto own = primaries.find(uuid);
    for (const InstanceBe* ibp : own == primaries.end() ? kNone : own->second) {
      const InstanceBe& ib = *ibp;
      const Instance& inst = *ib.instance;
      i_pri_memory += ib.maxmem;
      auto used = f.instance_memory.find(inst.name);
      const int64_t in_use = used == f.instance_memory.end() ? 0 : used->second;
      if (inst.admin_state == "up" && !IsForthcoming(inst)) {
        free_memory -= std::max<int64_t>(0, ib.maxmem - in_use);
        i_pri_up_memory += ib.maxmem;
      }
    }
    int64_t disk_free = f.disk_free;
    for (const PendingInstance& p : f.pending) {
      free_memory -= p.memory;
      i_pri_memory += p.memory;
      i_pri_up_memory += p.memory;
      disk_free -= DiskSpaceTotal(p.disk_template, p.disk_sizes);
    }
    data["total_memory"] = f.memory_total;
    data["reserved_memory"] = f.memory_dom0;
    data["free_memory"] = free_memory;
    data["total_disk"] = query.reports_storage ? f.disk_total : 0;
    data["free_disk"] = query.reports_storage ? disk_free : 0;
    data["total_spindles"] = query.reports_spindles ? f.spindles_total : 0;
    data["free_spindles"] = query.reports_spindles ? f.spindles_free : 0;
    data["total_cpus"] = f.cpu_total;
    data["reserved_cpus"] = f.cpu_dom0;
    data["i_pri_memory"] = i_pri_memory;
    data["i_pri_up_memory"] = i_pri_up_memory;
    nodes[node.name] = std::move(data);
  }
  return nodes;
}

json::object InstanceData(const ConfigData& config, const std::vector<InstanceBe>& instances) {
  json::object out;
  for (const InstanceBe& ib : instances) {
    const Instance& inst = *ib.instance;
    json::array nics;
    for (const auto& nic : inst.nics) {
      json::object params = objects::FilledNicParams(config, nic);
      const std::string mode = GetStringOr(params, "mode", "");
      const std::string link = GetStringOr(params, "link", "");
      json::object n{{"mac", nic.mac}, {"ip", NullIfEmpty(nic.ip)}, {"mode", mode}, {"link", link}};
      if (mode == "bridged") n["bridge"] = link;
      nics.emplace_back(std::move(n));
    }
    const std::string disk_template = objects::DiskTemplateOf(config, inst);
    json::array disks;
    int64_t disk_space = 0;
    for (const objects::Disk* disk : DisksOf(config, inst)) {
      disks.emplace_back(json::object{{"dev_type", disk->dev_type},
                                      {"size", disk->size},
                                      {"mode", disk->mode},
                                      {"spindles", DiskSpindles(*disk)}});
      disk_space += DiskSpaceTotal(disk->dev_type, {disk->size});
    }
    json::array nodes{json::value(NodeName(config, inst.primary_node))};
    for (const auto& uuid : SecondaryNodes(config, inst))
      nodes.emplace_back(NodeName(config, uuid));
    json::object data{{"tags", StringArray(inst.tags)},
                      {"admin_state", inst.admin_state},
                      {"admin_state_source", inst.admin_state_source},
                      {"vcpus", ib.vcpus},
                      {"memory", ib.maxmem},
                      {"spindle_use", ib.spindle_use},
                      {"os", inst.os},
                      {"nodes", std::move(nodes)},
                      {"nics", std::move(nics)},
                      {"disks", std::move(disks)},
                      {"disk_template", disk_template},
                      {"disks_active", inst.disks_active},
                      {"hypervisor", inst.hypervisor},
                      {"disk_space_total", disk_space}};
    if (IsForthcoming(inst)) data["forthcoming"] = true;
    out[inst.name] = std::move(data);
  }
  return out;
}

// The creations under way, as up instances on their nodes.
void AddPendingInstances(const ConfigData& config, const NodeLiveData& live, json::object& out) {
  for (const auto& [uuid, figures] : live) {
    for (const PendingInstance& p : figures.pending) {
      json::array disks;
      for (int64_t size : p.disk_sizes) {
        disks.emplace_back(json::object{
            {"dev_type", p.disk_template}, {"size", size}, {"mode", "rw"}, {"spindles", nullptr}});
      }
      out[p.name] =
          json::object{{"tags", json::array{}},
                       {"admin_state", "up"},
                       {"admin_state_source", "admin"},
                       {"vcpus", p.vcpus},
                       {"memory", p.memory},
                       {"spindle_use", p.spindle_use},
                       {"os", p.os},
                       {"nodes", json::array{json::value(NodeName(config, uuid))}},
                       {"nics", json::array{}},
                       {"disks", std::move(disks)},
                       {"disk_template", p.disk_template},
                       {"disks_active", true},
                       {"hypervisor", p.hypervisor},
                       {"disk_space_total", DiskSpaceTotal(p.disk_template, p.disk_sizes)}};
    }
  }
}

json::object AllocateRequestData(const ConfigData& config, const AllocateRequest& r) {
  if (r.name.empty()) throw OpPrereqError("Allocation request without an instance name");
  if (r.memory < 0 || r.spindle_use < 0 || r.vcpus < 0) {
    throw OpPrereqError("Allocation request for " + r.name +
                        ": memory, vcpus and spindle_use must not be negative");
  }
  if (StorageTypeOf(r.disk_template).empty()) {
    throw OpPrereqError("Allocation request for " + r.name + ": unknown disk template '" +
                        r.disk_template + "'");
  }
  if (r.group_name && !config.FindGroupByName(*r.group_name)) {
    throw OpPrereqError("Node group '" + *r.group_name + "' not found", kEcodeNoEnt);
  }
  json::array disks;
  std::vector<int64_t> sizes;
  for (const DiskSpec& d : r.disks) {
    json::object disk{{"size", d.size}, {"mode", d.mode}, {"dev_type", r.disk_template}};
    if (d.spindles) disk["spindles"] = *d.spindles;
    disks.emplace_back(std::move(disk));
    sizes.push_back(d.size);
  }
  json::array nics;
  for (const NicSpec& n : r.nics) {
    json::object nic{{"mac", n.mac.empty() ? "auto" : n.mac}, {"ip", NullIfEmpty(n.ip)}};
    json::object nicparams;
    if (!n.mode.empty()) nic["mode"] = nicparams["mode"] = n.mode;
    if (!n.link.empty()) nic["link"] = nicparams["link"] = n.link;
    if (n.mode == "bridged" && !n.link.empty()) nic["bridge"] = n.link;
    if (!n.network.empty()) nic["network"] = n.network;
    if (!n.name.empty()) nic["name"] = n.name;
    nic["nicparams"] = std::move(nicparams);
    nics.emplace_back(std::move(nic));
  }
  json::object out{{"name", r.name},
                   {"disk_template", r.disk_template},
                   {"group_name", r.group_name ? json::value(*r.group_name) : json::value()},
                   {"tags", StringArray(r.tags)},
                   {"os", r.os},
                   {"vcpus", r.vcpus},
                   {"memory", r.memory},
                   {"spindle_use", r.spindle_use},
                   {"disks", std::move(disks)},
                   {"disk_space_total", DiskSpaceTotal(r.disk_template, sizes)},
                   {"nics", std::move(nics)},
                   {"required_nodes", RequiredNodes(r)},
                   {"hypervisor", r.hypervisor.empty() ? PrimaryHypervisor(config) : r.hypervisor}};
  if (r.node_whitelist) {
    for (const auto& name : *r.node_whitelist) NodeByName(config, name);
    out["restrict-to-nodes"] = StringArray(*r.node_whitelist);
  }
  return out;
}

json::object RelocateRequestData(const ConfigData& config, const RelocateRequest& r) {
  const Instance& inst = InstanceByName(config, r.instance_name);
  const auto disks = DisksOf(config, inst);
  bool any_internal = false;
  int64_t disk_space = 0;
  for (const objects::Disk* disk : disks) {
    if (!IsMirrored(disk->dev_type)) {
      throw OpPrereqError("Can't relocate non-mirrored instances", kEcodeInval);
    }
    any_internal = any_internal || IsInternallyMirrored(disk->dev_type);
    disk_space += DiskSpaceTotal(disk->dev_type, {disk->size});
  }
  if (disks.empty() && !IsMirrored(objects::DiskTemplateOf(config, inst))) {
    throw OpPrereqError("Can't relocate non-mirrored instances", kEcodeInval);
  }
  if (any_internal && SecondaryNodes(config, inst).size() != 1) {
    throw OpPrereqError("Instance has not exactly one secondary node", kEcodeState);
  }
  for (const auto& name : r.relocate_from) NodeByName(config, name);
  return {{"name", inst.name},
          {"disk_space_total", disk_space},
          {"required_nodes", 1},
          {"relocate_from", StringArray(r.relocate_from)}};
}

json::array InstanceNames(const ConfigData& config, const std::vector<std::string>& names) {
  for (const auto& name : names) InstanceByName(config, name);
  return StringArray(names);
}

json::object NodeEvacuateRequestData(const ConfigData& config, const NodeEvacuateRequest& r) {
  static const std::vector<std::string> kModes{"primary-only", "secondary-only", "all"};
  if (!Contains(kModes, r.evac_mode)) {
    throw OpPrereqError("Invalid evacuation mode '" + r.evac_mode +
                        "'; use primary-only, secondary-only or all");
  }
  return {{"instances", InstanceNames(config, r.instances)}, {"evac_mode", r.evac_mode}};
}

json::object ChangeGroupRequestData(const ConfigData& config, const ChangeGroupRequest& r) {
  json::array groups;
  for (const auto& g : r.target_groups) {
    if (config.nodegroups.contains(g)) {
      groups.emplace_back(g);
    } else if (const objects::NodeGroup* group = config.FindGroupByName(g)) {
      groups.emplace_back(group->uuid);
    } else {
      throw OpPrereqError("Node group '" + g + "' not found", kEcodeNoEnt);
    }
  }
  return {{"instances", InstanceNames(config, r.instances)}, {"target_groups", std::move(groups)}};
}

json::object RequestData(const ConfigData& config, const Request& request) {
  json::object out = std::visit(
      [&](const auto& r) -> json::object {
        using T = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<T, AllocateRequest>) {
          return AllocateRequestData(config, r);
        } else if constexpr (std::is_same_v<T, RelocateRequest>) {
          return RelocateRequestData(config, r);
        } else if constexpr (std::is_same_v<T, NodeEvacuateRequest>) {
          return NodeEvacuateRequestData(config, r);
        } else if constexpr (std::is_same_v<T, ChangeGroupRequest>) {
          return ChangeGroupRequestData(config, r);
        } else {
          json::array all;
          for (const auto& one : r.instances) all.emplace_back(AllocateRequestData(config, one));
          return {{"instances", std::move(all)}};
        }
      },
      request);
  out["type"] = std::string(ModeName(request));
  return out;
}

}  // namespace

std::string_view ModeName(const Request& request) {
  static constexpr std::string_view kNames[] = {"allocate", "relocate", "node-evacuate",
                                                "change-group", "multi-allocate"};
  return kNames[request.index()];
}

int RequiredNodes(const AllocateRequest& request) {
  if (request.required_nodes > 0) return request.required_nodes;
  return IsInternallyMirrored(request.disk_template) ? 2 : 1;
}

int64_t DiskSpaceTotal(const std::string& disk_template, const std::vector<int64_t>& sizes) {
  if (StorageTypeOf(disk_template).empty()) {
    throw OpPrereqError("Disk template '" + disk_template + "' size requirement is unknown");
  }
  if (disk_template == "diskless" || disk_template == "blockdev") return 0;
  int64_t total = 0;
  for (int64_t size : sizes) total += size + (disk_template == "drbd" ? kDrbdMetaSize : 0);
  return total;
}

std::string StorageTypeOf(std::string_view disk_template) {
  static const std::map<std::string, std::string, std::less<>> kStorage{
      {"blockdev", "blockdev"}, {"diskless", "diskless"}, {"drbd", "lvm-vg"},
      {"ext", "ext"},           {"file", "file"},         {"gluster", "gluster"},
      {"plain", "lvm-vg"},      {"rbd", "rados"},         {"sharedfile", "sharedfile"}};
  auto it = kStorage.find(disk_template);
  return it == kStorage.end() ? "" : it->second;
}

bool HasLiveData(const objects::Node& node) { return node.vm_capable && !node.offline; }

NodeInfoQuery NodeInfoQueryFor(const ConfigData& config, const Request& request, bool with_nodes) {
  NodeInfoQuery q;
  if (with_nodes) {
    for (const auto& [uuid, node] : config.nodes) {
      if (HasLiveData(node)) q.node_uuids.push_back(uuid);
    }
  }
  q.hypervisor = PrimaryHypervisor(config);
  const auto& enabled = config.cluster.enabled_disk_templates;
  q.disk_template = enabled.empty() ? "diskless" : enabled.front();
  if (const auto* alloc = std::get_if<AllocateRequest>(&request)) {
    if (!alloc->hypervisor.empty()) q.hypervisor = alloc->hypervisor;
    q.disk_template = alloc->disk_template;
  } else if (const auto* reloc = std::get_if<RelocateRequest>(&request)) {
    const Instance& inst = InstanceByName(config, reloc->instance_name);
    q.hypervisor = inst.hypervisor;
    q.disk_template = objects::DiskTemplateOf(config, inst);
  } else if (const auto* multi = std::get_if<MultiAllocateRequest>(&request)) {
    // Ganeti falls back to the cluster's first template here; one shared by
    // every new instance describes their storage better.
    std::set<std::string> templates;
    for (const auto& one : multi->instances) templates.insert(one.disk_template);
    if (templates.size() == 1) q.disk_template = *templates.begin();
  }
  q.storage_type = StorageTypeOf(q.disk_template);
  q.reports_storage = ReportsStorage(q.storage_type);
  q.reports_spindles = IsLvmTemplate(q.disk_template);
  return q;
}

std::string BuildRequest(const ConfigData& config, const NodeLiveData& live,
                         const Request& request) {
  return SerializeJson(BuildRequestDocument(config, live, request));
}

json::value BuildRequestPart(const ConfigData& config, const Request& request) {
  return RequestData(config, request);
}

json::value BuildRequestDocument(const ConfigData& config, const NodeLiveData& live,
                                 const Request& request) {
  const NodeInfoQuery query = NodeInfoQueryFor(config, request);
  json::object request_data = RequestData(config, request);
  const auto instances = FilledInstances(config);
  json::object instance_data = InstanceData(config, instances);
  AddPendingInstances(config, live, instance_data);
  json::object doc{{"version", kIAllocatorVersion},
                   {"cluster_name", config.cluster.cluster_name},
                   {"cluster_tags", StringArray(config.cluster.tags)},
                   {"enabled_hypervisors", StringArray(config.cluster.enabled_hypervisors)},
                   // Protocol version 1's key, still read by old allocator scripts.
                   {"hypervisor_type", PrimaryHypervisor(config)},
                   {"ipolicy", config.cluster.ipolicy},
                   {"nodegroups", NodeGroupData(config)},
                   {"nodes", NodeData(config, live, query, instances)},
                   {"instances", std::move(instance_data)},
                   {"request", std::move(request_data)}};
  return doc;
}

}  // namespace herd::master::iallocator
