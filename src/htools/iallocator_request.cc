#include "htools/iallocator_request.h"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <cmath>
#include <unordered_map>

#include "base/errors.h"
#include "base/json.h"

namespace herd::htools {
namespace {

const std::vector<std::string> kDiskTemplates{"blockdev", "diskless", "drbd", "ext",       "file",
                                              "gluster",  "plain",    "rbd",  "sharedfile"};
const std::vector<std::string> kAllocPolicies{"preferred", "last_resort", "unallocable"};
const std::vector<std::string> kHypervisors{"chroot", "fake", "kvm", "lxc", "xen-hvm", "xen-pvm"};
const std::vector<std::string> kNicModes{"bridged", "routed", "openvswitch"};
const std::vector<std::string> kEvacModes{"primary-only", "secondary-only", "all"};

bool Contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::string Quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

// The keys of an object as Haskell shows a list of strings: ["a","b"].
std::string KeyList(const json::object& o) {
  std::string out = "[";
  for (const auto& kv : o) {
    if (out.size() > 1) out += ',';
    out += Quoted(kv.key());
  }
  return out + "]";
}

std::optional<std::string> AsString(const json::value& v) {
  if (!v.is_string()) return std::nullopt;
  return std::string(v.get_string());
}

std::optional<double> AsDouble(const json::value& v) {
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  if (v.is_double()) return v.get_double();
  return std::nullopt;
}

// Ganeti's JSON library reads any number as an integer, rounding it.
std::optional<int64_t> AsInt(const json::value& v) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64()) return static_cast<int64_t>(v.get_uint64());
  if (v.is_double()) return static_cast<int64_t>(std::nearbyint(v.get_double()));
  return std::nullopt;
}

// Typed access to the keys of one JSON object; errors read as Ganeti's
// tryFromObj errors, prefixed with the source: "<source>: <owner>: key 'k': ...".
class Fields {
 public:
  Fields(const std::string& source, std::string owner, const json::object& object)
      : source_(source), owner_(std::move(owner)), object_(object) {}

  // Checks that `v` (the value of `owner`) is an object.
  static const json::object& ObjectOf(const std::string& source, const std::string& owner,
                                      const json::value& v) {
    if (!v.is_object()) throw ParameterError(source + ": " + owner + ": not a JSON object");
    return v.get_object();
  }

  const std::string& source() const { return source_; }
  const std::string& owner() const { return owner_; }

  [[noreturn]] void Fail(const std::string& message) const {
    throw ParameterError(source_ + ": " + owner_ + ": " + message);
  }
  [[noreturn]] void FailKey(std::string_view key, const std::string& message) const {
    Fail("key '" + std::string(key) + "': " + message);
  }

  const json::value& Get(std::string_view key) const {
    const json::value* v = object_.if_contains(key);
    if (!v) {
      Fail("key '" + std::string(key) + "' not found, object contains only " + KeyList(object_));
    }
    return *v;
  }
  // Absent and null keys are both missing, as in Ganeti's maybeFromObj.
  const json::value* Find(std::string_view key) const {
    const json::value* v = object_.if_contains(key);
    return v && !v->is_null() ? v : nullptr;
  }

  std::string String(std::string_view key) const { return StringOf(key, Get(key)); }
  int64_t Int(std::string_view key) const { return IntOf(key, Get(key)); }
  double Number(std::string_view key) const {
    auto d = AsDouble(Get(key));
    if (!d) FailKey(key, "Unable to read Double");
    return *d;
  }
  bool Bool(std::string_view key) const {
    const json::value& v = Get(key);
    if (!v.is_bool()) FailKey(key, "Unable to read Bool");
    return v.get_bool();
  }
  const json::array& Array(std::string_view key) const {
    const json::value& v = Get(key);
    if (!v.is_array()) FailKey(key, "Unable to read list");
    return v.get_array();
  }
  const json::object& Object(std::string_view key) const {
    const json::value& v = Get(key);
    if (!v.is_object()) FailKey(key, "Unable to read JSObject");
    return v.get_object();
  }
  std::vector<std::string> Strings(std::string_view key) const {
    std::vector<std::string> out;
    for (const json::value& item : Array(key)) out.push_back(StringOf(key, item));
    return out;
  }
  std::string OneOf(std::string_view key, const char* type_name,
                    const std::vector<std::string>& allowed) const {
    std::string s = String(key);
    if (!Contains(allowed, s)) {
      FailKey(key, std::string("Invalid string value for type ") + type_name + ": " + Quoted(s));
    }
    return s;
  }

