// The follower serves config.data plus the journal's newer records, and sees
// appends, snapshots and a missing config.
#include "confd/config_follower.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>

#include "base/files.h"
#include "master/config/config_store.h"
#include "test_config.h"

namespace herd::confd {
namespace {

namespace fs = std::filesystem;

class ConfdConfigFollowerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() / ("herd-confd-follower-" + std::to_string(::getpid()));
    fs::remove_all(base_);
    paths_ = std::make_unique<Paths>((base_ / "node1").string(), "node1");
    MakeDirs(paths_->DataDir());
  }
  void TearDown() override { fs::remove_all(base_); }

  fs::path base_;
  std::unique_ptr<Paths> paths_;
};

TEST_F(ConfdConfigFollowerTest, WithoutConfigEveryAnswerIsAnError) {
  ConfigFollower follower(*paths_);
  EXPECT_EQ(follower.error(), "Configuration not yet loaded");
  EXPECT_TRUE(follower.Poll());
  EXPECT_EQ(follower.config(), nullptr);
  EXPECT_NE(follower.error().find("No configuration on this node"), std::string::npos);
  EXPECT_FALSE(follower.Poll());
}

TEST_F(ConfdConfigFollowerTest, FollowsJournalAppendsAndSnapshots) {
  master::ConfigStore::WriteInitial(*paths_, testconfig::OneNodeCluster());
  master::ConfigStore store(*paths_);
  ConfigFollower follower(*paths_);
  ASSERT_TRUE(follower.Poll());
  ASSERT_NE(follower.config(), nullptr);
  EXPECT_EQ(follower.config()->data.nodes.size(), 1u);
  EXPECT_FALSE(follower.Poll());  // nothing changed

  store.Update([](master::ConfigTxn& t) { t.AddNode(testconfig::GroupNode("n2")); });
  ASSERT_TRUE(follower.Poll());
  EXPECT_EQ(follower.config()->data.nodes.size(), 2u);
  store.Update([](master::ConfigTxn& t) { t.MutableNode("n2").master_candidate = true; });
  ASSERT_TRUE(follower.Poll());
  EXPECT_TRUE(follower.config()->data.nodes.at("n2").master_candidate);
  const int64_t serial = follower.config()->data.serial_no;
  EXPECT_EQ(serial, store.Read([](const objects::ConfigData& d) { return d.serial_no; }));

  store.WriteSnapshot();  // config.data rewritten, journal emptied
  follower.Poll();
  ASSERT_NE(follower.config(), nullptr);
  EXPECT_EQ(follower.config()->data.serial_no, serial);
  store.Update([](master::ConfigTxn& t) { t.RemoveNode("n2"); });
  ASSERT_TRUE(follower.Poll());
  EXPECT_EQ(follower.config()->data.nodes.count("n2"), 0u);
}

TEST_F(ConfdConfigFollowerTest, JournalAppearingAfterTheLoadIsRead) {
  master::ConfigStore::WriteInitial(*paths_, testconfig::OneNodeCluster());
  RemoveFile(paths_->ConfigJournal());
  ConfigFollower follower(*paths_);
  follower.Poll();
  ASSERT_NE(follower.config(), nullptr);
  const int64_t serial = follower.config()->data.serial_no;
  // A candidate's replica appends the master's records (here: a new cluster tag).
  objects::Cluster cluster = follower.config()->data.cluster;
  cluster.tags.push_back("seen");
  json::object record{{"serial", serial + 1}, {"cluster", objects::ToJson(cluster)}};
  WriteFileAtomic(paths_->ConfigJournal(), json::serialize(record) + "\n{\"serial\":", 0600);
  ASSERT_TRUE(follower.Poll());
  EXPECT_EQ(follower.config()->data.serial_no, serial + 1);
  EXPECT_EQ(follower.config()->data.cluster.tags, std::vector<std::string>{"seen"});
}

// The instance IP index follows the journal too (rebuilt when asked for).
TEST_F(ConfdConfigFollowerTest, InstanceIpIndexFollowsTheJournal) {
  master::ConfigStore::WriteInitial(*paths_, testconfig::OneNodeCluster());
  master::ConfigStore store(*paths_);
  ConfigFollower follower(*paths_);
  ASSERT_TRUE(follower.Poll());
  const std::string link = DefaultNicLink(follower.config()->data);
  EXPECT_TRUE(follower.config()->instance_ips_by_link.empty());

  objects::Instance instance;
  instance.name = "inst1";
  instance.uuid = "i1";
  instance.primary_node = "n1";
  objects::Nic nic;
  nic.uuid = "nic1";
  nic.ip = "192.0.2.7";
  instance.nics.push_back(nic);
  store.Update([&](master::ConfigTxn& t) { t.AddInstance(instance); });
  ASSERT_TRUE(follower.Poll());
  EXPECT_EQ(follower.config()->instance_ips_by_link.at(link).at("192.0.2.7"), "i1");

  store.Update([](master::ConfigTxn& t) { t.RemoveInstance("i1"); });
  ASSERT_TRUE(follower.Poll());
  EXPECT_EQ(follower.config()->instance_ips_by_link.count(link), 0u);
}

TEST_F(ConfdConfigFollowerTest, UnreadableConfigIsReported) {
  WriteFileAtomic(paths_->ConfigFile(), "{broken", 0600);
  ConfigFollower follower(*paths_);
  follower.Poll();
  EXPECT_EQ(follower.config(), nullptr);
  EXPECT_NE(follower.error().find("Cannot load configuration from"), std::string::npos);
}

}  // namespace
}  // namespace herd::confd
