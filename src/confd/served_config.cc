#include "confd/served_config.h"

#include <boost/json.hpp>

namespace herd::confd {
namespace {

std::string LinkOf(const json::object& nicparams, const std::string& fallback) {
  if (auto it = nicparams.find("link"); it != nicparams.end() && it->value().is_string()) {
    return std::string(it->value().get_string());
  }
  return fallback;
}

}  // namespace

std::string DefaultNicLink(const objects::ConfigData& data) {
  auto it = data.cluster.nicparams.find("default");
  if (it == data.cluster.nicparams.end() || !it->value().is_object()) return "";
  return LinkOf(it->value().get_object(), "");
}

InstanceIpsByLink IndexInstanceIps(const objects::ConfigData& data) {
  InstanceIpsByLink index;
  const std::string default_link = DefaultNicLink(data);
  for (const auto& [uuid, instance] : data.instances) {
    for (const auto& nic : instance.nics) {
      if (!nic.ip.empty()) index[LinkOf(nic.nicparams, default_link)][nic.ip] = uuid;
    }
  }
  return index;
}

ServedConfig MakeServedConfig(objects::ConfigData data) {
  InstanceIpsByLink index = IndexInstanceIps(data);
  return ServedConfig{std::move(data), std::move(index)};
}

}  // namespace herd::confd
