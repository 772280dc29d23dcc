#include "rpc/instance_spec.h"

#include "base/errors.h"
#include "base/json.h"

namespace herd::rpc {

json::value ToJson(const DiskSpec& d) {
  return json::object{{"uuid", d.uuid},     {"name", d.name}, {"dev_type", d.dev_type},
                      {"driver", d.driver}, {"path", d.path}, {"mode", d.mode},
                      {"size", d.size_mib}};
}

json::value ToJson(const InstanceSpec& s) {
  json::array disks, nics;
  for (const auto& d : s.disks) disks.push_back(ToJson(d));
  for (const auto& n : s.nics) {
    nics.push_back(json::object{{"uuid", n.uuid},
                                {"name", n.name},
                                {"mac", n.mac},
                                {"ip", n.ip},
                                {"mode", n.mode},
                                {"link", n.link}});
  }
  return json::object{{"name", s.name},
                      {"uuid", s.uuid},
                      {"os", s.os},
                      {"hypervisor", s.hypervisor},
                      {"memory", s.memory_mib},
                      {"vcpus", s.vcpus},
                      {"beparams", s.beparams},
                      {"hvparams", s.hvparams},
                      {"osparams", s.osparams},
                      {"disks", std::move(disks)},
                      {"nics", std::move(nics)}};
}

DiskSpec DiskSpecFromJson(const json::value& v) {
  const auto& o = AsObject(v, "disk");
  DiskSpec d;
  d.uuid = GetStringOr(o, "uuid", "");
  d.name = GetStringOr(o, "name", "");
  d.dev_type = GetString(o, "dev_type", "disk");
  d.driver = GetStringOr(o, "driver", "loop");
  d.path = GetStringOr(o, "path", "");
  d.mode = GetStringOr(o, "mode", "rw");
  d.size_mib = GetInt(o, "size", "disk");
  return d;
}

InstanceSpec InstanceSpecFromJson(const json::value& v) {
  const auto& o = AsObject(v, "instance");
  InstanceSpec s;
  s.name = GetString(o, "name", "instance");
  s.uuid = GetStringOr(o, "uuid", "");
  s.os = GetStringOr(o, "os", "");
  s.hypervisor = GetStringOr(o, "hypervisor", "fake");
  s.memory_mib = GetIntOr(o, "memory", 0);
  s.vcpus = GetIntOr(o, "vcpus", 1);
  auto object_of = [&](const char* key) {
    auto it = o.find(key);
    return it == o.end() || it->value().is_null() ? json::object() : AsObject(it->value(), key);
  };
  s.beparams = object_of("beparams");
  s.hvparams = object_of("hvparams");
  s.osparams = object_of("osparams");
  if (auto it = o.find("disks"); it != o.end()) {
    for (const auto& d : AsArray(it->value(), "disks")) s.disks.push_back(DiskSpecFromJson(d));
  }
  if (auto it = o.find("nics"); it != o.end()) {
    for (const auto& n : AsArray(it->value(), "nics")) {
      const auto& no = AsObject(n, "nic");
      s.nics.push_back({GetStringOr(no, "uuid", ""), GetStringOr(no, "name", ""),
                        GetStringOr(no, "mac", ""), GetStringOr(no, "ip", ""),
                        GetStringOr(no, "mode", ""), GetStringOr(no, "link", "")});
    }
  }
  return s;
}

}  // namespace herd::rpc
