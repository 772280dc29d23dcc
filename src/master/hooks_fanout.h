// Hook phases of concurrent jobs sent together: every job whose phase
// arrives while another phase is on its way waits for the next round, and
// a round sends each node one call with every phase meant for it. Ganeti
// runs some hooks on every node (node-add, node-remove, cluster ops), so
// many node adds at once would otherwise cost nodes x adds calls.
#pragma once

#include <boost/json/array.hpp>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

#include "rpc/node_rpc_client.h"

namespace herd::master {

class HooksFanout {
 public:
  explicit HooksFanout(rpc::NodeRpcClient& rpc) : rpc_(rpc) {}

  // hooks_runner(`args`) on every target; results in the order of `targets`,
  // as NodeRpcClient::CallParallel gives them.
  std::vector<rpc::RpcResult> Run(const std::vector<rpc::NodeAddress>& targets,
                                  const boost::json::array& args);

  struct Phase;  // one job's hook phase, waiting or on its way

 private:
  // Sends one round: `phases` grouped per node, one call per node.
  void Send(const std::vector<std::shared_ptr<Phase>>& phases);

  rpc::NodeRpcClient& rpc_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable arrived_;              // a phase joined waiting_
  std::vector<std::shared_ptr<Phase>> waiting_;  // for the next round
  bool sending_ = false;                         // a round is on its way
  size_t last_round_size_ = 0;
  // A round this large marks a burst, whose next round is gathered until
  // no phase arrived for kQuietGap (at most kGatherAtMost).
  static constexpr size_t kBurstRound = 16;
  static constexpr std::chrono::milliseconds kQuietGap{10};
  static constexpr std::chrono::milliseconds kGatherAtMost{200};
};

}  // namespace herd::master
