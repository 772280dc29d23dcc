// Instance exports: /2/instances/[instance]/prepare-export and export (PUT
// exports, DELETE removes the instance's export), as Ganeti's rlib2.
#include <boost/json.hpp>

#include "rapi/router.h"

namespace herd::rapi {
namespace json = boost::json;

void AddExportResources(Router& r) {
  auto instance = [](const RapiRequest& req) {
    return json::object{{"instance_name", req.items.at(0)}};
  };
  r.Add({"/2/instances/*/prepare-export",
         {{"PUT", Write(OpcodeHandler("OP_BACKUP_PREPARE", false, [](const RapiRequest& req) {
             json::object fixed{{"instance_name", req.items.at(0)}};
             if (auto it = req.query.find("mode"); it != req.query.end() && !it->second.empty()) {
               fixed["mode"] = it->second.front();
             }
             return fixed;
           }))}}});
  r.Add({"/2/instances/*/export",
         {{"PUT", Write([instance](const RapiRequest& req) {
             // The client names the target "destination" (Ganeti's PUT_RENAME).
             return SubmitJob(
                 req, json::array{FillOpcode("OP_BACKUP_EXPORT", req.BodyObject(), instance(req),
                                             {{"destination", "target_node"}})});
           })},
          {"DELETE", Write(OpcodeHandler("OP_BACKUP_REMOVE", true, instance))}}});
}

}  // namespace herd::rapi
