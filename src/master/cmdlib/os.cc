// OP_OS_DIAGNOSE: the OS definitions every node has, merged as Ganeti does.
#include <map>
#include <set>

#include "base/errors.h"
#include "base/json.h"
#include "master/cmdlib/common.h"
#include "master/cmdlib/instance.h"
#include "master/query/resource_queries.h"

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

std::vector<OsRow> CollectOses(rpc::NodeRpcClient& rpc, const ConfigStore& config) {
  std::vector<const objects::Node*> nodes;
  objects::Cluster cluster;
  std::vector<objects::Node> node_copies = config.Read([&](const objects::ConfigData& d) {
    cluster = d.cluster;
    std::vector<objects::Node> out;
    for (const auto& [u, n] : d.nodes) {
      if (!n.offline && n.vm_capable) out.push_back(n);
    }
    return out;
  });
  for (const auto& n : node_copies) nodes.push_back(&n);
  auto results = rpc.CallParallel(AddressesOf(nodes), rpc::procedures::kOsDiagnose, {});
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
  std::vector<OsRow> rows;
  for (auto& [name, os] : all) {
    OsRow row;
    row.name = name;
    row.valid = os.valid;
    row.trusted = os.trusted;
    row.node_status = std::move(os.node_status);
    for (const auto& v : os.variants) row.variants.emplace_back(v);
    row.parameters = std::move(os.parameters);
    row.api_versions = std::move(os.api_versions);
    row.hidden = Listed(cluster.hidden_os, name);
    row.blacklisted = Listed(cluster.blacklisted_os, name);
    if (auto it = cluster.os_hvp.find(name); it != cluster.os_hvp.end()) {
      row.os_hvp[name] = it->value();
    }
    if (auto it = cluster.osparams.find(name); it != cluster.osparams.end()) {
      row.osparams[name] = it->value();
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

json::value OsDiagnose(LuContext& ctx, const json::object& op) {
  std::vector<std::string> fields = StringListParam(op, "output_fields");
  if (fields.empty()) throw OpPrereqError("No output fields requested", kEcodeInval);
  const auto names = StringListParam(op, "names");
  AcquireBgl(ctx, true);
  ctx.op.NotifyStart();
  // Ganeti's _BuildFilter: unless asked about them, invalid, hidden and
  // blacklisted OSes are left out.
  json::array filter{"&"};
  if (!names.empty()) filter.push_back(AnyNameFilter("name", names));
  for (const char* flag : {"valid", "hidden", "blacklisted"}) {
    if (std::find(fields.begin(), fields.end(), flag) != fields.end()) continue;
    if (std::string(flag) == "valid") {
      filter.push_back(json::array{"?", "valid"});
    } else {
      filter.push_back(json::array{"!", json::array{"?", flag}});
    }
  }
  const QuerySources sources{ctx.paths, ctx.config, ctx.rpc, nullptr, ctx.locks};
  CheckKnownFields("os", fields);
  return PlainRows(RunResourceQuery(
      QueryRequest{"os", fields, filter.size() > 1 ? json::value(filter) : json::value()},
      sources));
}

}  // namespace herd::master
