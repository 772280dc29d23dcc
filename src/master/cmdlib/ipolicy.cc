#include "master/cmdlib/ipolicy.h"

#include <algorithm>

#include "base/json.h"

namespace herd::master {
namespace {

std::vector<std::string> RangeViolations(const json::object& minmax, const InstanceSpecs& s) {
  std::vector<std::string> out;
  const auto& min = AsObject(minmax.at("min"), "ipolicy min");
  const auto& max = AsObject(minmax.at("max"), "ipolicy max");
  auto check = [&](const std::string& key, const std::string& suffix, int64_t value) {
    int64_t lo = GetIntOr(min, key, 0), hi = GetIntOr(max, key, INT64_MAX);
    if (value < lo || value > hi) {
      out.push_back(key + suffix + " value " + std::to_string(value) + " is not in range [" +
                    std::to_string(lo) + ", " + std::to_string(hi) + "]");
    }
  };
  check("memory-size", "", s.memory);
  check("cpu-count", "", s.vcpus);
  check("nic-count", "", s.nic_count);
  check("spindle-use", "", s.spindle_use);
  for (size_t i = 0; i < s.disk_sizes.size(); ++i) {
    check("disk-size", "/" + std::to_string(i), s.disk_sizes[i]);
  }
  // Diskless instances have no disks to count.
  if (s.disk_template != "diskless") {
    check("disk-count", "", static_cast<int64_t>(s.disk_sizes.size()));
  }
  return out;
}

}  // namespace

std::vector<std::string> IPolicyViolations(const json::object& ipolicy, const InstanceSpecs& s) {
  std::vector<std::string> out;
  if (auto it = ipolicy.find("disk-templates"); it != ipolicy.end() && it->value().is_array()) {
    const auto& allowed = it->value().get_array();
    bool ok = std::any_of(allowed.begin(), allowed.end(),
                          [&](const json::value& v) { return v == json::value(s.disk_template); });
    if (!ok) {
      std::string list;
      for (const auto& v : allowed) {
        list += (list.empty() ? "" : ", ") + std::string(v.as_string());
      }
      out.push_back("Disk template " + s.disk_template +
                    " is not allowed (allowed templates: " + list + ")");
    }
  }
  auto it = ipolicy.find("minmax");
  if (it == ipolicy.end() || !it->value().is_array() || it->value().get_array().empty()) {
    return out;
  }
  std::vector<std::string> best;
  bool first = true;
  for (const auto& mm : it->value().get_array()) {
    auto v = RangeViolations(AsObject(mm, "ipolicy minmax"), s);
    if (first || v.size() < best.size()) best = std::move(v);
    first = false;
    if (best.empty()) break;
  }
  out.insert(out.end(), best.begin(), best.end());
  return out;
}

}  // namespace herd::master
