// The node daemon's procedures: one handler per entry of the RPC catalogue.
#pragma once

#include <boost/json/fwd.hpp>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "base/paths.h"
#include "net/http_types.h"
#include "node/config_replica.h"

namespace herd {

class NodeHandlers {
 public:
  using Handler = std::function<boost::json::value(const boost::json::array& args)>;
  // `request_shutdown` is called when the node leaves the cluster.
  NodeHandlers(Paths paths, std::function<void()> request_shutdown);

  // Runs procedure `name`; throws GanetiError (reported as [false, msg]).
  boost::json::value Dispatch(const std::string& name, const boost::json::array& args) const;
  bool Has(const std::string& name) const { return handlers_.count(name) != 0; }
  // One node RPC over HTTP: POST /<procedure> with the JSON argument list;
  // the answer is [true, result] or [false, message]. Never throws.
  net::HttpResponse Answer(const net::HttpRequest& request) const;

 private:
  // [true, call()] or [false, message]: a procedure's answer.
  boost::json::array Outcome(const std::string& name,
                             const std::function<boost::json::value()>& call) const;

  Paths paths_;
  std::function<void()> request_shutdown_;
  std::unique_ptr<ConfigReplica> replica_;  // this node's copy of the config
  std::map<std::string, Handler> handlers_;
};

}  // namespace herd
