#include "objects/config_data.h"

#include "base/errors.h"
#include "objects/json_fields.h"

namespace herd::objects {

const Node* ConfigData::FindNodeByName(std::string_view name) const {
  for (const auto& [uuid, n] : nodes) {
    if (n.name == name) return &n;
  }
  return nullptr;
}

const NodeGroup* ConfigData::FindGroupByName(std::string_view name) const {
  for (const auto& [uuid, g] : nodegroups) {
    if (g.name == name) return &g;
  }
  return nullptr;
}

const Instance* ConfigData::FindInstanceByName(std::string_view name) const {
  for (const auto& [uuid, i] : instances) {
    if (i.name == name) return &i;
  }
  return nullptr;
}

namespace {
template <typename T, typename FromJson>
std::map<std::string, T> LoadMap(const json::object& root, const char* key, FromJson from_json) {
  std::map<std::string, T> out;
  auto it = root.find(key);
  if (it == root.end() || it->value().is_null()) return out;
  if (!it->value().is_object())
    throw ConfigurationError(std::string("'") + key + "' must be an object");
  for (const auto& kv : it->value().get_object())
    out.emplace(std::string(kv.key()), from_json(kv.value()));
  return out;
}

template <typename T>
json::object DumpMap(const std::map<std::string, T>& objects) {
  json::object out;
  for (const auto& [uuid, o] : objects) out[uuid] = ToJson(o);
  return out;
}
}  // namespace

ConfigData ConfigDataFromJson(const json::value& v) {
  FieldReader r(v, "configuration");
  const auto& root = r.object();
  ConfigData c;
  c.version = r.Int("version", kConfigVersion);
  auto cluster = root.find("cluster");
  if (cluster == root.end()) throw ConfigurationError("configuration: missing field 'cluster'");
  c.cluster = ClusterFromJson(cluster->value());
  c.nodes = LoadMap<Node>(root, "nodes", NodeFromJson);
  c.nodegroups = LoadMap<NodeGroup>(root, "nodegroups", NodeGroupFromJson);
  c.instances = LoadMap<Instance>(root, "instances", InstanceFromJson);
  c.disks = LoadMap<Disk>(root, "disks", DiskFromJson);
  c.networks = r.Object("networks");
  c.serial_no = r.Int("serial_no", 1);
  c.ctime = r.Number("ctime");
  c.mtime = r.Number("mtime");
  c.extra = root;
  // Since config 2.16 the disk template is derived from the disks.
  for (auto& [uuid, inst] : c.instances) {
    if (!inst.disk_template.empty()) continue;
    inst.disk_template = "diskless";
    if (!inst.disks.empty()) {
      auto d = c.disks.find(inst.disks.front());
      if (d != c.disks.end())
        inst.disk_template = d->second.dev_type == "drbd" ? "drbd" : d->second.dev_type;
    }
  }
  return c;
}

json::value ToJson(const ConfigData& c) {
  json::object out = c.extra;
  out["version"] = c.version;
  out["cluster"] = ToJson(c.cluster);
  out["nodes"] = DumpMap(c.nodes);
  out["nodegroups"] = DumpMap(c.nodegroups);
  out["instances"] = DumpMap(c.instances);
  out["disks"] = DumpMap(c.disks);
  out["networks"] = c.networks;
  out["serial_no"] = c.serial_no;
  out["ctime"] = c.ctime;
  out["mtime"] = c.mtime;
  if (!out.contains("filters")) out["filters"] = json::object{};
  return out;
}

}  // namespace herd::objects
