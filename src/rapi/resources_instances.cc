// Instance resources: /2/instances (list, create), /2/instances-multi-alloc
// and /2/instances/[instance] with its actions, info, console and tags.
#include <boost/json.hpp>

#include "base/json.h"
#include "rapi/router.h"

namespace herd::rapi {
namespace json = boost::json;
namespace {

const std::vector<std::string> kInstanceFields{"name",
                                               "admin_state",
                                               "os",
                                               "pnode",
                                               "snodes",
                                               "disk_template",
                                               "nic.ips",
                                               "nic.macs",
                                               "nic.modes",
                                               "nic.uuids",
                                               "nic.names",
                                               "nic.links",
                                               "nic.networks",
                                               "nic.networks.names",
                                               "nic.bridges",
                                               "network_port",
                                               "disk.sizes",
                                               "disk.spindles",
                                               "disk_usage",
                                               "disk.uuids",
                                               "disk.names",
                                               "beparams",
                                               "hvparams",
                                               "oper_state",
                                               "oper_ram",
                                               "oper_vcpus",
                                               "status",
                                               "custom_hvparams",
                                               "custom_beparams",
                                               "custom_nicparams",
                                               "custom_osparams",
                                               "ctime",
                                               "mtime",
                                               "uuid",
                                               "serial_no",
                                               "tags"};

const std::map<std::string, std::string> kCreateRename{{"os", "os_type"},
                                                       {"name", "instance_name"}};

// Ganeti still reports the old "memory" backend parameter next to maxmem.
json::object WithMemory(json::object inst) {
  if (auto it = inst.find("beparams"); it != inst.end() && it->value().is_object()) {
    auto& be = it->value().as_object();
    if (be.contains("maxmem")) be["memory"] = be["maxmem"];
  }
  return inst;
}

json::object Instance(const RapiRequest& req) { return {{"instance_name", req.items.at(0)}}; }

json::object With(json::object base, const json::object& more) {
  for (const auto& kv : more) base[kv.key()] = kv.value();
  return base;
}

}  // namespace

void AddInstanceResources(Router& r) {
  r.Add({"/2/instances",
         {{"GET", Read([](const RapiRequest& req) -> json::value {
             if (req.Bulk()) {
               json::array out;
               for (const auto& row : QueryRows(req, "instance", kInstanceFields)) {
                 out.push_back(WithMemory(ZipFields(kInstanceFields, row)));
               }
               return out;
             }
             std::vector<std::string> names;
             for (const auto& row : QueryRows(req, "instance", {"name"})) {
               names.emplace_back(row[0].as_string());
             }
             return UriList(names, "/2/instances/%s");
           })},
          {"POST", Write([](const RapiRequest& req) {
             json::object body = req.BodyObject();
             auto version = body.find("__version__");
             if (version == body.end() || version->value() == json::value(0)) {
               throw HttpError(400, "Instance creation request version 0 is no longer supported");
             }
             if (version->value() != json::value(1)) {
               throw HttpError(
                   400, "Unsupported request data version " + SerializeJson(version->value()));
             }
             body.erase("__version__");
             return SubmitJob(req,
                              json::array{FillOpcode("OP_INSTANCE_CREATE", body,
                                                     {{"dry_run", req.DryRun()}}, kCreateRename)});
           })}}});
  r.Add({"/2/instances-multi-alloc",
         {{"POST", Write([](const RapiRequest& req) {
             json::object body = req.BodyObject();
             auto it = body.find("instances");
             if (it == body.end()) {
               throw HttpError(400, "Request is missing required 'instances' field in body");
             }
             if (!it->value().is_array()) throw HttpError(400, "'instances' must be a list");
             json::array instances;
             for (const auto& inst : it->value().get_array()) {
               if (!inst.is_object()) throw HttpError(400, "Each instance must be a dictionary");
               json::object op =
                   FillOpcode("OP_INSTANCE_CREATE", inst.get_object(), {}, kCreateRename);
               op.erase("OP_ID");
               instances.push_back(std::move(op));
             }
             body["instances"] = std::move(instances);
             return SubmitJob(req, json::array{FillOpcode("OP_INSTANCE_MULTI_ALLOC", body,
                                                          {{"dry_run", req.DryRun()}})});
           })}}});
  r.Add({"/2/instances/*",
         {{"GET", Read([](const RapiRequest& req) -> json::value {
             auto rows = QueryRows(req, "instance", kInstanceFields,
                                   json::array{"=", "name", req.items[0]});
             if (rows.empty()) throw HttpError(404, "Instance '" + req.items[0] + "' not known");
             return WithMemory(ZipFields(kInstanceFields, rows[0]));
           })},
          {"DELETE", Write(OpcodeHandler("OP_INSTANCE_REMOVE", true, [](const RapiRequest& req) {
             return With(Instance(req), {{"ignore_failures", false}, {"dry_run", req.DryRun()}});
           }))}}});
  r.Add({"/2/instances/*/info",
         {{"GET", Read(OpcodeHandler("OP_INSTANCE_QUERY_DATA", false, [](const RapiRequest& req) {
             return json::object{{"instances", json::array{json::value(req.items[0])}},
                                 {"static", req.QueryInt("static") != 0}};
           }))}}});
  r.Add({"/2/instances/*/startup",
         {{"PUT", Write(OpcodeHandler("OP_INSTANCE_STARTUP", false, [](const RapiRequest& req) {
             return With(Instance(req), {{"force", req.Force()},
                                         {"dry_run", req.DryRun()},
                                         {"no_remember", req.QueryInt("no_remember") != 0}});
           }))}}});
  r.Add({"/2/instances/*/shutdown",
         {{"PUT", Write(OpcodeHandler("OP_INSTANCE_SHUTDOWN", true, [](const RapiRequest& req) {
             return With(Instance(req), {{"no_remember", req.QueryInt("no_remember") != 0},
                                         {"dry_run", req.DryRun()}});
           }))}}});
  r.Add({"/2/instances/*/reboot",
         {{"POST", Write(OpcodeHandler("OP_INSTANCE_REBOOT", true, [](const RapiRequest& req) {
             return With(Instance(req),
                         {{"reboot_type", req.QueryString("type", "hard")},
                          {"ignore_secondaries", req.QueryInt("ignore_secondaries") != 0},
                          {"dry_run", req.DryRun()}});
           }))}}});
  r.Add({"/2/instances/*/reinstall",
         {{"POST", Write([](const RapiRequest& req) {
             json::object body;
             if (!req.body.is_null()) {
               if (!req.query.empty()) {
                 throw HttpError(400, "Can't combine query and body parameters");
               }
               body = req.BodyObject();
             } else {
               if (auto os = req.QueryString("os"); !os.empty()) body["os"] = os;
               body["start"] = req.QueryInt("nostartup") == 0;
             }
             for (const auto& kv : body) {
               if (kv.key() != "os" && kv.key() != "start" && kv.key() != "osparams") {
                 throw HttpError(400, "Invalid body parameter '" + std::string(kv.key()) +
                                          "' (reinstall takes os, start, osparams)");
               }
             }
             json::object reinstall{{"instance_name", req.items[0]}};
             if (auto it = body.find("os"); it != body.end()) reinstall["os_type"] = it->value();
             if (auto it = body.find("osparams"); it != body.end()) {
               reinstall["osparams"] = it->value();
             }
             auto start = body.find("start");
             if (start != body.end() && !start->value().is_bool()) {
               throw HttpError(400, "Parameter 'start' must be a boolean");
             }
             json::array ops{FillOpcode("OP_INSTANCE_SHUTDOWN", {}, Instance(req)),
                             FillOpcode("OP_INSTANCE_REINSTALL", {}, reinstall)};
             if (start == body.end() || start->value().get_bool()) {
               ops.push_back(
                   FillOpcode("OP_INSTANCE_STARTUP", {}, With(Instance(req), {{"force", false}})));
             }
             return SubmitJob(req, std::move(ops));
           })}}});
  r.Add({"/2/instances/*/migrate",
         {{"PUT", Write(OpcodeHandler("OP_INSTANCE_MIGRATE", true,
                                      [](const RapiRequest& req) { return Instance(req); }))}}});
  r.Add({"/2/instances/*/failover",
         {{"PUT", Write(OpcodeHandler("OP_INSTANCE_FAILOVER", true,
                                      [](const RapiRequest& req) { return Instance(req); }))}}});
  r.Add({"/2/instances/*/rename",
         {{"PUT", Write(OpcodeHandler("OP_INSTANCE_RENAME", true,
                                      [](const RapiRequest& req) { return Instance(req); }))}}});
  r.Add({"/2/instances/*/modify",
         {{"PUT", Write(OpcodeHandler("OP_INSTANCE_SET_PARAMS", true,
                                      [](const RapiRequest& req) { return Instance(req); }))}}});
  r.Add({"/2/instances/*/console",
         {{"GET", Write([](const RapiRequest& req) -> json::value {
             json::value id =
                 SubmitJob(req, json::array{FillOpcode("OP_INSTANCE_CONSOLE", {}, Instance(req))});
             for (;;) {
               json::array args{json::array{id}, json::array{"status", "opresult"}};
               auto row = Luxi(req, "QueryJobs", std::move(args)).as_array().at(0).as_array();
               std::string status(row[0].as_string());
               if (status == "success") return row[1].as_array().at(0);
               if (status == "error" || status == "canceled") {
                 throw HttpError(500, "Console of " + req.items[0] +
                                          " not available: " + SerializeJson(row[1]));
               }
               json::array wait{id, json::array{"status"}, json::array{json::value(status)}, -1, 5};
               Luxi(req, "WaitForJobChange", std::move(wait));
             }
           })}}});
  r.Add(TagsResource("/2/instances/*/tags", "instance"));
}

}  // namespace herd::rapi
