// RAPI's resource table: a path pattern ("/2/instances/*/startup") and, per
// HTTP method, the handler and whether it needs a user with write access.
#pragma once

#include <boost/json/value.hpp>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "rapi/rapi_request.h"

namespace herd::rapi {

using ResourceHandler = std::function<boost::json::value(const RapiRequest&)>;

struct MethodHandler {
  ResourceHandler handle;
  bool needs_write = false;
};

struct Resource {
  std::string pattern;  // "*" matches one path segment (an item)
  std::map<std::string, MethodHandler> methods;
};

class Router {
 public:
  void Add(Resource resource) { resources_.push_back(std::move(resource)); }
  // The resource for `path`, filling `items`; nullptr if none matches.
  const Resource* Match(const std::string& path, std::vector<std::string>& items) const;

 private:
  std::vector<Resource> resources_;
};

// Every resource Herd's RAPI serves.
void AddClusterResources(Router& router);
void AddNodeResources(Router& router);
void AddInstanceResources(Router& router);
void AddNetworkResources(Router& router);

// The write handlers for GET, PUT, POST, DELETE in one place.
inline MethodHandler Read(ResourceHandler h) { return {std::move(h), false}; }
inline MethodHandler Write(ResourceHandler h) { return {std::move(h), true}; }

// /tags resources of a kind ("cluster", "node", "instance", "nodegroup").
Resource TagsResource(const std::string& pattern, const std::string& kind);

}  // namespace herd::rapi
