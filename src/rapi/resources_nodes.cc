// Node resources: /2/nodes, /2/nodes/[node] and its role, modify, migrate,
// evacuate, powercycle and tags.
#include <boost/json.hpp>

#include "base/json.h"
#include "rapi/router.h"

namespace herd::rapi {
namespace json = boost::json;
namespace {

const std::vector<std::string> kNodeFields{"name",       "offline",        "master_candidate",
                                           "drained",    "dtotal",         "dfree",
                                           "sptotal",    "spfree",         "mtotal",
                                           "mnode",      "mfree",          "pinst_cnt",
                                           "sinst_cnt",  "ctotal",         "cnos",
                                           "cnodes",     "csockets",       "pip",
                                           "sip",        "role",           "pinst_list",
                                           "sinst_list", "master_capable", "vm_capable",
                                           "ndparams",   "group.uuid",     "ctime",
                                           "mtime",      "uuid",           "serial_no",
                                           "tags"};

json::value NodeFilter(const RapiRequest& req) { return json::array{"=", "name", req.items.at(0)}; }

std::vector<json::value> OneNode(const RapiRequest& req, const std::vector<std::string>& fields) {
  auto rows = QueryRows(req, "node", fields, NodeFilter(req));
  if (rows.empty()) throw HttpError(404, "Node '" + req.items[0] + "' not known");
  return rows[0];
}

// Ganeti's role letters and their RAPI names.
std::string RoleName(const std::string& letter) {
  if (letter == "M") return "master";
  if (letter == "C") return "master-candidate";
  if (letter == "D") return "drained";
  if (letter == "O") return "offline";
  return "regular";
}

}  // namespace

void AddNodeResources(Router& r) {
  r.Add({"/2/nodes", {{"GET", Read([](const RapiRequest& req) -> json::value {
                         return CollectionGet(req, "node", kNodeFields, "name", "/2/nodes/%s");
                       })}}});
  r.Add({"/2/nodes/*", {{"GET", Read([](const RapiRequest& req) -> json::value {
                           return ZipFields(kNodeFields, OneNode(req, kNodeFields));
                         })}}});
  r.Add({"/2/nodes/*/role",
         {{"GET", Read([](const RapiRequest& req) -> json::value {
             return json::value(RoleName(std::string(OneNode(req, {"role"})[0].as_string())));
           })},
          {"PUT", Write([](const RapiRequest& req) {
             if (!req.body.is_string()) throw HttpError(400, "Body contents must be a role name");
             const std::string role(req.body.get_string());
             json::object fixed{{"node_name", req.items[0]},
                                {"force", req.Force()},
                                {"auto_promote", req.QueryInt("auto-promote") != 0}};
             if (role == "regular") {
               fixed["master_candidate"] = false;
               fixed["offline"] = false;
               fixed["drained"] = false;
             } else if (role == "master-candidate") {
               fixed["master_candidate"] = true;
             } else if (role == "drained") {
               fixed["drained"] = true;
             } else if (role == "offline") {
               fixed["offline"] = true;
             } else {
               throw HttpError(400, "Can't set '" + role + "' role");
             }
             return SubmitJob(req, json::array{FillOpcode("OP_NODE_SET_PARAMS", {}, fixed)});
           })}}});
  r.Add({"/2/nodes/*/modify",
         {{"POST", Write([](const RapiRequest& req) {
             return SubmitJob(req, json::array{FillOpcode("OP_NODE_SET_PARAMS", req.BodyObject(),
                                                          {{"node_name", req.items[0]}})});
           })}}});
  r.Add({"/2/nodes/*/migrate", {{"POST", Write([](const RapiRequest& req) {
                                   json::object body = req.BodyObject();
                                   if (body.empty()) {
                                     if (auto mode = req.QueryString("mode"); !mode.empty()) {
                                       body["mode"] = mode;
                                     }
                                     if (req.query.count("live"))
                                       body["live"] = req.QueryInt("live") != 0;
                                   }
                                   return SubmitJob(
                                       req, json::array{FillOpcode("OP_NODE_MIGRATE", body,
                                                                   {{"node_name", req.items[0]}})});
                                 })}}});
  r.Add({"/2/nodes/*/evacuate",
         {{"POST", Write([](const RapiRequest& req) {
             return SubmitJob(req, json::array{FillOpcode(
                                       "OP_NODE_EVACUATE", req.BodyObject(),
                                       {{"node_name", req.items[0]}, {"dry_run", req.DryRun()}})});
           })}}});
  // Ganeti's OP_NODE_POWERCYCLE; masterd answers why a virtual node cannot be.
  r.Add({"/2/nodes/*/powercycle",
         {{"POST", Write([](const RapiRequest& req) -> json::value {
             return SubmitJob(req, json::array{json::object{{"OP_ID", "OP_NODE_POWERCYCLE"},
                                                            {"node_name", req.items[0]},
                                                            {"force", req.Force()}}});
           })}}});
  r.Add(TagsResource("/2/nodes/*/tags", "node"));
}

}  // namespace herd::rapi
