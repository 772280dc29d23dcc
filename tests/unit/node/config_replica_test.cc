// A candidate's config copy: journal records shipped by the master, merged
// into config.data, give the master's configuration, job tags included; a
// config store holding the files keeps the merge away.
#include "node/config_replica.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "base/file_lock.h"
#include "base/files.h"
#include "base/json.h"
#include "master/config/config_store.h"
#include "test_config.h"

namespace herd {
namespace {

namespace fs = std::filesystem;

class ConfigReplicaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() / ("herd-replica-" + std::to_string(::getpid()));
    fs::remove_all(base_);
    master_ = std::make_unique<Paths>((base_ / "node1").string(), "node1");
    candidate_ = std::make_unique<Paths>((base_ / "node2").string(), "node2");
    MakeDirs(master_->DataDir());
    MakeDirs(candidate_->DataDir());
    master::ConfigStore::WriteInitial(*master_, testconfig::OneNodeCluster());
  }
  void TearDown() override { fs::remove_all(base_); }

  static objects::Node NewNode(const std::string& uuid) { return testconfig::GroupNode(uuid); }

  fs::path base_;
  std::unique_ptr<Paths> master_, candidate_;
};

TEST_F(ConfigReplicaTest, MergedJournalGivesTheMastersConfig) {
  master::ConfigStore store(*master_);
  std::string shipped;
  store.SetCommitListener([&](const std::string& line) { shipped += line; });
  ConfigReplica replica(*candidate_);
  replica.Replace(store.SerializedSnapshot());
  store.Update([](master::ConfigTxn& t) { t.AddNode(NewNode("n2")); }, master::CommitTag{5, 0});
  store.Update([](master::ConfigTxn& t) { t.AddNode(NewNode("n3")); });
  store.Update([](master::ConfigTxn& t) { t.MutableNode("n2").drained = true; });
  store.Update([](master::ConfigTxn& t) { t.RemoveNode("n3"); }, master::CommitTag{6, 1, true});
  store.Update([](master::ConfigTxn& t) { t.MutableCluster().tags.push_back("x"); });
  replica.Append(shipped);
  ASSERT_TRUE(replica.Merge());
  EXPECT_EQ(ReadFile(candidate_->ConfigJournal()), "");
  const json::value copy = ParseJson(ReadFile(candidate_->ConfigFile()), "copy");
  const json::value original = ParseJson(store.SerializedSnapshot(), "master");
  EXPECT_EQ(copy, original);
  // A config store on the candidate (after a failover) sees the job tags.
  master::ConfigStore taking_over(*candidate_);
  EXPECT_TRUE(taking_over.Committed(5, 0));
  EXPECT_FALSE(taking_over.Committed(6, 1));
}

TEST_F(ConfigReplicaTest, NoMergeWhileAConfigStoreHoldsTheFiles) {
  ConfigReplica replica(*candidate_);
  replica.Replace(ReadFile(master_->ConfigFile()));
  replica.Append("{\"serial\": 99, \"mtime\": 1}\n");
  {
    FileLock held = FileLock::Acquire(candidate_->ConfigLockFile());
    ASSERT_TRUE(held.held());
    EXPECT_FALSE(replica.Merge());
    EXPECT_NE(ReadFile(candidate_->ConfigJournal()), "");
  }
  EXPECT_TRUE(replica.Merge());
  EXPECT_EQ(ReadFile(candidate_->ConfigJournal()), "");
  EXPECT_EQ(
      GetInt(AsObject(ParseJson(ReadFile(candidate_->ConfigFile()), "c"), "c"), "serial_no", "c"),
      99);
}

}  // namespace
}  // namespace herd