  std::optional<std::string> OptionalString(std::string_view key) const {
    const json::value* v = Find(key);
    if (!v) return std::nullopt;
    return StringOf(key, *v);
  }
  std::optional<int64_t> OptionalInt(std::string_view key) const {
    const json::value* v = Find(key);
    if (!v) return std::nullopt;
    return IntOf(key, *v);
  }
  std::optional<std::vector<std::string>> OptionalStrings(std::string_view key) const {
    if (!Find(key)) return std::nullopt;
    return Strings(key);
  }

  // A nested object, whose errors name this owner and the key.
  Fields Sub(std::string_view key) const {
    return Fields(source_, owner_ + ": key '" + std::string(key) + "'", Object(key));
  }

 private:
  std::string StringOf(std::string_view key, const json::value& v) const {
    auto s = AsString(v);
    if (!s) FailKey(key, "Unable to read String");
    return *s;
  }
  int64_t IntOf(std::string_view key, const json::value& v) const {
    auto i = AsInt(v);
    if (!i) FailKey(key, "Unable to read Int");
    return *i;
  }

  const std::string& source_;
  std::string owner_;
  const json::object& object_;
};

ISpec ParseISpec(const Fields& f) {
  return ISpec{f.Int("memory-size"), f.Int("cpu-count"), f.Int("disk-size"),
               f.Int("disk-count"),  f.Int("nic-count"), f.Int("spindle-use")};
}

IPolicy ParseIPolicy(const Fields& f) {
  IPolicy p;
  p.minmax.clear();
  const json::array& minmax = f.Array("minmax");
  for (size_t i = 0; i < minmax.size(); ++i) {
    const std::string owner = f.owner() + ": key 'minmax' [" + std::to_string(i) + "]";
    Fields specs(f.source(), owner, Fields::ObjectOf(f.source(), owner, minmax[i]));
    p.minmax.push_back({ParseISpec(specs.Sub("min")), ParseISpec(specs.Sub("max"))});
  }
  p.std_spec = ParseISpec(f.Sub("std"));
  p.disk_templates = f.Strings("disk-templates");
  for (const auto& dt : p.disk_templates) {
    if (!Contains(kDiskTemplates, dt)) {
      f.FailKey("disk-templates", "Invalid string value for type DiskTemplate: " + Quoted(dt));
    }
  }
  p.vcpu_ratio = f.Number("vcpu-ratio");
  p.spindle_ratio = f.Number("spindle-ratio");
  return p;
}

Group ParseGroup(const std::string& source, const std::string& uuid, const json::value& v) {
  const std::string owner = "invalid data for group '" + uuid + "'";
  Fields f(source, owner, Fields::ObjectOf(source, owner, v));
  Group g;
  g.uuid = uuid;
  g.name = f.String("name");
  g.alloc_policy = f.OneOf("alloc_policy", "AllocPolicy", kAllocPolicies);
  g.networks = f.Strings("networks");
  g.ipolicy = ParseIPolicy(f.Sub("ipolicy"));
  g.tags = f.Strings("tags");
  return g;
}

