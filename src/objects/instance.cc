#include "objects/instance.h"

#include "base/errors.h"
#include "objects/json_fields.h"

namespace herd::objects {
namespace {

using P = Presence;
const Field<Nic> kNicFields[] = {
    {"uuid", &Nic::uuid, P::kOptional},
    {"name", &Nic::name, P::kOptional},
    {"mac", &Nic::mac},
    {"ip", &Nic::ip, P::kOptional},
    {"network", &Nic::network, P::kOptional},
    {"nicparams", &Nic::nicparams},
};

const Field<Instance> kInstanceFields[] = {
    {"name", &Instance::name, P::kRequired},
    {"uuid", &Instance::uuid, P::kRequired},
    {"primary_node", &Instance::primary_node},
    {"os", &Instance::os},
    {"hypervisor", &Instance::hypervisor},
    {"admin_state", &Instance::admin_state},
    {"admin_state_source", &Instance::admin_state_source},
    {"disks", &Instance::disks},
    {"beparams", &Instance::beparams},
    {"hvparams", &Instance::hvparams},
    {"osparams", &Instance::osparams},
    {"osparams_private", &Instance::osparams_private},
    {"tags", &Instance::tags, P::kOptional},
    {"disks_active", &Instance::disks_active},
    {"network_port", &Instance::network_port, P::kOptional},
    {"serial_no", &Instance::serial_no},
    {"ctime", &Instance::ctime, P::kOptional},
    {"mtime", &Instance::mtime, P::kOptional},
};

}  // namespace

Nic NicFromJson(const json::value& v) { return ReadObject<Nic>(v, "nic", kNicFields); }

json::value ToJson(const Nic& nic) { return WriteObject<Nic>(nic, kNicFields); }

Instance InstanceFromJson(const json::value& v) {
  const json::value* disks = v.is_object() ? v.get_object().if_contains("disks") : nullptr;
  if (disks && disks->is_array() && !disks->get_array().empty() &&
      disks->get_array().front().is_object()) {
    throw ConfigurationError(DescribeObject("instance", v) +
                             ": field 'disks' holds disk objects, as before Ganeti 2.16;"
                             " upgrade the configuration with Ganeti's cfgupgrade first");
  }
  Instance inst = ReadObject<Instance>(v, "instance", kInstanceFields, {"nics"});
  if (const json::value* nics = v.get_object().if_contains("nics"); nics && !nics->is_null()) {
    if (!nics->is_array()) {
      throw ConfigurationError("instance " + inst.name + ": field 'nics' must be a list");
    }
    inst.nics.reserve(nics->get_array().size());
    for (const auto& nic : nics->get_array()) {
      const std::string kind = "instance " + inst.name + " nic/" + std::to_string(inst.nics.size());
      inst.nics.push_back(ReadObject<Nic>(nic, kind, kNicFields));
    }
  }
  // Configs before 2.16 store the template; it then stays in the document.
  if (const auto* dt = inst.extra.if_contains("disk_template"); dt && dt->is_string()) {
    inst.disk_template = std::string(dt->get_string());
  }
  return inst;
}

json::value ToJson(const Instance& instance) {
  json::array nics;
  nics.reserve(instance.nics.size());
  for (const auto& nic : instance.nics) nics.push_back(ToJson(nic));
  json::object computed{{"nics", std::move(nics)}};
  if (instance.extra.contains("disk_template")) {
    computed["disk_template"] = instance.disk_template;
  }
  return WriteObject<Instance>(instance, kInstanceFields, std::move(computed));
}

}  // namespace herd::objects
