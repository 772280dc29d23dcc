#include "htools/json_fields.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <limits>

#include "base/errors.h"

namespace herd::htools {
namespace json = boost::json;

const std::vector<std::string> kInstanceStatusNames{
    "ADMIN_down",        "ADMIN_offline", "ERROR_down", "ERROR_up",       "ERROR_nodedown",
    "ERROR_nodeoffline", "running",       "USER_down",  "ERROR_wrongnode"};
const std::vector<std::string> kDiskTemplateNames{
    "diskless", "file", "sharedfile", "plain", "blockdev", "drbd", "rbd", "ext", "gluster"};
const std::vector<std::string> kAllocPolicyNames{"preferred", "last_resort", "unallocable"};
const std::vector<std::string> kHypervisorNames{"kvm",     "xen-pvm", "chroot",
                                                "xen-hvm", "lxc",     "fake"};

namespace {

// A value as it appears in a message, shortened.
std::string Shown(const json::value& v) {
  std::string text = json::serialize(v);
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  return text;
}

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

}  // namespace

void FieldReader::Fail(std::string_view field, const std::string& message) const {
  throw ParameterError(source_ + ": " + object_ +
                       (field.empty() ? "" : ", field '" + std::string(field) + "'") + ": " +
                       message);
}

std::string FieldReader::String(const json::value& v, std::string_view field) const {
  if (!v.is_string()) Fail(field, Shown(v) + " is not a string");
  return std::string(v.get_string());
}

int64_t FieldReader::Int(const json::value& v, std::string_view field) const {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64() && v.get_uint64() <= uint64_t(std::numeric_limits<int64_t>::max())) {
    return static_cast<int64_t>(v.get_uint64());
  }
  if (v.is_double() && std::isfinite(v.get_double()) && std::fabs(v.get_double()) < 9e18) {
    return static_cast<int64_t>(std::nearbyint(v.get_double()));  // half to even, as Haskell
  }
  Fail(field, Shown(v) + " is not an integer");
}

double FieldReader::Number(const json::value& v, std::string_view field) const {
  if (!v.is_number()) Fail(field, Shown(v) + " is not a number");
  return v.to_number<double>();
}

bool FieldReader::Bool(const json::value& v, std::string_view field) const {
  if (!v.is_bool()) Fail(field, Shown(v) + " is not a boolean");
  return v.get_bool();
}

std::vector<std::string> FieldReader::Strings(const json::value& v, std::string_view field) const {
  if (!v.is_array()) Fail(field, Shown(v) + " is not a list of strings");
  std::vector<std::string> out;
  for (const auto& item : v.get_array()) {
    if (!item.is_string()) Fail(field, "item " + Shown(item) + " is not a string");
    out.emplace_back(item.get_string());
  }
  return out;
}

std::vector<int64_t> FieldReader::Ints(const json::value& v, std::string_view field) const {
  if (!v.is_array()) Fail(field, Shown(v) + " is not a list of integers");
  std::vector<int64_t> out;
  for (const auto& item : v.get_array()) out.push_back(Int(item, field));
  return out;
}

std::vector<std::optional<int64_t>> FieldReader::OptionalInts(const json::value& v,
                                                              std::string_view field) const {
  if (!v.is_array()) Fail(field, Shown(v) + " is not a list");
  std::vector<std::optional<int64_t>> out;
  for (const auto& item : v.get_array()) {
    out.push_back(item.is_null() ? std::nullopt : std::optional<int64_t>(Int(item, field)));
  }
  return out;
}

std::string FieldReader::OneOf(const json::value& v, std::string_view field,
                               const std::vector<std::string>& allowed) const {
  std::string s = String(v, field);
  if (std::find(allowed.begin(), allowed.end(), s) == allowed.end()) {
    Fail(field, "'" + s + "' is not one of " + Join(allowed));
  }
  return s;
}

const json::object& FieldReader::Object(const json::value& v, std::string_view field) const {
  if (!v.is_object()) Fail(field, Shown(v) + " is not an object");
  return v.get_object();
}

ISpec FieldReader::Spec(const json::value& v, const std::string& field) const {
  const auto& o = Object(v, field);
  auto get = [&](const char* key) {
    auto it = o.find(key);
    if (it == o.end()) Fail(field + "/" + key, "missing");
    return Int(it->value(), field + "/" + key);
  };
  ISpec s;
  s.memory_size = get("memory-size");
  s.cpu_count = get("cpu-count");
  s.disk_size = get("disk-size");
  s.disk_count = get("disk-count");
  s.nic_count = get("nic-count");
  s.spindle_use = get("spindle-use");
  return s;
}

IPolicy FieldReader::Policy(const json::value& v, std::string_view field_view) const {
  const std::string field(field_view);
  const auto& o = Object(v, field);
  auto member = [&](const char* key) -> const json::value& {
    auto it = o.find(key);
    if (it == o.end()) Fail(field + "/" + key, "missing");
    return it->value();
  };
  IPolicy p;
  const auto& minmax = member("minmax");
  if (!minmax.is_array()) Fail(field + "/minmax", Shown(minmax) + " is not a list");
  p.minmax.clear();
  for (const auto& item : minmax.get_array()) {
    const auto& pair = Object(item, field + "/minmax");
    auto spec = [&](const char* key) {
      auto it = pair.find(key);
      if (it == pair.end()) Fail(field + "/minmax/" + key, "missing");
      return Spec(it->value(), field + "/minmax/" + key);
    };
    p.minmax.push_back({spec("min"), spec("max")});
  }
  p.std_spec = Spec(member("std"), field + "/std");
  const auto& templates = member("disk-templates");
  p.disk_templates = Strings(templates, field + "/disk-templates");
  for (const auto& t : p.disk_templates) {
    if (std::find(kDiskTemplateNames.begin(), kDiskTemplateNames.end(), t) ==
        kDiskTemplateNames.end()) {
      Fail(field + "/disk-templates", "'" + t + "' is not one of " + Join(kDiskTemplateNames));
    }
  }
  p.vcpu_ratio = Number(member("vcpu-ratio"), field + "/vcpu-ratio");
  p.spindle_ratio = Number(member("spindle-ratio"), field + "/spindle-ratio");
  return p;
}

std::optional<int64_t> SumDiskSpindles(const std::vector<int64_t>& sizes,
                                       const std::vector<std::optional<int64_t>>& spindles) {
  int64_t total = 0;
  for (size_t i = 0; i < std::min(sizes.size(), spindles.size()); ++i) {
    if (!spindles[i]) return std::nullopt;
    total += *spindles[i];
  }
  return total;
}

}  // namespace herd::htools
