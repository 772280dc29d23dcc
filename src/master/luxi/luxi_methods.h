// The master daemon's LUXI methods (Ganeti's names and argument layouts).
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>
#include <string>

#include "base/paths.h"
#include "master/config/config_store.h"
#include "master/jobs/queue.h"
#include "master/locking/lock_manager.h"
#include "rpc/node_rpc_client.h"

namespace herd::master {

class LuxiMethods {
 public:
  LuxiMethods(const Paths& paths, ConfigStore& config, jobs::JobQueue& queue,
              rpc::NodeRpcClient& rpc, const locking::LockManager& locks)
      : paths_(paths), config_(config), queue_(queue), rpc_(rpc), locks_(locks) {}
  // Throws GanetiError (sent back as success=false).
  boost::json::value Call(const std::string& method, const boost::json::array& args);

 private:
  const Paths& paths_;
  ConfigStore& config_;
  jobs::JobQueue& queue_;
  rpc::NodeRpcClient& rpc_;
  const locking::LockManager& locks_;
};

}  // namespace herd::master
