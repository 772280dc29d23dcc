#include "master/cluster_services.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>

#include "base/errors.h"
#include "base/json.h"
#include "master/cmdlib/common.h"

namespace herd::master {

MasterServices::MasterServices(ConfigStore& config, rpc::NodeRpcClient& rpc)
    : config_(config), rpc_(rpc) {}

MasterServices::~MasterServices() { Stop(); }

void MasterServices::Start() {
  replication_thread_ = std::thread([this] {
    // Every candidate's replica starts from this master's config: after a
    // failover, the old master's and the others' copies may differ from it.
    std::vector<std::string> candidates = config_.Read([](const objects::ConfigData& d) {
      std::vector<std::string> out;
      for (const auto* n : MasterCandidates(d)) {
        if (!n->offline) out.push_back(n->uuid);
      }
      return out;
    });
    for (const auto& uuid : candidates) SendFullConfig(uuid);
    ReplicationLoop();
  });
  ssconf_thread_ = std::thread([this] { SsconfLoop(); });
  ScheduleSsconfDistribution();  // nodes may have missed changes while we were down
}

void MasterServices::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  ssconf_served_cv_.notify_all();
  if (replication_thread_.joinable()) replication_thread_.join();
  if (ssconf_thread_.joinable()) ssconf_thread_.join();
}

void MasterServices::OnCommit(const std::string& journal_line) {
  {
    std::lock_guard lock(mu_);
    pending_lines_.push_back(journal_line);
    // As Ganeti's config daemon: ssconf follows every change of the config
    // (an instance added changes the instance list), coalesced.
    ssconf_dirty_ = true;
  }
  cv_.notify_all();
}

json::value MasterServices::SubmitJob(json::array opcodes) {
  if (!queue_) throw ProgrammerError("job queue not ready");
  try {
    return json::array{true, queue_->Submit(opcodes)};
  } catch (const GanetiError& e) {
    return json::array{false, e.args().empty() ? std::string(e.what()) : e.args()[0]};
  }
}

void MasterServices::ScheduleSsconfDistribution() {
  {
    std::lock_guard lock(mu_);
    ssconf_dirty_ = true;
    ssconf_requested_ = true;
  }
  cv_.notify_all();
}

std::optional<std::vector<std::string>> MasterServices::DistributeSsconfNow(int timeout_ms) {
  std::unique_lock lock(mu_);
  const uint64_t ticket = ++ssconf_wanted_;
  ssconf_dirty_ = true;
  ssconf_requested_ = true;
  cv_.notify_all();
  if (!ssconf_served_cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                                  [&] { return stopping_ || ssconf_served_ >= ticket; }) ||
      ssconf_served_ < ticket) {
    return std::nullopt;
  }
  return ssconf_unreached_;
}

void MasterServices::SendFullConfig(const std::string& node_uuid) {
  if (replicator_) replicator_->ScheduleFullCopy(node_uuid);
  // Sent by the replication loop, between its batches of records: a copy
  // sent from here could reach a new candidate after records committed
  // later (node adds run side by side), and overwrite them.
  {
    std::lock_guard lock(mu_);
    needs_full_.insert(node_uuid);
    retry_requested_ = true;
    shipping_lines_ = true;  // WaitConfigReplicated waits for it too
  }
  cv_.notify_all();
}

void MasterServices::SendFullConfigNow(const std::string& node_uuid) {
  std::optional<rpc::NodeAddress> address;
  config_.Read([&](const objects::ConfigData& d) {
    if (auto it = d.nodes.find(node_uuid); it != d.nodes.end()) address = AddressOf(it->second);
  });
  if (!address) return;
  auto r = rpc_.Call(*address, rpc::procedures::kConfigJournalAppend,
                     json::array{"full", config_.SerializedSnapshot()});
  std::lock_guard lock(mu_);
  if (r.ok) {
    needs_full_.erase(node_uuid);
  } else {
    spdlog::warn("could not send the configuration to {}: {}", address->name, r.error);
    needs_full_.insert(node_uuid);
  }
}

