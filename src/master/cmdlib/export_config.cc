#include "master/cmdlib/export_config.h"

#include <ctime>

#include "base/errors.h"
#include "base/python_repr.h"
#include "objects/params.h"

namespace herd::master {
namespace json = boost::json;
namespace {

constexpr const char* kExportSection = "export";
constexpr const char* kInstanceSection = "instance";
constexpr const char* kHypervisorSection = "hypervisor";
constexpr const char* kBackendSection = "backend";
constexpr const char* kOsSection = "os";
constexpr const char* kOsPrivateSection = "os_private";
// Ganeti's MAX_DISKS and MAX_NICS: how far an import looks for entries.
constexpr int kMaxDisks = 16;
constexpr int kMaxNics = 8;

// Python's str() of a value, as configparser stores what Ganeti sets.
std::string Str(const json::value& v) { return PythonStr(v); }
std::string StrOrNone(const std::string& s) { return s.empty() ? "None" : s; }

// configparser values Ganeti reads back as None.
bool IsNone(const std::optional<std::string>& v) {
  if (!v) return true;
  std::string lower;
  for (char c : *v) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower == "none";
}

// Fills `target` with the section's options it does not set yet.
void FillMissing(json::object& target, const IniFile& ini, const char* section) {
  for (const auto& [key, value] : ini.Items(section)) {
    if (!target.contains(key)) target[key] = value;
  }
}

json::object ObjectParam(const json::object& op, const char* key) {
  auto it = op.find(key);
  if (it == op.end() || !it->value().is_object()) return {};
  return it->value().get_object();
}

bool Unset(const json::object& op, const char* key) {
  auto it = op.find(key);
  if (it == op.end() || it->value().is_null()) return true;
  if (it->value().is_array()) return it->value().get_array().empty();
  if (it->value().is_string()) return it->value().get_string().empty();
  return false;
}

}  // namespace

std::string ExportConfigText(const objects::ConfigData& config, const objects::Instance& instance,
                             const std::vector<objects::Disk>& disks) {
  IniFile ini;
  const json::object be = objects::FilledBeParams(config, instance);
  ini.Set(kExportSection, "version", std::to_string(kExportVersion));
  ini.Set(kExportSection, "timestamp", std::to_string(static_cast<long long>(std::time(nullptr))));
  ini.Set(kExportSection, "source", instance.primary_node);
  ini.Set(kExportSection, "os", instance.os);
  ini.Set(kExportSection, "compression", "none");

  ini.Set(kInstanceSection, "name", instance.name);
  ini.Set(kInstanceSection, "maxmem", Str(be.at("maxmem")));
  ini.Set(kInstanceSection, "minmem", Str(be.at("minmem")));
  ini.Set(kInstanceSection, "memory", Str(be.at("maxmem")));  // for old readers
  ini.Set(kInstanceSection, "vcpus", Str(be.at("vcpus")));
  ini.Set(kInstanceSection, "disk_template", disks.empty() ? "diskless" : disks.front().dev_type);
  ini.Set(kInstanceSection, "hypervisor", instance.hypervisor);
  std::string tags;
  for (const auto& t : instance.tags) tags += (tags.empty() ? "" : " ") + t;
  ini.Set(kInstanceSection, "tags", tags);
  for (size_t i = 0; i < instance.nics.size(); ++i) {
    const auto& nic = instance.nics[i];
    const std::string p = "nic" + std::to_string(i) + "_";
    ini.Set(kInstanceSection, p + "mac", StrOrNone(nic.mac));
    ini.Set(kInstanceSection, p + "ip", StrOrNone(nic.ip));
    ini.Set(kInstanceSection, p + "network", StrOrNone(nic.network));
    ini.Set(kInstanceSection, p + "name", StrOrNone(nic.name));
    const json::object params = objects::FilledNicParams(config, nic);
    for (const char* key : {"mode", "link", "vlan"}) {
      auto it = params.find(key);
      ini.Set(kInstanceSection, p + key, it == params.end() ? "None" : Str(it->value()));
    }
  }
  ini.Set(kInstanceSection, "nic_count", std::to_string(instance.nics.size()));
  for (size_t i = 0; i < disks.size(); ++i) {
    const auto& disk = disks[i];
    const std::string p = "disk" + std::to_string(i) + "_";
    ini.Set(kInstanceSection, p + "ivname", disk.iv_name);
    ini.Set(kInstanceSection, p + "dump", disk.uuid);
    ini.Set(kInstanceSection, p + "size", std::to_string(disk.size));
    ini.Set(kInstanceSection, p + "name", StrOrNone(disk.name));
  }
  ini.Set(kInstanceSection, "disk_count", std::to_string(disks.size()));

  ini.AddSection(kHypervisorSection);
  for (const auto& kv : objects::FilledHvParams(config, instance, /*skip_globals=*/true)) {
    ini.Set(kHypervisorSection, std::string(kv.key()), Str(kv.value()));
  }
  ini.AddSection(kBackendSection);
  for (const auto& kv : be) ini.Set(kBackendSection, std::string(kv.key()), Str(kv.value()));
  ini.AddSection(kOsSection);
  for (const auto& kv : objects::FilledOsParams(config, instance)) {
    ini.Set(kOsSection, std::string(kv.key()), Str(kv.value()));
  }
  ini.AddSection(kOsPrivateSection);
  for (const auto& kv : instance.osparams_private) {
    ini.Set(kOsPrivateSection, std::string(kv.key()), Str(kv.value()));
  }
  return ini.Text();
}

IniFile ParseExportConfig(const std::string& text, const std::string& where) {
  IniFile ini;
  try {
    ini = IniFile::Parse(text);
  } catch (const GanetiError& e) {
    throw OpPrereqError("Corrupted export config in " + where + ": " + e.what(), kEcodeEnviron);
  }
  if (!ini.HasSection(kExportSection) || !ini.HasSection(kInstanceSection)) {
    throw OpPrereqError("Corrupted export config in " + where, kEcodeEnviron);
  }
  const std::string version = ini.Get(kExportSection, "version").value_or("");
  if (version != std::to_string(kExportVersion)) {
    throw OpPrereqError(
        "Wrong export version " + version + " (wanted " + std::to_string(kExportVersion) + ")",
        kEcodeEnviron);
  }
  return ini;
}

json::object WithExportParams(const json::object& op, const IniFile& ini,
                              const objects::ConfigData& config) {
  json::object out = op;
  out["os_type"] = ini.Get(kExportSection, "os").value_or("");

  if (Unset(op, "disks")) {
    json::array disks;
    for (int i = 0; i < kMaxDisks; ++i) {
      const std::string p = "disk" + std::to_string(i) + "_";
      auto size = ini.Get(kInstanceSection, p + "size");
      if (!size) continue;
      json::object disk{{"size", *size}};
      auto name = ini.Get(kInstanceSection, p + "name");
      if (!IsNone(name)) disk["name"] = *name;
      disks.push_back(std::move(disk));
    }
    const std::string tmpl = op.contains("disk_template") && op.at("disk_template").is_string()
                                 ? std::string(op.at("disk_template").get_string())
                                 : "";
    if (disks.empty() && tmpl != "diskless") {
      throw OpPrereqError("No disk info specified and the export is missing the disk information",
                          kEcodeInval);
    }
    out["disks"] = std::move(disks);
  }

  if (Unset(op, "nics")) {
    json::array nics;
    for (int i = 0; i < kMaxNics; ++i) {
      const std::string p = "nic" + std::to_string(i) + "_";
      if (!ini.HasOption(kInstanceSection, p + "mac")) break;
      json::object nic;
      for (const char* key : {"ip", "mac", "name"}) {
        auto v = ini.Get(kInstanceSection, p + key);
        if (!IsNone(v)) nic[key] = *v;
      }
      auto network = ini.Get(kInstanceSection, p + "network");
      if (!IsNone(network)) {
        // Exports name the network by uuid; the NIC takes it by name.
        auto it = config.networks.find(*network);
        nic["network"] = it != config.networks.end() ? it->second.name : *network;
      } else {
        for (const char* key : {"mode", "link", "vlan"}) {
          auto v = ini.Get(kInstanceSection, p + key);
          if (!IsNone(v)) nic[key] = *v;
        }
      }
      nics.push_back(std::move(nic));
    }
    out["nics"] = std::move(nics);
  }

  if (Unset(op, "tags")) {
    if (auto tags = ini.Get(kInstanceSection, "tags")) {
      json::array list;
      std::string word;
      for (char c : *tags + " ") {
        if (c == ' ') {
          if (!word.empty()) list.push_back(json::value(word));
          word.clear();
        } else {
          word += c;
        }
      }
      out["tags"] = std::move(list);
    }
  }
  if (Unset(op, "hypervisor")) {
    if (auto hv = ini.Get(kInstanceSection, "hypervisor")) out["hypervisor"] = *hv;
  }

  json::object hvparams = ObjectParam(op, "hvparams");
  FillMissing(hvparams, ini, kHypervisorSection);
  out["hvparams"] = std::move(hvparams);

  json::object beparams = ObjectParam(op, "beparams");
  if (ini.HasSection(kBackendSection)) {
    FillMissing(beparams, ini, kBackendSection);
    if (auto memory = ini.Get(kBackendSection, "memory")) {  // the old name
      if (!beparams.contains("maxmem")) beparams["maxmem"] = *memory;
      if (!beparams.contains("minmem")) beparams["minmem"] = *memory;
      beparams.erase("memory");
    }
  } else {
    for (const char* key :
         {"always_failover", "auto_balance", "maxmem", "minmem", "spindle_use", "vcpus"}) {
      auto v = ini.Get(kInstanceSection, key);
      if (v && !beparams.contains(key)) beparams[key] = *v;
    }
  }
  out["beparams"] = std::move(beparams);

  json::object osparams = ObjectParam(op, "osparams");
  FillMissing(osparams, ini, kOsSection);
  out["osparams"] = std::move(osparams);
  json::object osparams_private = ObjectParam(op, "osparams_private");
  FillMissing(osparams_private, ini, kOsPrivateSection);
  out["osparams_private"] = std::move(osparams_private);

  // --identify-defaults: values equal to the cluster's defaults stay
  // defaults instead of becoming the instance's own (Ganeti's
  // _RevertToDefaults).
  if (auto it = op.find("identify_defaults"); it != op.end() && it->value() == json::value(true)) {
    auto revert = [](json::object& params, const json::object& defaults) {
      for (const auto& d : defaults) {
        auto p = params.find(d.key());
        if (p != params.end() && PythonStr(p->value()) == PythonStr(d.value())) params.erase(p);
      }
    };
    const std::string hypervisor = out.contains("hypervisor") && out.at("hypervisor").is_string()
                                       ? std::string(out.at("hypervisor").get_string())
                                       : (config.cluster.enabled_hypervisors.empty()
                                              ? "fake"
                                              : config.cluster.enabled_hypervisors.front());
    revert(out["hvparams"].as_object(),
           objects::FilledHvParams(config, hypervisor, std::string(out.at("os_type").as_string()),
                                   {}));
    revert(out["beparams"].as_object(), objects::FilledBeParams(config, json::object{}));
    objects::Instance probe;
    probe.os = std::string(out.at("os_type").as_string());
    revert(out["osparams"].as_object(), objects::FilledOsParams(config, probe));
  }
  return out;
}

std::vector<std::string> ExportDiskImages(const IniFile& ini, size_t disk_count) {
  std::vector<std::string> images;
  for (size_t i = 0; i < disk_count; ++i) {
    auto dump = ini.Get(kInstanceSection, "disk" + std::to_string(i) + "_dump");
    images.push_back(dump.value_or(""));
  }
  return images;
}

}  // namespace herd::master
