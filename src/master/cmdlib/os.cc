// OP_OS_DIAGNOSE: the OS definitions every node has, merged as Ganeti does.
#include <map>
#include <set>

#include "base/errors.h"
#include "base/json.h"
#include "master/cmdlib/common.h"
#include "master/cmdlib/instance.h"

namespace herd::master {
namespace {

struct OsOnNodes {
  json::object node_status;  // node name -> [[path, status, msg, variants, params, api, trusted]]
  bool valid = true;
  bool seen = false;
  std::vector<std::string> variants;
  json::array parameters, api_versions;
  bool trusted = true;
};

std::vector<std::string> Strings(const json::value& v) {
  std::vector<std::string> out;
  for (const auto& s : v.as_array()) out.emplace_back(s.as_string());
  return out;
}

bool Listed(const std::vector<std::string>& list, const std::string& name) {
  return std::find(list.begin(), list.end(), name) != list.end();
}

}  // namespace

json::value OsDiagnose(LuContext& ctx, const json::object& op) {
  std::vector<std::string> fields;
  if (auto it = op.find("output_fields"); it != op.end() && it->value().is_array()) {
    fields = Strings(it->value());
  }
  if (fields.empty()) throw OpPrereqError("No output fields requested", kEcodeInval);
  static const std::set<std::string> known{
      "name",   "valid",  "variants", "parameters", "api_versions", "blacklisted",
      "hidden", "os_hvp", "osparams", "trusted",    "node_status"};
  for (const auto& f : fields) {
    if (!known.count(f)) throw OpPrereqError("Unknown output fields selected: " + f, kEcodeInval);
  }
  std::vector<std::string> names;
  if (auto it = op.find("names"); it != op.end() && it->value().is_array()) {
    names = Strings(it->value());
  }
  AcquireBgl(ctx, true);
  ctx.op.NotifyStart();
  std::vector<const objects::Node*> nodes;
  objects::Cluster cluster;
  std::vector<objects::Node> node_copies = ctx.config.Read([&](const objects::ConfigData& d) {
    cluster = d.cluster;
    std::vector<objects::Node> out;
    for (const auto& [u, n] : d.nodes) {
      if (!n.offline && n.vm_capable) out.push_back(n);
    }
    return out;
  });
  for (const auto& n : node_copies) nodes.push_back(&n);
  auto results = ctx.rpc.CallParallel(AddressesOf(nodes), rpc::procedures::kOsDiagnose, {});

  std::map<std::string, OsOnNodes> all;
  for (size_t i = 0; i < results.size(); ++i) {
    if (!results[i].ok) continue;  // an unreachable node says nothing of its OSes
    for (const auto& entry : results[i].payload.as_array()) {
      const auto& e = entry.as_array();
      std::string name(e[0].as_string());
      auto& os = all[name];
      json::array info{e[1], e[2], e[3], e[4], e[5], e[6], e[7]};
      os.node_status[node_copies[i].name] = json::array{info};
      bool valid = e[2].as_bool();
      auto variants = Strings(e[4]);
      if (!os.seen) {
        os.variants = variants;
        os.parameters = e[5].as_array();
        os.api_versions = e[6].as_array();
        os.seen = true;
      } else {
        // Only what every node offers counts.
        std::vector<std::string> common;
        for (const auto& v : os.variants) {
          if (Listed(variants, v)) common.push_back(v);
        }
        os.variants = common;
        json::array params;
        for (const auto& p : os.parameters) {
          for (const auto& q : e[5].as_array()) {
            if (p == q) params.push_back(p);
          }
        }
        os.parameters = params;
      }
      os.valid = os.valid && valid;
      os.trusted = os.trusted && e[7].as_bool();
    }
  }
  // Nodes lacking an OS report it missing.
  for (auto& [name, os] : all) {
    for (const auto& n : node_copies) {
      if (!os.node_status.contains(n.name)) {
        os.node_status[n.name] = json::array{};
        os.valid = false;
      }
    }
  }
  const bool filter_usable = std::none_of(fields.begin(), fields.end(), [](const std::string& f) {
    return f == "valid" || f == "hidden" || f == "blacklisted";
  });
  json::array rows;
  for (const auto& [name, os] : all) {
    if (!names.empty() && !Listed(names, name)) continue;
    const bool hidden = Listed(cluster.hidden_os, name);
    const bool blacklisted = Listed(cluster.blacklisted_os, name);
    if (filter_usable && (!os.valid || hidden || blacklisted)) continue;
    json::array row;
    for (const auto& f : fields) {
      if (f == "name") row.push_back(json::value(name));
      if (f == "valid") row.push_back(os.valid);
      if (f == "variants") {
        json::array variants;
        for (const auto& v : os.variants) variants.push_back(json::value(v));
        row.push_back(std::move(variants));
      }
      if (f == "parameters") row.push_back(os.parameters);
      if (f == "api_versions") row.push_back(os.api_versions);
      if (f == "blacklisted") row.push_back(blacklisted);
      if (f == "hidden") row.push_back(hidden);
      if (f == "trusted") row.push_back(os.trusted);
      if (f == "node_status") row.push_back(os.node_status);
      if (f == "os_hvp" || f == "osparams") {
        const auto& source = f == "os_hvp" ? cluster.os_hvp : cluster.osparams;
        json::object one;
        if (auto it = source.find(name); it != source.end()) one[name] = it->value();
        row.push_back(one);
      }
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace herd::master