void MasterServices::ReplicationLoop() {
  std::unique_lock lock(mu_);
  auto next_retry = std::chrono::steady_clock::now();
  for (;;) {
    // Candidates whose copy fell behind (down, say) get a full copy when the
    // next lines go out, and every few seconds, not on every commit.
    auto ready = [this] { return stopping_ || !pending_lines_.empty() || retry_requested_; };
    if (needs_full_.empty()) {
      cv_.wait(lock, ready);
    } else {
      cv_.wait_until(lock, next_retry, ready);
    }
    if (stopping_ && pending_lines_.empty()) return;
    if (retry_requested_) {
      retry_requested_ = false;
      next_retry = std::chrono::steady_clock::now();
    }
    const auto now = std::chrono::steady_clock::now();
    if (pending_lines_.empty() && now < next_retry) continue;
    // Ship everything pending as one batch, in commit order.
    std::string batch;
    while (!pending_lines_.empty()) {
      batch += pending_lines_.front();
      pending_lines_.pop_front();
    }
    const std::set<std::string> lagging = needs_full_;
    std::set<std::string> resend;
    if (now >= next_retry) {
      resend = lagging;
      next_retry = now + std::chrono::seconds(kRetrySeconds);
    }
    shipping_lines_ = true;
    lock.unlock();
    std::vector<const objects::Node*> unused;
    std::vector<rpc::NodeAddress> targets;
    std::vector<std::string> target_uuids;
    config_.Read([&](const objects::ConfigData& d) {
      for (const auto* n : MasterCandidates(d)) {
        if (n->offline || lagging.count(n->uuid)) continue;
        targets.push_back(AddressOf(*n));
        target_uuids.push_back(n->uuid);
      }
    });
    if (!batch.empty()) {
      auto results = rpc_.CallParallel(targets, rpc::procedures::kConfigJournalAppend,
                                       json::array{"append", batch});
      for (size_t i = 0; i < results.size(); ++i) {
        if (!results[i].ok) {
          spdlog::warn("config replication to {} failed ({}); it will get a full copy",
                       results[i].node, results[i].error);
          resend.insert(target_uuids[i]);
        }
      }
    }
    for (const auto& uuid : resend) SendFullConfigNow(uuid);
    lock.lock();
    shipping_lines_ = false;
    lines_idle_cv_.notify_all();
  }
}

void MasterServices::WaitConfigReplicated(int timeout_ms) {
  std::unique_lock lock(mu_);
  lines_idle_cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                          [this] { return pending_lines_.empty() && !shipping_lines_; });
}

void MasterServices::FlushReplication(int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  {
    // Candidates that fell behind are tried again now, not at their next turn.
    std::lock_guard lock(mu_);
    if (!needs_full_.empty()) {
      retry_requested_ = true;
      shipping_lines_ = true;  // until the loop has taken the request
    }
  }
  cv_.notify_all();
  WaitConfigReplicated(timeout_ms);
  if (replicator_) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    replicator_->Flush(static_cast<int>(std::max<int64_t>(0, left.count())), true);
  }
}

