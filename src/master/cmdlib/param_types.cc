#include "master/cmdlib/param_types.h"

#include <algorithm>
#include <cmath>

#include "base/errors.h"
#include "base/json.h"
#include "master/cmdlib/instance_params.h"
#include "objects/defaults.h"

namespace herd::master {
namespace {

GanetiError TypeError(const std::string& message) {
  return GanetiError("TypeEnforcementError", {message});
}

std::string Shown(const json::value& v) {
  return v.is_string() ? std::string(v.get_string()) : SerializeJson(v);
}

json::value Converted(const std::string& key, const json::value& v, ParamType type) {
  switch (type) {
    case ParamType::kString:
    case ParamType::kMaybeString:
      if (v.is_null() && type == ParamType::kMaybeString) return v;
      if (v.is_string()) return v;
      if (v.is_bool() && !v.get_bool()) return "";
      throw TypeError("'" + key + "' (value " + Shown(v) + ") is not a valid string");
    case ParamType::kBool:
      if (v.is_string() && !v.get_string().empty()) {
        std::string s(v.get_string());
        std::transform(s.begin(), s.end(), s.begin(),
                       [](unsigned char c) { return std::tolower(c); });
        if (s == "false") return false;
        if (s == "true") return true;
        throw TypeError("'" + key + "' (value " + Shown(v) + ") is not a valid boolean");
      }
      if (v.is_bool()) return v;
      if (v.is_null() || (v.is_string() && v.get_string().empty())) return false;
      if (v.is_number()) return v.to_number<double>() != 0;
      return true;
    case ParamType::kSize:
      try {
        return ParseSizeMib(v, key);
      } catch (const GanetiError& e) {
        throw TypeError("'" + key + "' (value " + Shown(v) +
                        ") is not a valid size. error: " + e.what());
      }
    case ParamType::kInt:
      if (v.is_int64() || v.is_uint64()) return v.to_number<int64_t>();
      if (v.is_double()) return static_cast<int64_t>(std::trunc(v.get_double()));
      if (v.is_string()) {
        try {
          size_t end = 0;
          const std::string s(v.get_string());
          const long long n = std::stoll(s, &end);
          if (s.find_first_not_of(" \t", end) == std::string::npos) return static_cast<int64_t>(n);
        } catch (const std::exception&) {
        }
      }
      throw TypeError("'" + key + "' (value " + Shown(v) + ") is not a valid integer");
    case ParamType::kFloat:
      if (v.is_number()) return v.to_number<double>();
      if (v.is_string()) {
        try {
          size_t end = 0;
          const std::string s(v.get_string());
          const double d = std::stod(s, &end);
          if (s.find_first_not_of(" \t", end) == std::string::npos) return d;
        } catch (const std::exception&) {
        }
      }
      throw TypeError("'" + key + "' (value " + Shown(v) + ") is not a valid float");
  }
  return v;
}

bool IsDefault(const json::value& v) { return v.is_string() && v.get_string() == "default"; }

// The ispec parameters of a minmax entry (ISPECS_PARAMETER_TYPES: all integers).
const ParamTypes& ISpecTypes() {
  static const ParamTypes types{{"memory-size", ParamType::kInt}, {"cpu-count", ParamType::kInt},
                                {"disk-count", ParamType::kInt},  {"disk-size", ParamType::kInt},
                                {"nic-count", ParamType::kInt},   {"spindle-use", ParamType::kInt}};
  return types;
}

json::array CheckedMinMax(const json::value& value) {
  if (!value.is_array() || value.get_array().empty()) {
    throw OpPrereqError("Invalid instance policy: minmax must be a non-empty list", kEcodeInval);
  }
  json::array out;
  for (const auto& entry : value.get_array()) {
    if (!entry.is_object()) {
      throw OpPrereqError("Invalid instance policy: minmax entries must be dictionaries",
                          kEcodeInval);
    }
    json::object checked;
    for (const auto& kv : entry.get_object()) {
      if (kv.key() != "min" && kv.key() != "max") {
        throw OpPrereqError("Invalid instance policy: invalid key '" + std::string(kv.key()) +
                                "' in minmax specs (must be min and max)",
                            kEcodeInval);
      }
      if (!kv.value().is_object()) {
        throw OpPrereqError(
            "Invalid instance policy: " + std::string(kv.key()) + " specs must be a dictionary",
            kEcodeInval);
      }
      checked[kv.key()] = ForceParamTypes(kv.value().get_object(), ISpecTypes());
    }
    if (!checked.contains("min") || !checked.contains("max")) {
      throw OpPrereqError("Invalid instance policy: missing instance specs (min and max needed)",
                          kEcodeInval);
    }
    const auto& min = checked.at("min").as_object();
    const auto& max = checked.at("max").as_object();
    for (const auto& [name, type] : ISpecTypes()) {
      const bool has_min = min.contains(name), has_max = max.contains(name);
      if (has_min != has_max) {
        throw OpPrereqError("Invalid instance policy: missing instance specs: " + name,
                            kEcodeInval);
      }
      if (has_min && min.at(name).as_int64() > max.at(name).as_int64()) {
        throw OpPrereqError(
            "Invalid instance policy: invalid specification of min/max values for " + name + ": " +
                std::to_string(min.at(name).as_int64()) + "/" +
                std::to_string(max.at(name).as_int64()),
            kEcodeInval);
      }
    }
    out.emplace_back(std::move(checked));
  }
  return out;
}

}  // namespace

const ParamTypes& NodeParamTypes() {
  static const ParamTypes types{
      {"cpu_speed", ParamType::kFloat},      {"exclusive_storage", ParamType::kBool},
      {"oob_program", ParamType::kString},   {"ovs", ParamType::kBool},
      {"ovs_link", ParamType::kMaybeString}, {"ovs_name", ParamType::kMaybeString},
      {"spindle_count", ParamType::kInt},    {"ssh_port", ParamType::kInt}};
  return types;
}

const ParamTypes& DiskParamTypes() {
  static const ParamTypes types{
      {"access", ParamType::kString},      {"c-delay-target", ParamType::kInt},
      {"c-fill-target", ParamType::kInt},  {"c-max-rate", ParamType::kInt},
      {"c-min-rate", ParamType::kInt},     {"c-plan-ahead", ParamType::kInt},
      {"data-stripes", ParamType::kInt},   {"disk-barriers", ParamType::kString},
      {"disk-custom", ParamType::kString}, {"dynamic-resync", ParamType::kBool},
      {"host", ParamType::kString},        {"meta-barriers", ParamType::kBool},
      {"meta-stripes", ParamType::kInt},   {"metavg", ParamType::kString},
      {"net-custom", ParamType::kString},  {"pool", ParamType::kString},
      {"port", ParamType::kInt},           {"protocol", ParamType::kString},
      {"resync-rate", ParamType::kInt},    {"stripes", ParamType::kInt},
      {"volume", ParamType::kString}};
  return types;
}

json::object ForceParamTypes(const json::object& params, const ParamTypes& types) {
  json::object out;
  for (const auto& kv : params) {
    const std::string key(kv.key());
    auto it = types.find(key);
    if (it == types.end()) throw TypeError("Unknown parameter '" + key + "'");
    out[key] = Converted(key, kv.value(), it->second);
  }
  return out;
}

json::object UpdatedParams(const json::object& current, const json::object& changes) {
  json::object out = current;
  for (const auto& kv : changes) {
    if (IsDefault(kv.value())) {
      out.erase(kv.key());
    } else {
      out[kv.key()] = kv.value();
    }
  }
  return out;
}

json::object UpdatedGroupIPolicy(const json::object& current, const json::object& changes) {
  return UpdatedIPolicy(current, changes, /*group_policy=*/true);
}

json::object UpdatedIPolicy(const json::object& current, const json::object& changes,
                            bool group_policy) {
  static const std::vector<std::string> kKeys{"minmax", "std", "disk-templates", "vcpu-ratio",
                                              "spindle-ratio"};
  json::object out = current;
  for (const auto& kv : changes) {
    const std::string key(kv.key());
    const json::value& value = kv.value();
    if (std::find(kKeys.begin(), kKeys.end(), key) == kKeys.end()) {
      throw OpPrereqError("Invalid key in new ipolicy: " + key, kEcodeInval);
    }
    const bool unset =
        value.is_null() || IsDefault(value) || (value.is_array() && value.get_array().empty()) ||
        (value.is_array() && value.get_array().size() == 1 && IsDefault(value.get_array()[0])) ||
        (value.is_object() && value.get_object().empty()) ||
        (value.is_string() && value.get_string().empty());
    if (unset) {
      if (!group_policy) {
        throw OpPrereqError("Can't unset ipolicy attribute '" + key + "' at the cluster level",
                            kEcodeInval);
      }
      out.erase(key);
    } else if (key == "vcpu-ratio" || key == "spindle-ratio") {
      try {
        out[key] = Converted(key, value, ParamType::kFloat);
      } catch (const GanetiError&) {
        throw OpPrereqError("Invalid value for attribute '" + key + "': '" + Shown(value) + "'",
                            kEcodeInval);
      }
    } else if (key == "minmax") {
      out[key] = CheckedMinMax(value);
    } else if (key == "std") {
      if (group_policy)
        throw OpPrereqError("std cannot appear in group instance specs", kEcodeInval);
      if (!value.is_object()) {
        throw OpPrereqError("Invalid instance policy: std must be a dict", kEcodeInval);
      }
      const auto* old = current.if_contains("std");
      out[key] = ForceParamTypes(
          UpdatedParams(old && old->is_object() ? old->get_object() : json::object{},
                        value.get_object()),
          ISpecTypes());
    } else {  // disk-templates
      if (!value.is_array()) {
        throw OpPrereqError("Invalid instance policy: disk-templates must be a list", kEcodeInval);
      }
      for (const auto& t : value.get_array()) {
        const auto& known = objects::kDiskTemplates;
        if (!t.is_string() ||
            std::find(known.begin(), known.end(), std::string(t.get_string())) == known.end()) {
          throw OpPrereqError(
              "Invalid instance policy: invalid disk template specified: " + Shown(t), kEcodeInval);
        }
      }
      out[key] = value;
    }
  }
  return out;
}

json::object UpdatedDiskParams(const json::object& current, const json::object& changes) {
  json::object out = current;
  for (const auto& kv : changes) {
    const std::string disk_template(kv.key());
    const auto& known = objects::kDiskTemplates;
    if (std::find(known.begin(), known.end(), disk_template) == known.end()) {
      throw OpPrereqError(
          "While verify diskparams options: Unknown disk template '" + disk_template + "'",
          kEcodeInval);
    }
    if (!kv.value().is_object()) {
      throw OpPrereqError("Disk parameters of " + disk_template + " must be a dictionary",
                          kEcodeInval);
    }
    json::object old;
    if (auto it = current.find(disk_template); it != current.end() && it->value().is_object()) {
      old = it->value().get_object();
    }
    json::object updated =
        ForceParamTypes(UpdatedParams(old, kv.value().get_object()), DiskParamTypes());
    static const json::object defaults = objects::DefaultDiskParams();
    const auto* template_defaults = defaults.if_contains(disk_template);
    for (const auto& p : updated) {
      if (template_defaults && template_defaults->is_object() &&
          !template_defaults->get_object().contains(p.key())) {
        throw OpPrereqError("While verify diskparams options: Parameter '" + std::string(p.key()) +
                                "' is not supported by disk template " + disk_template,
                            kEcodeInval);
      }
    }
    out[disk_template] = std::move(updated);
  }
  return out;
}

json::object DictParam(const json::object& op, const char* name) {
  auto it = op.find(name);
  if (it == op.end() || it->value().is_null()) return {};
  if (!it->value().is_object()) {
    throw OpPrereqError(std::string("Parameter '") + name + "' must be a dictionary", kEcodeInval);
  }
  return it->value().get_object();
}

}  // namespace herd::master
