// Cluster-wide resources: /, /version, /2/info, /2/features, /2/os, /2/tags,
// /2/modify, /2/redistribute-config, /2/jobs..., /2/query/..., /2/groups...
#include <boost/json.hpp>

#include "base/json.h"
#include "rapi/router.h"

namespace herd::rapi {
namespace json = boost::json;
namespace {

const std::vector<std::string> kJobFieldsBulk{"id",       "ops",         "status",   "summary",
                                              "opstatus", "received_ts", "start_ts", "end_ts"};
const std::vector<std::string> kJobFields{"id",       "ops",         "status",   "summary",
                                          "opstatus", "received_ts", "start_ts", "end_ts",
                                          "oplog",    "opresult"};
const std::vector<std::string> kGroupFields{"alloc_policy", "name",
                                            "node_cnt",     "node_list",
                                            "ipolicy",      "custom_ipolicy",
                                            "diskparams",   "custom_diskparams",
                                            "ndparams",     "custom_ndparams",
                                            "ctime",        "mtime",
                                            "uuid",         "serial_no",
                                            "tags"};
const std::vector<std::string> kOsFieldsBulk{
    "name", "valid", "variants", "parameters", "api_versions", "blacklisted", "hidden", "trusted"};
const std::vector<std::string> kQueryResources{"cluster", "export", "filter",  "group", "instance",
                                               "job",     "lock",   "network", "node",  "os"};

json::array Strings(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.push_back(json::value(s));
  return a;
}

json::value JobIdValue(const std::string& text) {
  try {
    size_t used = 0;
    long long id = std::stoll(text, &used);
    if (used == text.size()) return json::value(id);
  } catch (const std::exception&) {
  }
  throw HttpError(400, "Invalid job ID '" + text + "'");
}

// Runs a job of one opcode and waits for its result (for GET resources that
// Ganeti answers through a job, such as /2/os).
json::value RunJobAndWait(const RapiRequest& req, json::object op) {
  json::value id = SubmitJob(req, json::array{std::move(op)});
  for (;;) {
    json::array args{json::array{id}, json::array{"status", "opresult"}};
    auto rows = Luxi(req, "QueryJobs", std::move(args)).as_array();
    const auto& row = rows.at(0).as_array();
    std::string status(row[0].as_string());
    if (status == "success") return row[1].as_array().at(0);
    if (status == "error" || status == "canceled") {
      throw HttpError(502, "Job " + SerializeJson(id) + " failed: " + SerializeJson(row[1]));
    }
    json::array wait{id, json::array{"status"}, json::array{json::value(status)}, -1, 5};
    Luxi(req, "WaitForJobChange", std::move(wait));
  }
}

void CheckQueryResource(const std::string& resource) {
  if (std::find(kQueryResources.begin(), kQueryResources.end(), resource) ==
      kQueryResources.end()) {
    throw HttpError(400, "Resource type '" + resource +
                             "' is not queryable (one of: cluster, "
                             "export, filter, group, instance, job, lock, "
                             "network, node, os)");
  }
}

json::array QueryFieldsArg(const RapiRequest& req, const json::value& from_body) {
  if (from_body.is_array()) return from_body.get_array();
  if (!from_body.is_null()) throw HttpError(400, "The 'fields' parameter must be a list");
  std::string text = req.QueryString("fields");
  if (text.empty()) throw HttpError(400, "Missing 'fields' query argument");
  return CommaList(text);
}

json::value RunQueryResource(const RapiRequest& req, const json::value& fields,
                             json::value filter) {
  const std::string resource = req.items.at(0);
  CheckQueryResource(resource);
  json::array args{json::value(resource), QueryFieldsArg(req, fields), std::move(filter)};
  return Luxi(req, "Query", std::move(args));
}

}  // namespace

void AddClusterResources(Router& r) {
  r.Add({"/", {{"GET", Read([](const RapiRequest&) -> json::value { return nullptr; })}}});
  r.Add({"/2", {{"GET", Read([](const RapiRequest&) -> json::value { return nullptr; })}}});
  r.Add({"/version", {{"GET", Read([](const RapiRequest&) -> json::value { return 2; })}}});
  r.Add(
      {"/2/info",
       {{"GET", Read([](const RapiRequest& req) { return Luxi(req, "QueryClusterInfo", {}); })}}});
  r.Add({"/2/features", {{"GET", Read([](const RapiRequest&) -> json::value {
                            return json::array{"instance-create-reqv1", "instance-reinstall-reqv1",
                                               "node-migrate-reqv1", "node-evac-res1"};
                          })}}});
  r.Add({"/2/os", {{"GET", Read([](const RapiRequest& req) -> json::value {
                      const bool bulk = req.Bulk();
                      json::value result = RunJobAndWait(
                          req,
                          json::object{{"OP_ID", "OP_OS_DIAGNOSE"},
                                       {"output_fields", bulk ? Strings(kOsFieldsBulk)
                                                              : json::array{"name", "variants"}},
                                       {"names", json::array{}}});
                      json::array out;
                      for (const auto& row : result.as_array()) {
                        const auto& r = row.as_array();
                        if (bulk) {
                          std::vector<json::value> values(r.begin(), r.end());
                          json::object item = ZipFields(kOsFieldsBulk, values);
                          json::array params;
                          for (const auto& p : item["parameters"].as_array()) {
                            params.push_back(json::object{{"name", p.as_array()[0]},
                                                          {"description", p.as_array()[1]}});
                          }
                          item["parameters"] = std::move(params);
                          out.push_back(std::move(item));
                        } else if (r[1].as_array().empty()) {
                          out.push_back(r[0]);
                        } else {
                          for (const auto& v : r[1].as_array()) {
                            out.push_back(json::value(std::string(r[0].as_string()) + "+" +
                                                      std::string(v.as_string())));
                          }
                        }
                      }
                      return out;
                    })}}});
  r.Add(TagsResource("/2/tags", "cluster"));
  r.Add({"/2/modify",
         {{"PUT", Write([](const RapiRequest& req) {
             // Ganeti keeps the compression tools out of RAPI's reach.
             if (req.query.count("compression_tools") ||
                 req.BodyObject().contains("compression_tools")) {
               throw HttpError(403, "The parameter compression_tools cannot be set via RAPI");
             }
             return SubmitJob(
                 req, json::array{FillOpcode("OP_CLUSTER_SET_PARAMS", req.BodyObject(), {})});
           })}}});
  r.Add({"/2/redistribute-config",
         {{"PUT", Write([](const RapiRequest& req) {
             return SubmitJob(req, json::array{FillOpcode("OP_CLUSTER_REDIST_CONF", {},
                                                          {{"dry_run", req.DryRun()}})});
           })}}});

  // Jobs.
  r.Add({"/2/jobs", {{"GET", Read([](const RapiRequest& req) -> json::value {
                        if (req.Bulk()) {
                          auto rows = QueryRows(req, "job", kJobFieldsBulk);
                          json::array out;
                          for (const auto& row : rows)
                            out.push_back(ZipFields(kJobFieldsBulk, row));
                          return out;
                        }
                        std::vector<std::string> ids;
                        for (const auto& row : QueryRows(req, "job", {"id"})) {
                          ids.push_back(SerializeJson(row[0]));
                        }
                        return UriList(ids, "/2/jobs/%s");
                      })}}});
  r.Add({"/2/jobs/*",
         {{"GET", Read([](const RapiRequest& req) -> json::value {
             json::array args{json::array{JobIdValue(req.items[0])}, Strings(kJobFields)};
             auto rows = Luxi(req, "QueryJobs", std::move(args)).as_array();
             if (rows.empty() || rows[0].is_null()) throw HttpError(404, "Job not found");
             const auto& row = rows[0].as_array();
             return ZipFields(kJobFields, std::vector<json::value>(row.begin(), row.end()));
           })},
          {"DELETE", Write([](const RapiRequest& req) {
             return Luxi(req, "CancelJob", json::array{JobIdValue(req.items[0])});
           })}}});
  r.Add({"/2/jobs/*/wait",
         {{"GET", Write([](const RapiRequest& req) -> json::value {
             const auto& body = req.BodyObject();
             auto get = [&](const char* key) {
               auto it = body.find(key);
               return it == body.end() ? json::value() : it->value();
             };
             json::value fields = get("fields");
             json::value prev_info = get("previous_job_info");
             json::value prev_serial = get("previous_log_serial");
             if (!fields.is_array()) {
               throw HttpError(400, "The 'fields' parameter should be a list");
             }
             if (!prev_info.is_null() && !prev_info.is_array()) {
               throw HttpError(400, "The 'previous_job_info' parameter should be a list");
             }
             if (!prev_serial.is_null() && !prev_serial.is_int64()) {
               throw HttpError(400, "The 'previous_log_serial' parameter should be a number");
             }
             json::array args{JobIdValue(req.items[0]), fields, prev_info,
                              prev_serial.is_null() ? json::value(-1) : prev_serial, 10};
             json::value result = Luxi(req, "WaitForJobChange", std::move(args));
             if (result.is_null()) throw HttpError(404, "Job not found");
             if (result.is_string()) return nullptr;  // "nochange"
             const auto& a = result.as_array();
             return json::object{{"job_info", a[0]}, {"log_entries", a[1]}};
           })}}});

  // Query.
  r.Add({"/2/query/*",
         {{"GET",
           Read([](const RapiRequest& req) { return RunQueryResource(req, nullptr, nullptr); })},
          {"PUT", Read([](const RapiRequest& req) {
             const auto& body = req.BodyObject();
             auto get = [&](const char* key) {
               auto it = body.find(key);
               return it == body.end() ? json::value() : it->value();
             };
             json::value filter = get("qfilter");
             if (filter.is_null()) filter = get("filter");
             return RunQueryResource(req, get("fields"), filter);
           })}}});
  r.Add({"/2/query/*/fields", {{"GET", Read([](const RapiRequest& req) {
                                  const std::string resource = req.items.at(0);
                                  CheckQueryResource(resource);
                                  json::array args{json::value(resource)};
                                  std::string text = req.QueryString("fields");
                                  args.push_back(text.empty()
                                                     ? json::value(nullptr)
                                                     : json::value(QueryFieldsArg(req, nullptr)));
                                  return Luxi(req, "QueryFields", std::move(args));
                                })}}});

  // Node groups.
  r.Add({"/2/groups",
         {{"POST", Write([](const RapiRequest& req) {
             return SubmitJob(req, json::array{FillOpcode("OP_GROUP_ADD", req.BodyObject(),
                                                          {{"dry_run", req.DryRun()}},
                                                          {{"name", "group_name"}})});
           })},
          {"GET", Read([](const RapiRequest& req) -> json::value {
             return CollectionGet(req, "group", kGroupFields, "name", "/2/groups/%s", "name");
           })}}});
  r.Add({"/2/groups/*/modify",
         {{"PUT", Write([](const RapiRequest& req) {
             return SubmitJob(req, json::array{FillOpcode("OP_GROUP_SET_PARAMS", req.BodyObject(),
                                                          {{"group_name", req.items[0]}})});
           })}}});
  r.Add({"/2/groups/*/rename",
         {{"PUT", Write([](const RapiRequest& req) {
             return SubmitJob(req, json::array{FillOpcode(
                                       "OP_GROUP_RENAME", req.BodyObject(),
                                       {{"group_name", req.items[0]}, {"dry_run", req.DryRun()}})});
           })}}});
  r.Add({"/2/groups/*/assign-nodes",
         {{"PUT", Write([](const RapiRequest& req) {
             return SubmitJob(req, json::array{FillOpcode("OP_GROUP_ASSIGN_NODES", req.BodyObject(),
                                                          {{"group_name", req.items[0]},
                                                           {"dry_run", req.DryRun()},
                                                           {"force", req.Force()}})});
           })}}});
  r.Add({"/2/groups/*",
         {{"DELETE", Write([](const RapiRequest& req) {
             return SubmitJob(req, json::array{FillOpcode(
                                       "OP_GROUP_REMOVE", {},
                                       {{"group_name", req.items[0]}, {"dry_run", req.DryRun()}})});
           })},
          {"GET", Read([](const RapiRequest& req) -> json::value {
             auto rows =
                 QueryRows(req, "group", kGroupFields, json::array{"=", "name", req.items[0]});
             if (rows.empty()) {
               throw HttpError(404, "Node group '" + req.items[0] + "' not found");
             }
             return ZipFields(kGroupFields, rows[0]);
           })}}});
  r.Add(TagsResource("/2/groups/*/tags", "nodegroup"));
}

}  // namespace herd::rapi
