// RAPI's resource table: a path pattern ("/2/instances/*/startup") and, per
// HTTP method, the handler and whether it needs a user with write access.
#pragma once

#include <boost/json/object.hpp>
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
void AddNodeStorageResources(Router& router);
void AddInstanceResources(Router& router);
void AddInstanceDiskResources(Router& router);
void AddExportResources(Router& router);
void AddNetworkResources(Router& router);

// The write handlers for GET, PUT, POST, DELETE in one place.
inline MethodHandler Read(ResourceHandler h) { return {std::move(h), false}; }
inline MethodHandler Write(ResourceHandler h) { return {std::move(h), true}; }

// A handler submitting a job of one `op_id` opcode: the request's body (when
// `use_body`; otherwise only its "depends", as Ganeti copies it for every
// opcode resource) plus the static parameters `fixed` takes from the request.
ResourceHandler OpcodeHandler(std::string op_id, bool use_body,
                              std::function<boost::json::object(const RapiRequest&)> fixed);

// /tags resources of a kind ("cluster", "node", "instance", "nodegroup").
Resource TagsResource(const std::string& pattern, const std::string& kind);

}  // namespace herd::rapi
