#include "master/query/os_queries.h"

#include <boost/json.hpp>

#include "master/cmdlib/instance.h"
#include "master/query/resource_queries.h"
#include "query/query_result.h"

namespace herd::master {
namespace {
namespace q = herd::query;

const q::FieldTable<OsRow>& Fields() {
  static const q::FieldTable<OsRow> table = [] {
    q::FieldTable<OsRow> t;
    auto of = [](auto f) { return [f](const OsRow& r) { return q::FieldValue::Of(f(r)); }; };
    t.Add("name", "Name", q::kText, "Operating system name",
          of([](const OsRow& r) { return json::value(r.name); }));
    t.Add("valid", "Valid", q::kBool, "Whether operating system definition is valid",
          of([](const OsRow& r) { return json::value(r.valid); }));
    t.Add("hidden", "Hidden", q::kBool, "Whether operating system is hidden",
          of([](const OsRow& r) { return json::value(r.hidden); }));
    t.Add("blacklisted", "Blacklisted", q::kBool, "Whether operating system is blacklisted",
          of([](const OsRow& r) { return json::value(r.blacklisted); }));
    t.Add("variants", "Variants", q::kOther, "Operating system variants",
          of([](const OsRow& r) { return json::value(r.variants); }));
    t.Add("api_versions", "ApiVersions", q::kOther, "Operating system API versions",
          of([](const OsRow& r) { return json::value(r.api_versions); }));
    t.Add("parameters", "Parameters", q::kOther, "Operating system parameters",
          of([](const OsRow& r) { return json::value(r.parameters); }));
    t.Add("node_status", "NodeStatus", q::kOther,
          "Status from node, only available if definition is invalid",
          of([](const OsRow& r) { return json::value(r.node_status); }));
    t.Add("os_hvp", "OsHypervisorParams", q::kOther,
          "Operating system specific hypervisor "
          "parameters",
          of([](const OsRow& r) { return json::value(r.os_hvp); }));
    t.Add("osparams", "OsParameters", q::kOther, "Operating system specific parameters",
          of([](const OsRow& r) { return json::value(r.osparams); }));
    t.Add("trusted", "Trusted", q::kBool, "Whether this OS is trusted",
          of([](const OsRow& r) { return json::value(r.trusted); }));
    return t;
  }();
  return table;
}

}  // namespace

json::value QueryOses(const QueryRequest& request, const ConfigStore& config,
                      rpc::NodeRpcClient& rpc) {
  return q::RunQuery(Fields(), request.fields, CollectOses(rpc, config), request.filter);
}

json::value OsFields(const std::vector<std::string>& fields) {
  return q::FieldsOf(Fields(), fields);
}

}  // namespace herd::master
