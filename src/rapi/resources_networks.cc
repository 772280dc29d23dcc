// IP networks and job filter rules: /2/networks... and /2/filters...
#include <boost/json.hpp>

#include "base/json.h"
#include "rapi/router.h"

namespace herd::rapi {
namespace json = boost::json;
namespace {

const std::vector<std::string> kNetworkFields{
    "name",       "network",        "gateway", "network6",   "gateway6",  "mac_prefix",
    "free_count", "reserved_count", "map",     "group_list", "inst_list", "external_reservations",
    "ctime",      "mtime",          "uuid",    "serial_no",  "tags"};
const std::vector<std::string> kFilterFields{"watermark", "priority",     "predicates",
                                             "action",    "reason_trail", "uuid"};

// Ganeti's checkFilterParameters: [priority, predicates, action, reason].
json::array FilterArgs(const RapiRequest& req) {
  const json::object& body = req.BodyObject();
  for (const auto& kv : body) {
    const std::string key(kv.key());
    if (key != "priority" && key != "predicates" && key != "action" && key != "reason") {
      throw HttpError(
          400, "Invalid body parameters: filter rule doesn't support the parameter '" + key + "'");
    }
  }
  auto get = [&](const char* key, json::value fallback) {
    const auto* v = body.if_contains(key);
    return v ? *v : fallback;
  };
  json::value priority = get("priority", 0), predicates = get("predicates", json::array{});
  json::value reason = get("reason", json::array{});
  if (!priority.is_int64()) throw HttpError(400, "Parameter 'priority' must be an integer");
  if (!predicates.is_array()) throw HttpError(400, "Parameter 'predicates' must be a list");
  if (!reason.is_array()) throw HttpError(400, "Parameter 'reason' must be a list");
  return json::array{priority, predicates, get("action", "CONTINUE"), reason};
}

json::array WithFirst(json::value first, json::array rest) {
  rest.insert(rest.begin(), std::move(first));
  return rest;
}

}  // namespace

void AddNetworkResources(Router& r) {
  r.Add({"/2/networks",
         {{"POST", Write([](const RapiRequest& req) {
             return SubmitJob(req, json::array{FillOpcode("OP_NETWORK_ADD", req.BodyObject(),
                                                          {{"dry_run", req.DryRun()}})});
           })},
          {"GET", Read([](const RapiRequest& req) -> json::value {
             return CollectionGet(req, "network", kNetworkFields, "name", "/2/networks/%s", "name");
           })}}});
  for (const auto& [path, op_id] : std::initializer_list<std::pair<const char*, const char*>>{
           {"/2/networks/*/connect", "OP_NETWORK_CONNECT"},
           {"/2/networks/*/disconnect", "OP_NETWORK_DISCONNECT"},
           {"/2/networks/*/modify", "OP_NETWORK_SET_PARAMS"}}) {
    const std::string id = op_id;
    r.Add({path, {{"PUT", Write([id](const RapiRequest& req) {
                     json::object fixed{{"network_name", req.items[0]}};
                     if (id != "OP_NETWORK_SET_PARAMS") fixed["dry_run"] = req.DryRun();
                     return SubmitJob(req, json::array{FillOpcode(id, req.BodyObject(), fixed)});
                   })}}});
  }
  r.Add({"/2/networks/*",
         {{"DELETE", Write([](const RapiRequest& req) {
             return SubmitJob(req, json::array{FillOpcode("OP_NETWORK_REMOVE", req.BodyObject(),
                                                          {{"network_name", req.items[0]},
                                                           {"dry_run", req.DryRun()}})});
           })},
          {"GET", Read([](const RapiRequest& req) -> json::value {
             auto rows =
                 QueryRows(req, "network", kNetworkFields, json::array{"=", "name", req.items[0]});
             if (rows.empty()) throw HttpError(404, "Network '" + req.items[0] + "' not found");
             return ZipFields(kNetworkFields, rows[0]);
           })}}});
  r.Add(TagsResource("/2/networks/*/tags", "network"));

  r.Add({"/2/filters",
         {{"POST", Write([](const RapiRequest& req) {
             return Luxi(req, "ReplaceFilter", WithFirst(nullptr, FilterArgs(req)));
           })},
          {"GET", Read([](const RapiRequest& req) -> json::value {
             return CollectionGet(req, "filter", kFilterFields, "uuid", "/2/filters/%s", "uuid");
           })}}});
  r.Add({"/2/filters/*",
         {{"PUT", Write([](const RapiRequest& req) {
             return Luxi(req, "ReplaceFilter",
                         WithFirst(json::value(req.items[0]), FilterArgs(req)));
           })},
          {"DELETE", Write([](const RapiRequest& req) {
             return Luxi(req, "DeleteFilter", json::array{json::value(req.items[0])});
           })},
          {"GET", Read([](const RapiRequest& req) -> json::value {
             auto rows =
                 QueryRows(req, "filter", kFilterFields, json::array{"=", "uuid", req.items[0]});
             if (rows.empty()) throw HttpError(404, "Filter '" + req.items[0] + "' not found");
             return ZipFields(kFilterFields, rows[0]);
           })}}});
}

}  // namespace herd::rapi