void MasterServices::SsconfLoop() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return stopping_ || ssconf_dirty_; });
    if (stopping_) return;
    ssconf_dirty_ = false;
    ssconf_requested_ = false;
    // Callers so far are served by this push: it reads the config after them.
    // For them, as for Ganeti's redist-conf, every node gets every key (a
    // node whose files were damaged or removed is mended).
    const uint64_t serving = ssconf_wanted_;
    const bool forced = serving > ssconf_served_;
    const auto served = [&](std::vector<std::string> unreached) {
      ssconf_served_ = serving;
      ssconf_unreached_ = std::move(unreached);
      ssconf_served_cv_.notify_all();
    };
    const auto waited_for = [this] { return ssconf_wanted_ > ssconf_served_; };
    lock.unlock();
    std::vector<rpc::NodeAddress> targets;
    json::object values;
    config_.Read([&](const objects::ConfigData& d) {
      for (const auto& [k, v] : ComputeSsconf(d)) values[k] = v;
      targets = AddressesOf(OnlineNodes(d));
    });
    // Most changes (a drained flag, say) leave ssconf as it was: nothing to send.
    const bool all_in_step = std::all_of(targets.begin(), targets.end(), [&](const auto& t) {
      return last_ssconf_nodes_.count(t.name + "/" + t.address) != 0;
    });
    if (!forced && values == last_ssconf_ && all_in_step) {
      lock.lock();
      served({});
      // Most commits leave ssconf as it was: it is computed again a few
      // times a second at most, however many commits there are, unless a
      // change known to touch it asks (a node's role, say).
      cv_.wait_for(lock, kSsconfRecheck, [this] { return stopping_ || ssconf_requested_; });
      continue;
    }
    // Nodes that got the last push get only the keys that changed since (an
    // instance creation changes the instance list alone); the others get
    // every key.
    json::object changed;
    for (const auto& [key, value] : values) {
      auto it = last_ssconf_.find(key);
      if (it == last_ssconf_.end() || it->value() != value) changed[key] = value;
    }
    std::vector<rpc::NodeAddress> in_step, behind;
    for (auto& t : targets) {
      (!forced && last_ssconf_nodes_.count(t.name + "/" + t.address) ? in_step : behind)
          .push_back(t);
    }
    // The instance list alone changes with every instance created, and it
    // is the largest value (100 KiB at 10,000 instances, to every node): a
    // push of it alone waits until sixty times the last push's time has
    // passed since it, so that a burst of creations does not spend a
    // fifth of the machine on copies of the list.
    if (behind.empty() && changed.size() == 1 && changed.contains("instance_list")) {
      const auto due = last_push_end_ + kInstanceListRest * last_push_time_;
      if (std::chrono::steady_clock::now() < due) {
        lock.lock();
        ssconf_dirty_ = true;  // still to send
        cv_.wait_until(lock, due, [this] { return stopping_ || ssconf_requested_; });
        continue;
      }
    }
    const auto push_start = std::chrono::steady_clock::now();
    std::vector<rpc::RpcResult> results;
    if (changed.empty()) {
      for (const auto& t : in_step) results.push_back({t.name, true, nullptr, "", false});
    } else {
      results =
          rpc_.CallParallel(in_step, rpc::procedures::kWriteSsconfFiles, json::array{changed});
    }
    auto full = rpc_.CallParallel(behind, rpc::procedures::kWriteSsconfFiles, json::array{values});
    const auto push_time = std::chrono::steady_clock::now() - push_start;
    last_push_end_ = push_start + push_time;
    last_push_time_ = push_time;
    results.insert(results.end(), std::make_move_iterator(full.begin()),
                   std::make_move_iterator(full.end()));
    in_step.insert(in_step.end(), behind.begin(), behind.end());
    std::vector<std::string> unreached;
    std::set<std::string> reached;
    for (size_t i = 0; i < results.size(); ++i) {
      if (!results[i].ok) {
        unreached.push_back(results[i].node);
        spdlog::warn("writing ssconf files on {} failed: {}", results[i].node, results[i].error);
      } else {
        reached.insert(in_step[i].name + "/" + in_step[i].address);
      }
    }
    lock.lock();
    last_ssconf_ = values;
    last_ssconf_nodes_ = std::move(reached);
    const bool failed = !unreached.empty();
    served(std::move(unreached));
    if (failed) {
      // The nodes that missed it get every key after a pause, or sooner,
      // with the next commit (a node back from a failure learns its new
      // master at once, and takes replicas again).
      ssconf_dirty_ = true;
      cv_.wait_for(lock, std::chrono::seconds(5));
    } else {
      // A push costs every node a file write and sync, so a burst of
      // changes (a thousand node adds or instance creations) must not
      // trigger one push each: the loop rests eight times as long as the
      // push took, which keeps pushes to a ninth of the time whatever the
      // cluster size (a few milliseconds on a small one), and gathers the
      // changes meanwhile.
      // A caller of DistributeSsconfNow cuts the rest short.
      cv_.wait_for(lock, 8 * push_time, [&] { return stopping_ || waited_for(); });
    }
  }
}

}  // namespace herd::master
