// Copies of the job queue on master candidates: every job file the queue
// writes or archives is shipped to them in the background, coalesced (a
// job's latest state supersedes earlier ones) and batched, so that a
// candidate can take over with the cluster's jobs.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "master/config/config_store.h"
#include "rpc/node_rpc_client.h"

namespace herd::master {

class QueueReplicator {
 public:
  QueueReplicator(ConfigStore& config, rpc::NodeRpcClient& rpc, std::string queue_dir);
  ~QueueReplicator();
  // Starts shipping; every current candidate first gets a full copy of the
  // live queue (it may have missed changes while no master ran).
  void Start();
  void Stop();

  // The job queue's replica listener (cheap: records the change).
  void OnJobFile(const std::string& name, const std::string& contents, bool archived);
  // A new candidate gets the whole live queue.
  void ScheduleFullCopy(const std::string& node_uuid);
  // Waits (at most `timeout_ms`) until every change recorded so far was
  // shipped; with `retry_lagging`, candidates that fell behind get a full
  // copy now rather than at their next turn.
  void Flush(int timeout_ms, bool retry_lagging = false);

 private:
  struct Change {
    std::string contents;
    bool archived = false;
  };
  void Loop();
  void SendFull(const std::string& node_uuid);

  ConfigStore& config_;
  rpc::NodeRpcClient& rpc_;
  std::string queue_dir_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::map<std::string, Change> pending_;
  std::set<std::string> needs_full_;
  bool shipping_ = false;          // a batch is on its way
  int flushers_ = 0;               // callers waiting in Flush: ship without gathering
  std::set<std::string> lagging_;  // candidates whose full copy failed
  std::chrono::steady_clock::time_point next_retry_{};
  static constexpr int kRetrySeconds = 3;
  std::condition_variable idle_cv_;
  std::thread thread_;
};

}  // namespace herd::master
