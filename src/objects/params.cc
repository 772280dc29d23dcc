#include "objects/params.h"

#include "objects/config_data.h"

namespace herd::objects {
namespace {
json::object Sub(const json::object& o, const std::string& key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_object() ? it->value().get_object() : json::object{};
}
}  // namespace

json::object FillDict(const json::object& defaults, const json::object& custom) {
  json::object out = defaults;
  for (const auto& kv : custom) out[kv.key()] = kv.value();
  return out;
}

json::object FilledNodeParams(const ConfigData& config, const Node& node) {
  json::object params = config.cluster.ndparams;
  if (auto g = config.nodegroups.find(node.group); g != config.nodegroups.end()) {
    params = FillDict(params, g->second.ndparams);
  }
  return FillDict(params, node.ndparams);
}

json::object FilledBeParams(const ConfigData& config, const Instance& instance) {
  return FillDict(Sub(config.cluster.beparams, "default"), instance.beparams);
}

json::object FilledHvParams(const ConfigData& config, const Instance& instance) {
  json::object params = Sub(config.cluster.hvparams, instance.hypervisor);
  params = FillDict(params, Sub(Sub(config.cluster.os_hvp, instance.os), instance.hypervisor));
  return FillDict(params, instance.hvparams);
}

json::object FilledIPolicy(const ConfigData& config, const NodeGroup& group) {
  return FillDict(config.cluster.ipolicy, group.ipolicy);
}

}  // namespace herd::objects