Node ParseNode(const ClusterData& data, const std::string& source, const std::string& name,
               const json::value& v) {
  const std::string owner = "invalid data for node '" + name + "'";
  Fields f(source, owner, Fields::ObjectOf(source, owner, v));
  Node n;
  n.name = name;
  const bool offline = f.Bool("offline");
  n.drained = f.Bool("drained");
  const std::string group = f.String("group");
  if (const json::value* vm = f.Find("vm_capable")) {
    if (!vm->is_bool()) f.FailKey("vm_capable", "Unable to read Bool");
    n.vm_capable = vm->get_bool();
  }
  n.group = data.FindGroup(group);
  if (n.group < 0) {
    throw ParameterError(source + ": Unknown group '" + group + "' for node " + name);
  }
  const Fields ndparams(source, owner + ": key 'ndparams'", f.Object("ndparams"));
  if (f.Find("tags")) n.tags = f.Strings("tags");
  n.exclusive_storage = ndparams.Bool("exclusive_storage");
  // Ganeti reads no figures for a node that is offline or not vm_capable.
  const bool live = !offline && n.vm_capable;
  n.offline = !live || n.drained;
  if (n.exclusive_storage) {
    n.spindles = live ? f.Int("total_spindles") : 0;
  } else {
    n.spindles = ndparams.Int("spindle_count");
  }
  if (live) {
    n.free_spindles = f.Int("free_spindles");
    n.total_memory = f.Number("total_memory");
    n.node_memory = static_cast<double>(f.Int("reserved_memory"));
    n.free_memory = static_cast<double>(f.Int("free_memory"));
    n.total_disk = f.Number("total_disk");
    n.free_disk = static_cast<double>(f.Int("free_disk"));
    n.total_cpus = f.Number("total_cpus");
    n.node_cpus = static_cast<double>(f.Int("reserved_cpus"));
  } else {
    n.node_cpus = 0;
  }
  return n;
}

InstanceNic ParseNic(const Fields& instance, size_t index, const json::value& v) {
  const std::string owner = instance.owner() + ": nic " + std::to_string(index);
  Fields f(instance.source(), owner, Fields::ObjectOf(instance.source(), owner, v));
  InstanceNic nic;
  nic.mac = f.OptionalString("mac");
  nic.ip = f.OptionalString("ip");
  nic.mode = f.OptionalString("mode");
  if (nic.mode && !Contains(kNicModes, *nic.mode)) f.FailKey("mode", "invalid NIC mode");
  nic.link = f.OptionalString("link");
  nic.bridge = f.OptionalString("bridge");
  nic.network = f.OptionalString("network");
  return nic;
}

// What cluster instances and new instances share (Ganeti's parseBaseInstance).
Instance ParseBaseInstance(const std::string& source, const std::string& name,
                           const json::object& o) {
  Fields f(source, "invalid data for instance '" + name + "'", o);
  Instance inst;
  inst.name = name;
  inst.disk = f.Int("disk_space_total");
  const json::array& disks = f.Array("disks");
  std::optional<int64_t> spindles = 0;
  for (size_t i = 0; i < disks.size(); ++i) {
    const std::string owner = f.owner() + ": disk " + std::to_string(i);
    Fields d(source, owner, Fields::ObjectOf(source, owner, disks[i]));
    InstanceDisk disk{d.Int("size"), d.OptionalInt("spindles")};
    spindles = spindles && disk.spindles ? std::optional(*spindles + *disk.spindles) : std::nullopt;
    inst.disks.push_back(disk);
  }
  inst.spindles = spindles;
  inst.disks_listed = true;
  inst.memory = f.Int("memory");
  inst.vcpus = f.Int("vcpus");
  inst.tags = f.Strings("tags");
  inst.disk_template = f.OneOf("disk_template", "DiskTemplate", kDiskTemplates);
  inst.spindle_use = f.Int("spindle_use");
  const json::array& nics = f.Array("nics");
  for (size_t i = 0; i < nics.size(); ++i) inst.nics.push_back(ParseNic(f, i, nics[i]));
  // Like Ganeti, an absent or unreadable admin_state means up, and an absent
  // or unreadable forthcoming means not forthcoming.
  const json::value* admin_state = o.if_contains("admin_state");
  const std::string state = admin_state ? AsString(*admin_state).value_or("up") : "up";
  inst.status = state == "down" ? "ADMIN_down" : state == "offline" ? "ADMIN_offline" : "running";
  const json::value* forthcoming = o.if_contains("forthcoming");
  inst.forthcoming = forthcoming && forthcoming->is_bool() && forthcoming->get_bool();
  return inst;
}

