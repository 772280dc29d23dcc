// An instance's disks: /2/instances/[instance]/activate-disks,
// deactivate-disks, recreate-disks, replace-disks and disk/[index]/grow.
#include <boost/json.hpp>

#include "rapi/router.h"

namespace herd::rapi {
namespace json = boost::json;
namespace {

json::object Instance(const RapiRequest& req) { return {{"instance_name", req.items.at(0)}}; }

int64_t DiskIndex(const std::string& text) {
  try {
    size_t used = 0;
    int64_t index = std::stoll(text, &used);
    if (used == text.size() && index >= 0) return index;
  } catch (const std::exception&) {
  }
  throw HttpError(400, "Invalid disk index passed: '" + text + "'");
}

// Replace-disks' parameters: the body, or (if there is none) the query
// arguments of the old interface, which the Python client still uses.
json::object ReplaceDisksParams(const RapiRequest& req) {
  json::object params = req.BodyObject();
  if (params.empty() && !req.query.empty()) {
    auto query_or_null = [&](const char* name) -> json::value {
      auto it = req.query.find(name);
      if (it == req.query.end() || it->second.empty()) return nullptr;
      return json::value(it->second.front());
    };
    for (const char* name : {"remote_node", "mode", "disks", "iallocator"}) {
      params[name] = query_or_null(name);
    }
  }
  // Disk indices come as a list of integers or as the old "0,2" string; an
  // empty list or string means every disk.
  if (auto it = params.find("disks"); it != params.end()) {
    json::value raw = it->value();
    params.erase(it);
    if (const auto* list = raw.if_array(); list && !list->empty()) {
      for (const auto& index : *list) {
        if (!index.is_int64()) {
          throw HttpError(400, "Invalid disk index passed: " + json::serialize(index));
        }
      }
      params["disks"] = raw;
    } else if (const auto* text = raw.if_string(); text && !text->empty()) {
      json::array indices;
      const std::string all(*text);
      size_t start = 0;
      for (;;) {
        size_t comma = all.find(',', start);
        std::string part = all.substr(start, comma - start);
        // Python's int() takes surrounding blanks: "0, 1" is two indices.
        part.erase(0, part.find_first_not_of(' '));
        part.erase(part.find_last_not_of(' ') + 1);
        indices.push_back(DiskIndex(part));
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
      params["disks"] = std::move(indices);
    } else if (!raw.is_null() && !raw.is_array() && !raw.is_string()) {
      throw HttpError(400, "Invalid disk index passed: " + json::serialize(raw));
    }
  }
  return params;
}

}  // namespace

void AddInstanceDiskResources(Router& r) {
  r.Add({"/2/instances/*/activate-disks",
         {{"PUT",
           Write(OpcodeHandler("OP_INSTANCE_ACTIVATE_DISKS", false, [](const RapiRequest& req) {
             json::object fixed = Instance(req);
             fixed["ignore_size"] = req.QueryInt("ignore_size") != 0;
             return fixed;
           }))}}});
  r.Add({"/2/instances/*/deactivate-disks",
         {{"PUT",
           Write(OpcodeHandler("OP_INSTANCE_DEACTIVATE_DISKS", false, [](const RapiRequest& req) {
             json::object fixed = Instance(req);
             fixed["force"] = req.Force();
             return fixed;
           }))}}});
  r.Add({"/2/instances/*/recreate-disks",
         {{"POST", Write(OpcodeHandler("OP_INSTANCE_RECREATE_DISKS", true, Instance))}}});
  r.Add({"/2/instances/*/replace-disks",
         {{"POST", Write([](const RapiRequest& req) {
             return SubmitJob(req, json::array{FillOpcode("OP_INSTANCE_REPLACE_DISKS",
                                                          ReplaceDisksParams(req), Instance(req))});
           })}}});
  r.Add({"/2/instances/*/disk/*/grow",
         {{"POST", Write(OpcodeHandler("OP_INSTANCE_GROW_DISK", true, [](const RapiRequest& req) {
             json::object fixed = Instance(req);
             fixed["disk"] = DiskIndex(req.items.at(1));
             return fixed;
           }))}}});
}

}  // namespace herd::rapi
