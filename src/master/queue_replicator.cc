#include "master/queue_replicator.h"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "base/errors.h"
#include "base/files.h"
#include "master/cmdlib/common.h"

namespace herd::master {
QueueReplicator::QueueReplicator(ConfigStore& config, rpc::NodeRpcClient& rpc,
                                 std::string queue_dir)
    : config_(config), rpc_(rpc), queue_dir_(std::move(queue_dir)) {}

QueueReplicator::~QueueReplicator() { Stop(); }

void QueueReplicator::Start() {
  config_.Read([&](const objects::ConfigData& d) {
    for (const auto* n : MasterCandidates(d)) needs_full_.insert(n->uuid);
  });
  thread_ = std::thread([this] { Loop(); });
}

void QueueReplicator::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void QueueReplicator::OnJobFile(const std::string& name, const std::string& contents,
                                bool archived) {
  {
    std::lock_guard lock(mu_);
    const auto now = Clock::now();
    ++recorded_;
    auto [it, added] = pending_.try_emplace(name);
    it->second.contents = contents;
    it->second.archived = archived;
    if (added) it->second.first = now;
    it->second.last = now;
  }
  cv_.notify_all();
}

void QueueReplicator::ScheduleFullCopy(const std::string& node_uuid) {
  {
    std::lock_guard lock(mu_);
    needs_full_.insert(node_uuid);
  }
  cv_.notify_all();
}

void QueueReplicator::SendFull(const std::set<std::string>& node_uuids) {
  std::vector<rpc::NodeAddress> targets;
  std::vector<std::string> uuids;
  config_.Read([&](const objects::ConfigData& d) {
    for (const auto& uuid : node_uuids) {
      if (auto it = d.nodes.find(uuid); it != d.nodes.end() && !it->second.offline) {
        targets.push_back(AddressOf(it->second));
        uuids.push_back(uuid);
      }
    }
  });
  if (targets.empty()) return;
  // Read once and sent to every candidate owed a copy at the same time: a
  // master's start owes one to each of them.
  json::array entries;
  for (const auto& name : ListDirectory(queue_dir_)) {
    // Job files and the serial only: not the temporary files of a write.
    if (name.find('.') != std::string::npos) continue;
    if (name != "serial" && name.rfind("job-", 0) != 0) continue;
    try {
      entries.push_back(
          json::array{json::value(name), json::value(ReadFile(queue_dir_ + "/" + name)), false});
    } catch (const GanetiError&) {
      // Archived between listing and reading: its own change is pending.
    }
  }
  const auto results =
      rpc_.CallParallel(targets, rpc::procedures::kJobqueueReplicate, json::array{entries, true});
  for (size_t i = 0; i < results.size(); ++i) {
    if (!results[i].ok) {
      spdlog::warn("copying the job queue to {} failed ({}); will retry", results[i].node,
                   results[i].error);
      std::lock_guard lock(mu_);
      lagging_.insert(uuids[i]);
    }
  }
}

QueueReplicator::Clock::time_point QueueReplicator::NextShipTime() const {
  auto next = Clock::time_point::max();
  for (const auto& [name, change] : pending_) {
    next = std::min(next, std::min(change.last + kSettle, change.first + kMaxLag));
  }
  return next;
}

std::map<std::string, QueueReplicator::Change> QueueReplicator::TakeShippable(bool everything) {
  std::map<std::string, Change> batch;
  if (everything) {
    batch.swap(pending_);
    return batch;
  }
  const auto now = Clock::now();
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (it->second.last + kSettle <= now || it->second.first + kMaxLag <= now) {
      batch.insert(pending_.extract(it++));
    } else {
      ++it;
    }
  }
  return batch;
}

void QueueReplicator::Loop() {
  std::unique_lock lock(mu_);
  for (;;) {
    // Candidates whose copy could not be sent are tried again every few
    // seconds (not in a loop), and get no changes meanwhile.
    auto ready = [this] { return stopping_ || !pending_.empty() || !needs_full_.empty(); };
    if (lagging_.empty()) {
      cv_.wait(lock, ready);
    } else if (!cv_.wait_until(lock, next_retry_, ready)) {
      needs_full_.insert(lagging_.begin(), lagging_.end());
      lagging_.clear();
      next_retry_ = std::chrono::steady_clock::now() + std::chrono::seconds(kRetrySeconds);
    }
    // Stopping ships what is pending first: a candidate taking over after a
    // clean stop has every job's last state.
    if (stopping_ && pending_.empty() && needs_full_.empty()) return;
    // Changes settle before they ship: a job's successive states collapse
    // into its latest, and candidates get fewer calls and writes.
    if (!stopping_ && flushers_ == 0 && needs_full_.empty() && !pending_.empty()) {
      cv_.wait_until(lock, std::max(NextShipTime(), last_batch_ + kBatchInterval),
                     [this] { return stopping_ || flushers_ > 0 || !needs_full_.empty(); });
    }
    std::map<std::string, Change> batch = TakeShippable(stopping_ || flushers_ > 0);
    // Once this batch is out, every change recorded so far is on the
    // candidates if none is left pending (earlier batches went out before).
    const uint64_t covered = pending_.empty() ? recorded_ : shipped_;
    std::set<std::string> full;
    full.swap(needs_full_);
    copying_ = !full.empty();
    if (batch.empty() && full.empty()) {
      shipped_ = covered;
      idle_cv_.notify_all();
      continue;
    }
    last_batch_ = Clock::now();
    const std::set<std::string> lagging = lagging_;
    shipping_ = true;
    lock.unlock();
    // Changes first to the candidates that are in step, then whole copies.
    if (!batch.empty()) {
      json::array entries;
      for (const auto& [name, change] : batch) {
        entries.push_back(
            json::array{json::value(name), json::value(change.contents), change.archived});
      }
      std::vector<rpc::NodeAddress> targets;
      std::vector<std::string> uuids;
      config_.Read([&](const objects::ConfigData& d) {
        for (const auto* n : MasterCandidates(d)) {
          if (n->offline || full.count(n->uuid) || lagging.count(n->uuid)) continue;
          targets.push_back(AddressOf(*n));
          uuids.push_back(n->uuid);
        }
      });
      auto results = rpc_.CallParallel(targets, rpc::procedures::kJobqueueReplicate,
                                       json::array{entries, false});
      for (size_t i = 0; i < results.size(); ++i) {
        if (!results[i].ok) {
          spdlog::warn("job queue replication to {} failed ({}); it will get a full copy",
                       results[i].node, results[i].error);
          full.insert(uuids[i]);
        }
      }
    }
    if (!full.empty()) SendFull(full);
    lock.lock();
    shipping_ = false;
    copying_ = false;
    shipped_ = std::max(shipped_, covered);
    idle_cv_.notify_all();
  }
}

void QueueReplicator::Flush(int timeout_ms, bool retry_lagging) {
  std::unique_lock lock(mu_);
  if (retry_lagging) {
    needs_full_.insert(lagging_.begin(), lagging_.end());
    lagging_.clear();
  }
  // Waits for the changes recorded until now (and for the whole copies a new
  // candidate is owed), not for a quiet queue: under load new changes keep
  // coming, and a submission would wait its whole bound while every change
  // shipped unbatched.
  const uint64_t wanted = recorded_;
  if (pending_.empty() && !shipping_) shipped_ = recorded_;
  ++flushers_;
  cv_.notify_all();
  idle_cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                    [&] { return shipped_ >= wanted && needs_full_.empty() && !copying_; });
  --flushers_;
}

}  // namespace herd::master
