#include "master/cmdlib/instance_params.h"

#include <cmath>

#include "base/errors.h"
#include "base/json.h"
#include "objects/defaults.h"

namespace herd::master {
namespace {

int64_t ToIntParam(const json::value& v, const std::string& key) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64()) return static_cast<int64_t>(v.get_uint64());
  if (v.is_double() && std::floor(v.get_double()) == v.get_double()) {
    return static_cast<int64_t>(v.get_double());
  }
  if (v.is_string()) return ParseSizeMib(v, key);
  throw OpPrereqError("Parameter '" + key + "' must be an integer, got " + SerializeJson(v),
                      kEcodeInval);
}

bool ToBoolParam(const json::value& v, const std::string& key) {
  if (v.is_bool()) return v.get_bool();
  if (v.is_string()) {
    std::string s(v.get_string());
    if (s == "true" || s == "True" || s == "yes") return true;
    if (s == "false" || s == "False" || s == "no") return false;
  }
  throw OpPrereqError("Parameter '" + key + "' must be a boolean, got " + SerializeJson(v),
                      kEcodeInval);
}

}  // namespace

int64_t ParseSizeMib(const json::value& v, const std::string& what) {
  if (v.is_int64() || v.is_uint64() || v.is_double()) {
    double d = v.is_double() ? v.get_double() : static_cast<double>(v.to_number<int64_t>());
    if (d < 0) throw OpPrereqError("Invalid negative size for " + what, kEcodeInval);
    return static_cast<int64_t>(d);
  }
  if (!v.is_string()) {
    throw OpPrereqError("Invalid size for " + what + ": " + SerializeJson(v), kEcodeInval);
  }
  std::string s(v.get_string());
  size_t pos = 0;
  double number = 0;
  try {
    number = std::stod(s, &pos);
  } catch (const std::exception&) {
    throw OpPrereqError("Invalid size for " + what + ": '" + s + "'", kEcodeInval);
  }
  std::string unit = s.substr(pos);
  double factor = 1;
  if (unit.empty() || unit == "m" || unit == "M" || unit == "MiB" || unit == "MB") {
    factor = 1;
  } else if (unit == "g" || unit == "G" || unit == "GiB" || unit == "GB") {
    factor = 1024;
  } else if (unit == "t" || unit == "T" || unit == "TiB" || unit == "TB") {
    factor = 1024 * 1024;
  } else {
    throw OpPrereqError("Invalid unit '" + unit + "' in size for " + what + " (use M, G or T)",
                        kEcodeInval);
  }
  if (number < 0) throw OpPrereqError("Invalid negative size for " + what, kEcodeInval);
  return static_cast<int64_t>(std::ceil(number * factor));
}

json::object CheckedBeParams(const json::object& given) {
  static const json::object defaults = objects::DefaultBeParams();
  json::object out;
  for (const auto& kv : given) {
    std::string key(kv.key());
    if (key == "memory") {
      int64_t m = ToIntParam(kv.value(), key);
      out["maxmem"] = m;
      out["minmem"] = m;
      continue;
    }
    auto it = defaults.find(key);
    if (it == defaults.end()) {
      throw OpPrereqError("Unknown backend parameter '" + key +
                              "' (known: always_failover, "
                              "auto_balance, maxmem, memory, minmem, spindle_use, vcpus)",
                          kEcodeInval);
    }
    if (it->value().is_bool()) {
      out[key] = ToBoolParam(kv.value(), key);
    } else {
      int64_t n = ToIntParam(kv.value(), key);
      if (n < (key == "vcpus" ? 1 : 0)) {
        throw OpPrereqError("Invalid value " + std::to_string(n) + " for parameter '" + key + "'",
                            kEcodeInval);
      }
      out[key] = n;
    }
  }
  if (out.contains("maxmem") && out.contains("minmem") &&
      out.at("minmem").as_int64() > out.at("maxmem").as_int64()) {
    throw OpPrereqError("Minimum memory cannot be higher than maximum memory", kEcodeInval);
  }
  return out;
}

json::object CheckedHvParams(const std::string& hypervisor, const json::object& given) {
  json::object defaults = objects::DefaultHvParams(hypervisor);
  json::object out;
  for (const auto& kv : given) {
    std::string key(kv.key());
    auto it = defaults.find(key);
    if (it == defaults.end()) {
      std::string known;
      for (const auto& d : defaults) known += (known.empty() ? "" : ", ") + std::string(d.key());
      throw OpPrereqError("Unknown hypervisor parameter '" + key + "' for hypervisor " +
                              hypervisor + " (known: " + known + ")",
                          kEcodeInval);
    }
    if (key == "migration_mode" &&
        !(kv.value() == json::value("live") || kv.value() == json::value("non-live"))) {
      throw OpPrereqError("Invalid value " + SerializeJson(kv.value()) +
                              " for hypervisor parameter 'migration_mode': must be 'live' or "
                              "'non-live'",
                          kEcodeInval);
    }
    if (it->value().is_bool()) {
      out[key] = ToBoolParam(kv.value(), key);
    } else if (it->value().is_int64()) {
      out[key] = ToIntParam(kv.value(), key);
    } else if (it->value().is_string() && !kv.value().is_string()) {
      throw OpPrereqError("Hypervisor parameter '" + key + "' must be a string", kEcodeInval);
    } else {
      out[key] = kv.value();
    }
  }
  return out;
}

}  // namespace herd::master
