// Copies of the job queue on master candidates: every job file the queue
// writes or archives is shipped to them in the background, coalesced (a
// job's latest state supersedes earlier ones) and batched, so that a
// candidate can take over with the cluster's jobs.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
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

  // The job queue's replica listener (cheap: records the change). A job's
  // file is shipped once it has not changed for kSettleMs (its running and
  // finished states, a moment apart, then cost candidates one write), at
  // most kMaxLagMs after its first pending change; Flush ships at once.
  void OnJobFile(const std::string& name, const std::string& contents, bool archived);
  // A new candidate gets the whole live queue.
  void ScheduleFullCopy(const std::string& node_uuid);
  // Waits (at most `timeout_ms`) until every change recorded so far was
  // shipped; with `retry_lagging`, candidates that fell behind get a full
  // copy now rather than at their next turn.
  void Flush(int timeout_ms, bool retry_lagging = false);

 private:
  using Clock = std::chrono::steady_clock;
  struct Change {
    std::string contents;
    bool archived = false;
    Clock::time_point first, last;  // when it became pending, and last changed
  };
  static constexpr auto kSettle = std::chrono::milliseconds(400);
  static constexpr auto kMaxLag = std::chrono::milliseconds(1500);
  // Between two batches: a batch costs each candidate a sync of its disk.
  static constexpr auto kBatchInterval = std::chrono::milliseconds(250);
  Clock::time_point last_batch_{};
  void Loop();
  // When the earliest pending change may ship (under mu_, pending_ not empty).
  Clock::time_point NextShipTime() const;
  // Takes the changes that may ship now (all of them with `everything`).
  std::map<std::string, Change> TakeShippable(bool everything);
  // A whole copy of the live queue to each of these candidates.
  void SendFull(const std::set<std::string>& node_uuids);

  ConfigStore& config_;
  rpc::NodeRpcClient& rpc_;
  std::string queue_dir_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::map<std::string, Change> pending_;
  std::set<std::string> needs_full_;
  bool shipping_ = false;          // a batch is on its way
  bool copying_ = false;           // whole copies are on their way
  uint64_t recorded_ = 0;          // changes recorded so far
  uint64_t shipped_ = 0;           // the first this many are on the candidates
  int flushers_ = 0;               // callers waiting in Flush: ship without gathering
  std::set<std::string> lagging_;  // candidates whose full copy failed
  std::chrono::steady_clock::time_point next_retry_{};
  static constexpr int kRetrySeconds = 3;
  std::condition_variable idle_cv_;
  std::thread thread_;
};

}  // namespace herd::master
