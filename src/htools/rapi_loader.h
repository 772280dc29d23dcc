// Ganeti's htools RAPI backend (`hbal -m CLUSTER`): the cluster as read from
// the remote API's /2/info, /2/nodes, /2/groups and /2/instances resources.
#pragma once

#include <cstdint>
#include <string>

#include "htools/cluster_model.h"

namespace herd::htools {

// Where `-m` points: a host ("cluster" -> https://cluster:5080) or, as soon as
// it holds a ':', a URL (https://host:port/prefix, host:port). As with the
// curl behind Ganeti's htools, a URL may carry credentials
// (https://user:password@host, percent-encoded).
struct RapiEndpoint {
  std::string host;
  uint16_t port = 5080;
  std::string path_prefix;  // prepended to /2/...; "" or "/prefix"
  std::string user, password;
  std::string Url() const;  // for messages
};
RapiEndpoint ParseRapiEndpoint(const std::string& host_or_url);

// Builds the cluster from the four answers (bulk listings), as Ganeti's RAPI
// backend does; errors (ParameterError) name `source`, the resource, the
// object and the field at fault.
ClusterData ParseRapiData(const std::string& info_json, const std::string& nodes_json,
                          const std::string& groups_json, const std::string& instances_json,
                          const std::string& source);

// A "file://DIR" URL reads the answers from DIR/{info,nodes,groups,instances}.json
// instead, as Ganeti's RAPI backend does. Otherwise fetches the four resources over HTTPS (the
// server certificate is not verified, as htools do not verify it) and parses them. Reading needs no
// credentials on a default RAPI; `user` and `password` (else the URL's) are
// sent with HTTP basic authentication, for a RAPI that requires it.
ClusterData LoadRapi(const std::string& host_or_url, const std::string& user = "",
                     const std::string& password = "");

}  // namespace herd::htools
