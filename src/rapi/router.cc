#include "rapi/router.h"

#include <boost/json.hpp>

namespace herd::rapi {
namespace json = boost::json;
namespace {

std::vector<std::string> Split(const std::string& path) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    std::string part =
        path.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (!part.empty()) parts.push_back(part);
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return parts;
}

}  // namespace

const Resource* Router::Match(const std::string& path, std::vector<std::string>& items) const {
  const auto parts = Split(path);
  for (const auto& r : resources_) {
    const auto pattern = Split(r.pattern);
    if (pattern.size() != parts.size()) continue;
    std::vector<std::string> found;
    bool ok = true;
    for (size_t i = 0; i < parts.size() && ok; ++i) {
      if (pattern[i] == "*") {
        found.push_back(parts[i]);
      } else {
        ok = pattern[i] == parts[i];
      }
    }
    if (ok) {
      items = std::move(found);
      return &r;
    }
  }
  return nullptr;
}

ResourceHandler OpcodeHandler(std::string op_id, bool use_body,
                              std::function<json::object(const RapiRequest&)> fixed) {
  return [op_id = std::move(op_id), use_body, fixed = std::move(fixed)](const RapiRequest& req) {
    json::object body;
    if (use_body) {
      body = req.BodyObject();
    } else if (const auto* given = req.body.if_object()) {
      if (const auto* depends = given->if_contains("depends"); depends && !depends->is_null()) {
        body["depends"] = *depends;
      }
    }
    return SubmitJob(req, json::array{FillOpcode(op_id, body, fixed(req))});
  };
}

Resource TagsResource(const std::string& pattern, const std::string& kind) {
  auto name_of = [kind](const RapiRequest& req) {
    return kind == "cluster" ? std::string() : req.items.at(0);
  };
  auto tags_of = [](const RapiRequest& req) {
    json::array tags;
    if (auto it = req.query.find("tag"); it != req.query.end()) {
      for (const auto& t : it->second) tags.push_back(json::value(t));
    }
    if (tags.empty()) throw HttpError(400, "No tags given (use ?tag=TAG, repeatable)");
    return tags;
  };
  auto change = [=](const char* op_id) {
    return [=](const RapiRequest& req) -> json::value {
      json::object fixed{{"kind", kind}, {"tags", tags_of(req)}, {"dry_run", req.DryRun()}};
      if (kind != "cluster") fixed["name"] = name_of(req);
      return SubmitJob(req, json::array{FillOpcode(op_id, {}, fixed)});
    };
  };
  return {pattern,
          {{"GET", Read([=](const RapiRequest& req) -> json::value {
              json::array args{json::value(kind)};
              args.push_back(kind == "cluster" ? json::value(nullptr) : json::value(name_of(req)));
              return Luxi(req, "QueryTags", std::move(args));
            })},
           {"PUT", Write(change("OP_TAGS_SET"))},
           {"DELETE", Write(change("OP_TAGS_DEL"))}}};
}

}  // namespace herd::rapi
