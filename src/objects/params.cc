#include "objects/params.h"

#include <algorithm>

#include "objects/config_data.h"
#include "objects/defaults.h"

namespace herd::objects {
namespace {

const json::object& Sub(const json::object& o, std::string_view key) {
  static const json::object kEmpty;
  const json::value* v = o.if_contains(key);
  return v && v->is_object() ? v->get_object() : kEmpty;
}

}  // namespace

json::object FillDict(const json::object& defaults, const json::object& custom,
                      const std::vector<std::string>& skip_keys) {
  json::object out = defaults;
  for (const auto& kv : custom) out[kv.key()] = kv.value();
  for (const auto& key : skip_keys) out.erase(key);
  return out;
}

json::object FillIPolicy(const json::object& defaults, const json::object& custom) {
  json::object out = custom;
  for (const auto& kv : defaults) {
    json::value* mine = out.if_contains(kv.key());
    if (!mine) {
      out[kv.key()] = kv.value();
    } else if (kv.key() == "std" && mine->is_object() && kv.value().is_object()) {
      *mine = FillDict(kv.value().get_object(), mine->get_object());
    }
  }
  return out;
}

json::object FillDiskParams(const json::object& defaults, const json::object& custom) {
  json::object out;
  for (const std::string& dt : kDiskTemplates) {
    out[dt] = FillDict(Sub(defaults, dt), Sub(custom, dt));
  }
  return out;
}

const std::vector<std::string>& HvGlobalParams() {
  static const std::vector<std::string> kGlobals{"migration_bandwidth", "migration_mode",
                                                 "migration_port", "xen_cmd"};
  return kGlobals;
}

json::object FilledNodeParams(const ConfigData& config, const Node& node) {
  json::object params = config.cluster.ndparams;
  if (auto g = config.nodegroups.find(node.group); g != config.nodegroups.end()) {
    params = FillDict(params, g->second.ndparams);
  }
  return FillDict(params, node.ndparams);
}

json::object FilledGroupNodeParams(const ConfigData& config, const NodeGroup& group) {
  return FillDict(config.cluster.ndparams, group.ndparams);
}

json::object FilledBeParams(const ConfigData& config, const json::object& beparams) {
  return FillDict(Sub(config.cluster.beparams, "default"), beparams);
}

json::object FilledBeParams(const ConfigData& config, const Instance& instance) {
  return FilledBeParams(config, instance.beparams);
}

json::object FilledHvParams(const ConfigData& config, const std::string& hypervisor,
                            const std::string& os, const json::object& hvparams,
                            bool skip_globals) {
  static const std::vector<std::string> kNone;
  const auto& skip = skip_globals ? HvGlobalParams() : kNone;
  json::object params = FillDict(Sub(config.cluster.hvparams, hypervisor), {}, skip);
  params = FillDict(params, Sub(Sub(config.cluster.os_hvp, os), hypervisor), skip);
  return FillDict(params, hvparams, skip);
}

json::object FilledHvParams(const ConfigData& config, const Instance& instance, bool skip_globals) {
  return FilledHvParams(config, instance.hypervisor, instance.os, instance.hvparams, skip_globals);
}

json::object FilledNicParams(const ConfigData& config, const Nic& nic) {
  return FillDict(Sub(config.cluster.nicparams, "default"), nic.nicparams);
}

json::object FilledOsParams(const ConfigData& config, const Instance& instance) {
  const std::string base = instance.os.substr(0, instance.os.find('+'));
  json::object params =
      FillDict(Sub(config.cluster.osparams, base), Sub(config.cluster.osparams, instance.os));
  return FillDict(params, instance.osparams);
}

json::object FilledIPolicy(const ConfigData& config, const NodeGroup& group) {
  return FillIPolicy(config.cluster.ipolicy, group.ipolicy);
}

json::object FilledDiskParams(const ConfigData& config, const NodeGroup& group) {
  return FillDiskParams(config.cluster.diskparams, group.diskparams);
}

}  // namespace herd::objects