using NodeIndex = std::unordered_map<std::string, int>;

Instance ParseInstance(const NodeIndex& node_index, const std::string& source,
                       const std::string& name, const json::value& v) {
  const std::string owner = "invalid data for instance '" + name + "'";
  const json::object& o = Fields::ObjectOf(source, owner, v);
  Instance inst = ParseBaseInstance(source, name, o);
  Fields f(source, owner, o);
  const std::vector<std::string> nodes = f.Strings("nodes");
  if (nodes.empty()) throw ParameterError(source + ": empty node list for instance " + name);
  auto lookup = [&](const std::string& node) {
    auto found = node_index.find(node);
    const int index = found == node_index.end() ? -1 : found->second;
    if (index < 0) {
      throw ParameterError(source + ": Unknown node '" + node + "' for instance " + name);
    }
    return index;
  };
  inst.primary = lookup(nodes[0]);
  if (nodes.size() > 1) inst.secondary = lookup(nodes[1]);
  return inst;
}

int FindInstance(const ClusterData& data, const std::string& name) {
  for (size_t i = 0; i < data.instances.size(); ++i) {
    if (data.instances[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

int LookupInstance(const ClusterData& data, const std::string& source, const std::string& name) {
  int index = FindInstance(data, name);
  if (index < 0) throw ParameterError(source + ": Unknown instance '" + name + "'");
  return index;
}

AllocateRequest ParseAllocation(const std::string& source, const Fields& request,
                                const json::object& o) {
  AllocateRequest r;
  Fields f(source, "invalid request dict", o);
  const std::string name = f.String("name");
  // The group comes from the request: a multi-allocation's instances share
  // its group_name, whatever group they name themselves (as in Ganeti).
  r.group_name = request.OptionalString("group_name");
  r.restrict_to_nodes = f.OptionalStrings("restrict-to-nodes");
  r.required_nodes = static_cast<int>(f.Int("required_nodes"));
  r.instance = ParseBaseInstance(source, name, o);
  return r;
}

IAllocatorRequestType ParseRequestType(const std::string& source, const ClusterData& data,
                                       const json::object& request_object) {
  const Fields request(source, "invalid request dict", request_object);
  const std::string type = request.String("type");
  if (type == "allocate") {
    return ParseAllocation(source, request, request_object);
  }
  if (type == "relocate") {
    RelocateRequest r;
    r.instance = LookupInstance(data, source, request.String("name"));
    r.required_nodes = static_cast<int>(request.Int("required_nodes"));
    for (const auto& node : request.Strings("relocate_from")) {
      int index = data.FindNode(node);
      if (index < 0)
        throw ParameterError(source + ": Unknown node '" + node + "' in relocate_from");
      r.relocate_from.push_back(index);
    }
    return r;
  }
  if (type == "change-group") {
    ChangeGroupRequest r;
    for (const auto& name : request.Strings("instances")) {
      r.instances.push_back(LookupInstance(data, source, name));
    }
    for (const auto& group : request.Strings("target_groups")) {
      int index = data.FindGroup(group);
      if (index < 0)
        throw ParameterError(source + ": Unknown group '" + group + "' in target_groups");
      r.target_groups.push_back(index);
    }
    return r;
  }
  if (type == "node-evacuate") {
    NodeEvacuateRequest r;
    for (const auto& name : request.Strings("instances")) {
      r.instances.push_back(LookupInstance(data, source, name));
    }
    const std::string mode = request.OneOf("evac_mode", "EvacMode", kEvacModes);
    r.mode = mode == "primary-only"     ? EvacMode::kPrimaryOnly
             : mode == "secondary-only" ? EvacMode::kSecondaryOnly
                                        : EvacMode::kAll;
    return r;
  }
  if (type == "multi-allocate") {
    MultiAllocateRequest r;
    const json::array& instances = request.Array("instances");
    for (size_t i = 0; i < instances.size(); ++i) {
      const std::string owner = "invalid request dict: key 'instances' [" + std::to_string(i) + "]";
      r.instances.push_back(
          ParseAllocation(source, request, Fields::ObjectOf(source, owner, instances[i])));
      // Ganeti honours restrict-to-nodes for a single allocation only.
      r.instances.back().restrict_to_nodes.reset();
    }
    return r;
  }
  if (type == "allocate-secondary") {
    return AllocateSecondaryRequest{LookupInstance(data, source, request.String("name"))};
  }
  throw ParameterError(source + ": Invalid request type '" + type + "'");
}

// Ganeti ignores the cluster-level ipolicy (groups carry filled ones) and
// test documents hold partial ones: take it only when it is complete.
IPolicy ClusterIPolicy(const std::string& source, const json::object& doc) {
  const json::value* v = doc.if_contains("ipolicy");
  if (!v || !v->is_object()) return DefaultIPolicy();
  try {
    return ParseIPolicy(Fields(source, "cluster ipolicy", v->get_object()));
  } catch (const GanetiError&) {
    return DefaultIPolicy();
  }
}

}  // namespace

std::string_view EvacModeName(EvacMode mode) {
  switch (mode) {
    case EvacMode::kPrimaryOnly:
      return "primary-only";
    case EvacMode::kSecondaryOnly:
      return "secondary-only";
    case EvacMode::kAll:
      break;
  }
  return "all";
}

std::string_view RequestTypeName(const IAllocatorRequestType& request) {
  static constexpr std::string_view kNames[] = {"allocate",       "relocate",
                                                "change-group",   "node-evacuate",
                                                "multi-allocate", "allocate-secondary"};
  return kNames[request.index()];
}

IAllocatorRequest ParseIAllocatorRequest(const std::string& json_text, const std::string& source) {
  boost::system::error_code ec;
  json::value decoded = json::parse(json_text, ec);
  if (ec) {
    throw ParameterError(source + ": Parsing input IAllocator message: " + ec.message());
  }
  return ParseIAllocatorRequest(decoded, source);
}

IAllocatorRequestType ParseRequestPart(const json::value& request_part, const ClusterData& data,
                                       const std::string& source) {
  return ParseRequestType(source, data,
                          Fields::ObjectOf(source, "invalid request dict", request_part));
}

IAllocatorRequest ParseIAllocatorRequest(const json::value& decoded, const std::string& source) {
  const json::object& doc = Fields::ObjectOf(source, "Parsing input IAllocator message", decoded);
  const Fields top(source, "invalid iallocator message", doc);
  const json::object& request = top.Object("request");

  IAllocatorRequest out;
  ClusterData& data = out.cluster;
  for (const auto& kv : top.Object("nodegroups")) {
    data.groups.push_back(ParseGroup(source, std::string(kv.key()), kv.value()));
  }
  for (const auto& kv : top.Object("nodes")) {
    data.nodes.push_back(ParseNode(data, source, std::string(kv.key()), kv.value()));
  }
  NodeIndex node_index;  // the first node of each name, as ClusterData::FindNode
  for (size_t i = 0; i < data.nodes.size(); ++i) {
    node_index.emplace(data.nodes[i].name, static_cast<int>(i));
  }
  for (const auto& kv : top.Object("instances")) {
    data.instances.push_back(ParseInstance(node_index, source, std::string(kv.key()), kv.value()));
  }
  data.cluster_tags = top.Strings("cluster_tags");
  const std::vector<std::string> hypervisors = top.Strings("enabled_hypervisors");
  for (const auto& hv : hypervisors) {
    if (!Contains(kHypervisors, hv)) {
      top.FailKey("enabled_hypervisors", "Invalid string value for type Hypervisor: " + Quoted(hv));
    }
  }
  // Ganeti's hail gives every node the cluster's first enabled hypervisor.
  if (!hypervisors.empty()) {
    for (Node& n : data.nodes) n.hypervisor = hypervisors.front();
  }
  data.cluster_ipolicy = ClusterIPolicy(source, doc);
  out.request = ParseRequestType(source, data, request);
  return out;
}

}  // namespace herd::htools
