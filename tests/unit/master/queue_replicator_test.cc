// Job queue copies on master candidates: changes settle into one write, and
// a submission's flush waits for the changes made before it, not for a queue
// that stays busy.
#include "master/queue_replicator.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <thread>

#include "base/files.h"
#include "test_config.h"

namespace herd::master {
namespace {
namespace json = boost::json;
using Clock = std::chrono::steady_clock;

// Records the files of every jobqueue_replicate call; the candidate answers
// after 30 ms, as a node daemon over the network would.
class RecordingRpc : public rpc::NodeRpcClient {
 public:
  std::vector<rpc::RpcResult> CallParallel(const std::vector<rpc::NodeAddress>& nodes,
                                           const rpc::Procedure& procedure,
                                           const json::array& args) override {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    std::lock_guard lock(mu);
    if (procedure.name == rpc::procedures::kJobqueueReplicate.name && args.at(1).as_bool()) {
      ++full_copies;
      for (const auto& node : nodes) full_copy_targets.push_back(node.name);
    } else if (procedure.name == rpc::procedures::kJobqueueReplicate.name) {
      for (const auto& entry : args.at(0).as_array()) {
        shipped.emplace_back(entry.as_array().at(0).as_string().c_str(),
                             entry.as_array().at(1).as_string().c_str());
      }
    }
    std::vector<rpc::RpcResult> results;
    for (const auto& node : nodes) {
      rpc::RpcResult r;
      r.node = node.name;
      r.ok = true;
      results.push_back(r);
    }
    return results;
  }
  // How often `name` was shipped, and whether `contents` was among them.
  int Count(const std::string& name, const std::string& contents = "") {
    std::lock_guard lock(mu);
    int n = 0;
    for (const auto& [file, data] : shipped) {
      if (file == name && (contents.empty() || data == contents)) ++n;
    }
    return n;
  }
  int FullCopies() {
    std::lock_guard lock(mu);
    return full_copies;
  }
  std::vector<std::string> FullCopyTargets() {
    std::lock_guard lock(mu);
    return full_copy_targets;
  }
  std::mutex mu;
  std::vector<std::pair<std::string, std::string>> shipped;
  int full_copies = 0;                         // calls
  std::vector<std::string> full_copy_targets;  // the nodes of each call
};

class QueueReplicatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ =
        std::filesystem::temp_directory_path() / ("herd-replicator-" + std::to_string(getpid()));
    std::filesystem::remove_all(base_);
    paths_ = std::make_unique<Paths>((base_ / "node1").string(), "node1");
    MakeDirs(paths_->DataDir());
    MakeDirs(paths_->QueueDir());
    objects::ConfigData config = testconfig::OneNodeCluster();
    for (const char* uuid : {"c1", "c2", "c3"}) {
      objects::Node candidate = testconfig::GroupNode(uuid);
      candidate.master_candidate = true;
      candidate.primary_ip = "127.0.0." + std::to_string(config.nodes.size() + 2);
      config.nodes[candidate.uuid] = candidate;
    }
    ConfigStore::WriteInitial(*paths_, config);
    store_ = std::make_unique<ConfigStore>(*paths_);
    replicator_ = std::make_unique<QueueReplicator>(*store_, rpc_, paths_->QueueDir());
    replicator_->Start();
  }
  void TearDown() override {
    replicator_.reset();
    store_.reset();
    std::filesystem::remove_all(base_);
  }

  // Changes "job-1" every 5 ms until stopped: a queue that never goes quiet
  // (changes come faster than a batch ships).
  void StartBusyJob() {
    busy_ = std::thread([this] {
      for (int i = 0; !stop_busy_; ++i) {
        replicator_->OnJobFile("job-1", "state " + std::to_string(i), false);
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    });
  }
  void StopBusyJob() {
    stop_busy_ = true;
    busy_.join();
  }

  RecordingRpc rpc_;
  std::filesystem::path base_;
  std::unique_ptr<Paths> paths_;
  std::unique_ptr<ConfigStore> store_;
  std::unique_ptr<QueueReplicator> replicator_;
  std::atomic<bool> stop_busy_{false};
  std::thread busy_;
};

TEST_F(QueueReplicatorTest, SuccessiveStatesOfAJobShipOnce) {
  for (int i = 0; i < 5; ++i) {
    replicator_->OnJobFile("job-7", "state " + std::to_string(i), false);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  EXPECT_EQ(rpc_.Count("job-7"), 1);
  EXPECT_EQ(rpc_.Count("job-7", "state 4"), 1);
}

TEST_F(QueueReplicatorTest, AFlushWaitsOnlyForEarlierChangesOfABusyQueue) {
  StartBusyJob();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  replicator_->OnJobFile("job-2", "queued", false);
  const auto start = Clock::now();
  replicator_->Flush(5000);
  const auto waited = Clock::now() - start;
  EXPECT_EQ(rpc_.Count("job-2", "queued"), 1);  // on the candidate when Flush returns
  EXPECT_LT(waited, std::chrono::milliseconds(1000));
  // After the flush, the busy job's changes are batched again: at most one
  // write per kMaxLag (1.5 s) rather than one per batch (~40 in 1.2 s).
  const int after_flush = rpc_.Count("job-1");
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  StopBusyJob();
  EXPECT_LE(rpc_.Count("job-1") - after_flush, 2);
}

TEST_F(QueueReplicatorTest, AFlushOfAnIdleQueueReturnsAtOnce) {
  replicator_->OnJobFile("job-3", "done", false);
  replicator_->Flush(5000);
  EXPECT_EQ(rpc_.Count("job-3", "done"), 1);
  const auto start = Clock::now();
  replicator_->Flush(5000);
  EXPECT_LT(Clock::now() - start, std::chrono::milliseconds(500));
}

TEST_F(QueueReplicatorTest, TheCandidatesOwedAWholeCopyGetItInOneRound) {
  // At the start every candidate is owed one: the queue is read once and
  // sent to all of them together, not to one after the other.
  WriteFileAtomic(paths_->QueueDir() + "/job-5", "done");
  replicator_->Flush(5000);
  EXPECT_EQ(rpc_.FullCopies(), 1);
  std::vector<std::string> targets = rpc_.FullCopyTargets();
  std::sort(targets.begin(), targets.end());
  EXPECT_EQ(targets, (std::vector<std::string>{"node-c1", "node-c2", "node-c3"}));
}

TEST_F(QueueReplicatorTest, AFlushWaitsForTheWholeCopyANewCandidateIsOwed) {
  replicator_->Flush(5000);  // the copy every candidate gets at the start
  EXPECT_EQ(rpc_.FullCopies(), 1);
  StartBusyJob();
  replicator_->ScheduleFullCopy("c1");
  replicator_->Flush(5000);
  EXPECT_EQ(rpc_.FullCopies(), 2);
  StopBusyJob();
}

}  // namespace
}  // namespace herd::master
