// The master daemon's background duties: in-order replication of config
// journal records to master candidates, coalesced ssconf distribution, and
// the services logical units call.
#pragma once

#include <atomic>
#include <boost/json/object.hpp>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "master/cmdlib/lu_context.h"
#include "master/cmdlib/node_live_cache.h"
#include "master/config/config_store.h"
#include "master/hooks_fanout.h"
#include "master/jobs/queue.h"
#include "master/queue_replicator.h"
#include "rpc/node_rpc_client.h"

namespace herd::master {

class MasterServices : public ClusterServices {
 public:
  MasterServices(ConfigStore& config, rpc::NodeRpcClient& rpc);
  ~MasterServices() override;
  void SetQueue(jobs::JobQueue* queue) { queue_ = queue; }
  // New candidates also get a copy of the job queue.
  void SetQueueReplicator(QueueReplicator* replicator) { replicator_ = replicator; }
  void Start();
  void Stop();

  // Called by the config store for every commit (cheap: queues the line).
  void OnCommit(const std::string& journal_line);

  boost::json::value SubmitJob(boost::json::array opcodes) override;
  void ScheduleSsconfDistribution() override;
  std::optional<std::vector<std::string>> DistributeSsconfNow(int timeout_ms) override;
  void SendFullConfig(const std::string& node_uuid) override;
  void RequestShutdown() override { shutdown_requested_ = true; }
  void FlushReplication(int timeout_ms) override;
  void WaitConfigReplicated(int timeout_ms) override;
  NodeLiveCache& AllocatorLiveData() override { return live_cache_; }
  std::vector<rpc::RpcResult> RunHooks(const std::vector<rpc::NodeAddress>& targets,
                                       const boost::json::array& args) override {
    return hooks_.Run(targets, args);
  }
  bool shutdown_requested() const { return shutdown_requested_; }

 private:
  void ReplicationLoop();
  void SendFullConfigNow(const std::string& node_uuid);
  void SsconfLoop();

  ConfigStore& config_;
  rpc::NodeRpcClient& rpc_;
  jobs::JobQueue* queue_ = nullptr;
  QueueReplicator* replicator_ = nullptr;
  std::atomic<bool> shutdown_requested_{false};

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::deque<std::string> pending_lines_;
  bool shipping_lines_ = false;   // a batch of journal lines is on its way
  bool retry_requested_ = false;  // lagging candidates: try now
  std::condition_variable lines_idle_cv_;
  std::set<std::string> needs_full_;  // candidates whose replica must be resent whole
  static constexpr int kRetrySeconds = 3;
  bool ssconf_dirty_ = false;      // a commit since the last computation
  bool ssconf_requested_ = false;  // ScheduleSsconfDistribution since then
  static constexpr std::chrono::milliseconds kSsconfRecheck{250};
  boost::json::object last_ssconf_;          // what the last push sent
  std::set<std::string> last_ssconf_nodes_;  // "name/address" of the nodes it reached
  std::chrono::steady_clock::time_point last_push_end_;
  std::chrono::steady_clock::duration last_push_time_{};
  static constexpr int kInstanceListRest = 60;
  // Callers of DistributeSsconfNow are numbered; a push serves every caller
  // numbered before it read the config, and cuts its rest short for them.
  uint64_t ssconf_wanted_ = 0;                 // the last caller's number
  uint64_t ssconf_served_ = 0;                 // the last caller a finished push served
  std::vector<std::string> ssconf_unreached_;  // by that push
  std::condition_variable ssconf_served_cv_;
  std::thread replication_thread_, ssconf_thread_;
  // Figures a few seconds old are as good as new for an allocation.
  NodeLiveCache live_cache_{std::chrono::seconds(3)};
  HooksFanout hooks_{rpc_};
};

}  // namespace herd::master
