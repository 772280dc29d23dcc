// The master daemon's LUXI methods (Ganeti's names and argument layouts).
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>
#include <string>

#include "master/config/config_store.h"
#include "master/jobs/queue.h"
#include "rpc/node_rpc_client.h"

namespace herd::master {

class LuxiMethods {
 public:
  LuxiMethods(ConfigStore& config, jobs::JobQueue& queue, rpc::NodeRpcClient& rpc)
      : config_(config), queue_(queue), rpc_(rpc) {}
  // Throws GanetiError (sent back as success=false).
  boost::json::value Call(const std::string& method, const boost::json::array& args);

 private:
  ConfigStore& config_;
  jobs::JobQueue& queue_;
  rpc::NodeRpcClient& rpc_;
};

}  // namespace herd::master
