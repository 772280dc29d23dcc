// A node's storage units: /2/nodes/[node]/storage (listed by a job) and its
// modify and repair actions, all named by query arguments as Ganeti's.
#include <boost/json.hpp>

#include "rapi/router.h"

namespace herd::rapi {
namespace json = boost::json;
namespace {

// ?storage_type=...; when missing the opcode decides (a default type for a
// listing, a refusal where the type is required).
json::value StorageType(const RapiRequest& req) {
  auto it = req.query.find("storage_type");
  if (it == req.query.end() || it->second.empty()) return nullptr;
  return json::value(it->second.front());
}

std::string RequiredQueryString(const RapiRequest& req, const std::string& name) {
  std::string value = req.QueryString(name);
  if (value.empty()) throw HttpError(400, "Missing the required '" + name + "' parameter");
  return value;
}

json::object UnitOnNode(const RapiRequest& req) {
  return {{"node_name", req.items.at(0)},
          {"storage_type", StorageType(req)},
          {"name", RequiredQueryString(req, "name")}};
}

}  // namespace

void AddNodeStorageResources(Router& r) {
  // Listing takes locks, hence write access even for GET (as Ganeti).
  r.Add({"/2/nodes/*/storage",
         {{"GET", Write(OpcodeHandler("OP_NODE_QUERY_STORAGE", false, [](const RapiRequest& req) {
             return json::object{
                 {"nodes", json::array{json::value(req.items.at(0))}},
                 {"storage_type", StorageType(req)},
                 {"output_fields", CommaList(RequiredQueryString(req, "output_fields"))}};
           }))}}});
  r.Add({"/2/nodes/*/storage/modify",
         {{"PUT", Write(OpcodeHandler("OP_NODE_MODIFY_STORAGE", false, [](const RapiRequest& req) {
             json::object fixed = UnitOnNode(req);
             json::object changes;
             if (req.query.count("allocatable")) {
               changes["allocatable"] = req.QueryInt("allocatable", 1) != 0;
             }
             fixed["changes"] = std::move(changes);
             return fixed;
           }))}}});
  r.Add({"/2/nodes/*/storage/repair",
         {{"PUT", Write(OpcodeHandler("OP_REPAIR_NODE_STORAGE", false, UnitOnNode))}}});
}

}  // namespace herd::rapi
