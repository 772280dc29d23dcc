#include "objects/config_data.h"

#include "base/errors.h"
#include "objects/json_fields.h"

namespace herd::objects {
namespace {

template <typename T>
T* FindByName(std::map<std::string, T>& objects, std::string_view name) {
  for (auto& [uuid, o] : objects) {
    if (o.name == name) return &o;
  }
  return nullptr;
}

template <typename T, typename FromJson>
std::map<std::string, T> LoadMap(const json::object& root, const char* key, FromJson from_json) {
  std::map<std::string, T> out;
  const json::value* v = root.if_contains(key);
  if (!v || v->is_null()) return out;
  if (!v->is_object()) {
    throw ConfigurationError(std::string("configuration: field '") + key + "' must be an object");
  }
  for (const auto& kv : v->get_object()) {
    T object = from_json(kv.value());
    // Herd indexes objects by their key; a key that is not the uuid is corruption.
    if (object.uuid != kv.key()) {
      throw ConfigurationError(std::string("configuration: field '") + key + "' stores " +
                               object.uuid + " under the key " + std::string(kv.key()));
    }
    out.emplace_hint(out.end(), std::string(kv.key()), std::move(object));
  }
  return out;
}

template <typename T>
json::object DumpMap(const std::map<std::string, T>& objects) {
  json::object out;
  out.reserve(objects.size());
  for (const auto& [uuid, o] : objects) out.emplace(uuid, ToJson(o));
  return out;
}

using P = Presence;
const Field<ConfigData> kConfigFields[] = {
    {"version", &ConfigData::version, P::kRequired},
    {"serial_no", &ConfigData::serial_no},
    {"ctime", &ConfigData::ctime, P::kOptional},
    {"mtime", &ConfigData::mtime, P::kOptional},
};

template <typename T>
std::vector<std::string> NameOf(const T& object) {
  return {object.name};
}
std::vector<std::string> MacsOf(const Instance& instance) {
  std::vector<std::string> macs;
  macs.reserve(instance.nics.size());
  for (const auto& nic : instance.nics) macs.push_back(nic.mac);
  return macs;
}
}  // namespace

const Node* ConfigData::FindNodeByName(std::string_view name) const {
  return const_cast<ConfigData*>(this)->FindNodeByName(name);
}
Node* ConfigData::FindNodeByName(std::string_view name) {
  return node_names_.Find(nodes, name, NameOf<Node>);
}
const NodeGroup* ConfigData::FindGroupByName(std::string_view name) const {
  return FindByName(const_cast<ConfigData*>(this)->nodegroups, name);
}
NodeGroup* ConfigData::FindGroupByName(std::string_view name) {
  return FindByName(nodegroups, name);
}
const Instance* ConfigData::FindInstanceByName(std::string_view name) const {
  return const_cast<ConfigData*>(this)->FindInstanceByName(name);
}
Instance* ConfigData::FindInstanceByName(std::string_view name) {
  return instance_names_.Find(instances, name, NameOf<Instance>);
}
const Instance* ConfigData::FindInstanceByMac(std::string_view mac) const {
  return instance_macs_.Find(const_cast<ConfigData*>(this)->instances, mac, MacsOf);
}

void ConfigData::SettleIndexes() {
  node_names_.Settle(nodes, NameOf<Node>);
  instance_names_.Settle(instances, NameOf<Instance>);
  instance_macs_.Settle(instances, MacsOf);
}

void ConfigData::ResetIndexes() {
  node_names_.Reset();
  instance_names_.Reset();
  instance_macs_.Reset();
}
const Network* ConfigData::FindNetworkByName(std::string_view name) const {
  return FindByName(const_cast<ConfigData*>(this)->networks, name);
}
Network* ConfigData::FindNetworkByName(std::string_view name) { return FindByName(networks, name); }

std::string DiskTemplateOf(const ConfigData& config, const Instance& instance) {
  if (!instance.disk_template.empty()) return instance.disk_template;
  if (instance.disks.empty()) return "diskless";
  auto disk = config.disks.find(instance.disks.front());
  return disk == config.disks.end() ? "diskless" : disk->second.dev_type;
}

ConfigData ConfigDataFromJson(const json::value& v) {
  if (!v.is_object()) throw ConfigurationError("configuration must be a JSON object");
  const json::object& root = v.get_object();
  const json::value* cluster = root.if_contains("cluster");
  if (!cluster || cluster->is_null()) {
    throw ConfigurationError("configuration: field 'cluster' is missing");
  }
  ConfigData c =
      ReadObject<ConfigData>(v, "configuration", kConfigFields,
                             {"cluster", "nodes", "nodegroups", "instances", "disks", "networks"});
  c.cluster = ClusterFromJson(*cluster);
  c.nodes = LoadMap<Node>(root, "nodes", NodeFromJson);
  c.nodegroups = LoadMap<NodeGroup>(root, "nodegroups", NodeGroupFromJson);
  c.instances = LoadMap<Instance>(root, "instances", InstanceFromJson);
  c.disks = LoadMap<Disk>(root, "disks", DiskFromJson);
  c.networks = LoadMap<Network>(root, "networks", NetworkFromJson);
  for (auto& [uuid, inst] : c.instances) inst.disk_template = DiskTemplateOf(c, inst);
  return c;
}

json::value ToJson(const ConfigData& c) {
  json::object computed{{"cluster", ToJson(c.cluster)},        {"nodes", DumpMap(c.nodes)},
                        {"nodegroups", DumpMap(c.nodegroups)}, {"instances", DumpMap(c.instances)},
                        {"disks", DumpMap(c.disks)},           {"networks", DumpMap(c.networks)}};
  // Ganeti 3.0 requires the (job) filter rules container.
  if (!c.extra.contains("filters")) computed["filters"] = json::object{};
  return WriteObject<ConfigData>(c, kConfigFields, std::move(computed));
}

namespace {
template <typename T, typename FromJson>
void ApplyKind(std::map<std::string, T>& objects, const json::object& record, const char* kind,
               FromJson from_json) {
  if (const json::value* upserts = record.if_contains("upsert")) {
    if (const json::value* some = upserts->as_object().if_contains(kind)) {
      for (const auto& [uuid, object] : some->as_object()) {
        objects.insert_or_assign(std::string(uuid), from_json(object));
      }
    }
  }
  if (const json::value* removals = record.if_contains("remove")) {
    if (const json::value* some = removals->as_object().if_contains(kind)) {
      for (const auto& uuid : some->as_array()) objects.erase(std::string(uuid.as_string()));
    }
  }
}
}  // namespace

bool ApplyJournalRecord(ConfigData& config, const json::object& record) {
  const int64_t serial = GetInt(record, "serial", "config journal record");
  if (serial <= config.serial_no) return false;
  if (const json::value* cluster = record.if_contains("cluster")) {
    config.cluster = ClusterFromJson(*cluster);
  }
  if (const json::value* filters = record.if_contains("filters")) {
    config.extra["filters"] = *filters;
  }
  ApplyKind(config.nodes, record, "nodes", NodeFromJson);
  ApplyKind(config.nodegroups, record, "nodegroups", NodeGroupFromJson);
  ApplyKind(config.instances, record, "instances", InstanceFromJson);
  ApplyKind(config.disks, record, "disks", DiskFromJson);
  ApplyKind(config.networks, record, "networks", NetworkFromJson);
  config.ResetIndexes();
  config.serial_no = serial;
  config.mtime = GetNumberOr(record, "mtime", config.mtime);
  return true;
}

}  // namespace herd::objects
