#include "master/config/config_store.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "base/errors.h"
#include "base/files.h"
#include "test_config.h"

namespace herd::master {
namespace {

class ConfigStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = std::filesystem::temp_directory_path() / ("herd-config-" + std::to_string(getpid()));
    std::filesystem::remove_all(base_);
    paths_ = std::make_unique<Paths>((base_ / "node1").string(), "node1");
    MakeDirs(paths_->DataDir());
    ConfigStore::WriteInitial(*paths_, testconfig::OneNodeCluster());
  }
  void TearDown() override { std::filesystem::remove_all(base_); }

  static objects::Node NewNode(const std::string& uuid) { return testconfig::GroupNode(uuid); }

  std::filesystem::path base_;
  std::unique_ptr<Paths> paths_;
};

TEST_F(ConfigStoreTest, JournalReplayRestoresCommittedChanges) {
  int64_t serial = 0;
  {
    ConfigStore store(*paths_);
    store.Update([](ConfigTxn& t) { t.AddNode(NewNode("n2")); });
    store.Update([](ConfigTxn& t) { t.AddNode(NewNode("n3")); });
    store.Update([](ConfigTxn& t) { t.MutableNode("n2").drained = true; });
    store.Update([](ConfigTxn& t) { t.RemoveNode("n3"); });
    serial = store.Read([](const objects::ConfigData& d) { return d.serial_no; });
    EXPECT_EQ(store.journal_records(), 4);
  }
  // A new store (a restarted masterd) sees exactly the committed state.
  ConfigStore again(*paths_);
  again.Read([&](const objects::ConfigData& d) {
    EXPECT_EQ(d.serial_no, serial);
    ASSERT_EQ(d.nodes.count("n2"), 1u);
    EXPECT_TRUE(d.nodes.at("n2").drained);
    EXPECT_EQ(d.nodes.at("n2").serial_no, 2);  // bumped by the modification
    EXPECT_EQ(d.nodes.count("n3"), 0u);
  });
}

TEST_F(ConfigStoreTest, JournalRecordHoldsOnlyWhatChanged) {
  ConfigStore store(*paths_);
  std::vector<std::string> lines;
  store.SetCommitListener([&](const std::string& line) { lines.push_back(line); });
  for (int i = 0; i < 50; ++i) {
    store.Update([i](ConfigTxn& t) { t.AddNode(NewNode("x" + std::to_string(i))); });
  }
  store.Update([](ConfigTxn& t) { t.MutableNode("x7").offline = true; });
  ASSERT_EQ(lines.size(), 51u);
  EXPECT_NE(lines.back().find("\"x7\""), std::string::npos);
  EXPECT_EQ(lines.back().find("\"x8\""), std::string::npos);
  EXPECT_LT(lines.back().size(), 1000u);
}

// The journal is folded into a snapshot after 2,000 records once it is as
// large as the snapshot: soon for a small config, later for a large one.
TEST_F(ConfigStoreTest, SnapshotWaitsForAJournalAsLargeAsTheConfig) {
  auto commits = [](ConfigStore& store, int count) {
    for (int i = 0; i < count; ++i) {
      store.Update([i](ConfigTxn& t) { t.MutableNode("n1").drained = i % 2 == 0; });
    }
  };
  auto snapshot_follows = [](ConfigStore& store) {
    for (int i = 0; i < 500 && store.journal_records() > 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return store.journal_records() == 0;
  };
  {
    ConfigStore small(*paths_);
    commits(small, 2001);
    EXPECT_TRUE(snapshot_follows(small));
  }
  {
    ConfigStore large(*paths_);
    // A config of 2 MB: a long description in the cluster's tags.
    large.Update(
        [](ConfigTxn& t) { t.MutableCluster().tags.assign(20000, std::string(100, 't')); });
    large.WriteSnapshot();
    commits(large, 2001);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    EXPECT_EQ(large.journal_records(), 2001);
  }
}

TEST_F(ConfigStoreTest, FailedUpdateKeepsNothing) {
  ConfigStore store(*paths_);
  EXPECT_THROW(store.Update([](ConfigTxn& t) {
    t.MutableNode("n1").drained = true;
    t.AddNode(NewNode("n9"));
    throw OpPrereqError("changed my mind");
  }),
               GanetiError);
  store.Read([](const objects::ConfigData& d) {
    EXPECT_FALSE(d.nodes.at("n1").drained);
    EXPECT_EQ(d.nodes.count("n9"), 0u);
    EXPECT_EQ(d.nodes.at("n1").serial_no, 1);
  });
  EXPECT_EQ(store.journal_records(), 0);
}

// A dry run: the change's checks run, its failure comes out, and nothing of
// it stays, in memory or in the journal; groups come and go like nodes.
TEST_F(ConfigStoreTest, TriedUpdateKeepsNothingAndGroupsComeAndGo) {
  auto store_ptr = std::make_unique<ConfigStore>(*paths_);
  ConfigStore& store = *store_ptr;
  const int64_t serial = store.Read([](const objects::ConfigData& d) { return d.serial_no; });
  objects::NodeGroup group;
  group.uuid = "g2";
  group.name = "rack2";
  store.TryUpdate([&](ConfigTxn& t) {
    t.AddGroup(group);
    t.MutableNode("n1").group = "g2";
  });
  EXPECT_THROW(store.TryUpdate([](ConfigTxn& t) { t.RemoveGroup("no-such-group"); }), GanetiError);
  store.Read([&](const objects::ConfigData& d) {
    EXPECT_EQ(d.serial_no, serial);
    EXPECT_EQ(d.nodegroups.count("g2"), 0u);
    EXPECT_NE(d.nodes.at("n1").group, "g2");
    EXPECT_EQ(d.nodes.at("n1").serial_no, 1);
  });
  EXPECT_EQ(store.journal_records(), 0);

  store.Update([&](ConfigTxn& t) { t.AddGroup(group); });
  store.Update([](ConfigTxn& t) { t.RemoveGroup("g2"); });
  store.Update([&](ConfigTxn& t) { t.AddGroup(group); });
  store_ptr.reset();  // a restarted masterd
  ConfigStore again(*paths_);
  again.Read([](const objects::ConfigData& d) {
    ASSERT_EQ(d.nodegroups.count("g2"), 1u);
    EXPECT_EQ(d.nodegroups.at("g2").name, "rack2");
  });
}

TEST_F(ConfigStoreTest, TornLastRecordIsIgnored) {
  {
    ConfigStore store(*paths_);
    store.Update([](ConfigTxn& t) { t.AddNode(NewNode("n2")); });
  }
  // A crash in the middle of an append leaves a partial line.
  std::string journal = ReadFile(paths_->ConfigJournal());
  WriteFileAtomic(paths_->ConfigJournal(), journal + "{\"serial\": 99, \"upsert\": {\"nod");
  {
    ConfigStore again(*paths_);
    again.Read([](const objects::ConfigData& d) { EXPECT_EQ(d.nodes.count("n2"), 1u); });
    again.Update([](ConfigTxn& t) { t.AddNode(NewNode("n3")); });
  }
  ConfigStore third(*paths_);
  third.Read([](const objects::ConfigData& d) { EXPECT_EQ(d.nodes.count("n3"), 1u); });
}

TEST_F(ConfigStoreTest, SnapshotTruncatesJournalAndKeepsState) {
  {
    ConfigStore store(*paths_);
    for (int i = 0; i < 10; ++i)
      store.Update([i](ConfigTxn& t) { t.AddNode(NewNode("s" + std::to_string(i))); });
    store.WriteSnapshot();
    EXPECT_EQ(store.journal_records(), 0);
    store.Update([](ConfigTxn& t) { t.MutableNode("s3").drained = true; });
  }
  ConfigStore again(*paths_);
  again.Read([](const objects::ConfigData& d) {
    EXPECT_EQ(d.nodes.size(), 11u);
    EXPECT_TRUE(d.nodes.at("s3").drained);
  });
}

TEST_F(ConfigStoreTest, ConcurrentUpdatesAllCommitInOrder) {
  auto store_owner = std::make_unique<ConfigStore>(*paths_);
  ConfigStore& store = *store_owner;
  std::vector<int64_t> serials;
  std::mutex mu;
  store.SetCommitListener([&](const std::string& line) {
    std::lock_guard lock(mu);
    auto pos = line.find("\"serial\":");
    serials.push_back(std::stoll(line.substr(pos + 9)));
  });
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&store, t] {
      for (int i = 0; i < 25; ++i) {
        store.Update([t, i](ConfigTxn& txn) {
          txn.AddNode(NewNode("t" + std::to_string(t) + "-" + std::to_string(i)));
        });
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_EQ(serials.size(), 200u);
  EXPECT_TRUE(std::is_sorted(serials.begin(), serials.end()));
  store_owner.reset();  // a restarted master reads the files
  ConfigStore again(*paths_);
  again.Read([](const objects::ConfigData& d) { EXPECT_EQ(d.nodes.size(), 201u); });
}

TEST_F(ConfigStoreTest, CommitTagsSurviveRestartsAndSnapshots) {
  {
    ConfigStore store(*paths_);
    store.Update([](ConfigTxn& t) { t.AddNode(NewNode("n2")); }, CommitTag{7, 0});
    store.Update([](ConfigTxn& t) { t.AddNode(NewNode("n3")); }, CommitTag{8, 1});
    store.Update([](ConfigTxn& t) { t.RemoveNode("n3"); }, CommitTag{8, 1, true});
    store.Update([](ConfigTxn& t) { t.MutableNode("n2").drained = true; });
    EXPECT_TRUE(store.Committed(7, 0));
    EXPECT_FALSE(store.Committed(8, 1));  // undone
    EXPECT_FALSE(store.Committed(7, 1));
  }
  {
    ConfigStore from_journal(*paths_);
    EXPECT_TRUE(from_journal.Committed(7, 0));
    EXPECT_FALSE(from_journal.Committed(8, 1));
    from_journal.WriteSnapshot();  // the tagged records leave the journal
    EXPECT_EQ(from_journal.journal_records(), 0);
  }
  ConfigStore from_snapshot(*paths_);
  EXPECT_TRUE(from_snapshot.Committed(7, 0));
  EXPECT_FALSE(from_snapshot.Committed(8, 1));
}

TEST_F(ConfigStoreTest, AnEmptyChangeRecordsNoTag) {
  ConfigStore store(*paths_);
  store.Update([](ConfigTxn&) {}, CommitTag{9, 0});
  EXPECT_FALSE(store.Committed(9, 0));
}

// A full disk (here: a file size limit) in the middle of a journal record:
// the change fails with the system's error, the journal keeps no partial
// record, and commits work again once there is room.
TEST_F(ConfigStoreTest, AJournalAppendThatDoesNotFitLeavesNothing) {
  auto store_owner = std::make_unique<ConfigStore>(*paths_);
  ConfigStore& store = *store_owner;
  store.Update([](ConfigTxn& t) { t.AddNode(NewNode("n2")); });
  const std::string before = ReadFile(paths_->ConfigJournal());
  ::signal(SIGXFSZ, SIG_IGN);
  rlimit original{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &original), 0);
  rlimit tight = original;
  tight.rlim_cur = before.size() + 10;  // room for a few bytes of the next record
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &tight), 0);
  EXPECT_THROW(store.Update([](ConfigTxn& t) { t.AddNode(NewNode("n3")); }), GanetiError);
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &original), 0);
  EXPECT_EQ(ReadFile(paths_->ConfigJournal()), before);
  store.Read([](const objects::ConfigData& d) { EXPECT_EQ(d.nodes.count("n3"), 0u); });
  store.Update([](ConfigTxn& t) { t.AddNode(NewNode("n4")); });
  store_owner.reset();
  ConfigStore again(*paths_);
  again.Read([](const objects::ConfigData& d) {
    EXPECT_EQ(d.nodes.count("n2"), 1u);
    EXPECT_EQ(d.nodes.count("n3"), 0u);
    EXPECT_EQ(d.nodes.count("n4"), 1u);
  });
}

// Lookups by name and MAC go through indexes: they must follow every change,
// also inside the change that makes it and after a rollback or a restart.
TEST_F(ConfigStoreTest, NameAndMacLookupsFollowChanges) {
  auto instance = [](const std::string& uuid, const std::string& name, const std::string& mac) {
    objects::Instance i;
    i.uuid = uuid;
    i.name = name;
    objects::Nic nic;
    nic.mac = mac;
    i.nics.push_back(nic);
    return i;
  };
  auto name_of = [](const objects::Instance* i) { return i ? i->uuid : std::string("none"); };
  {
    ConfigStore store(*paths_);
    store.Read([&](const objects::ConfigData& d) {
      EXPECT_EQ(name_of(d.FindInstanceByName("web1")), "none");  // the index is built
    });
    store.Update([&](ConfigTxn& t) {
      t.AddInstance(instance("i1", "web1", "aa:00:00:00:00:01"));
      EXPECT_EQ(name_of(t.data().FindInstanceByName("web1")), "i1");  // seen inside the change
      t.AddInstance(instance("i2", "web2", "aa:00:00:00:00:02"));
      t.AddNode(NewNode("n2"));
    });
    store.Read([&](const objects::ConfigData& d) {
      EXPECT_EQ(name_of(d.FindInstanceByName("web2")), "i2");
      EXPECT_EQ(name_of(d.FindInstanceByMac("aa:00:00:00:00:01")), "i1");
      ASSERT_NE(d.FindNodeByName(d.nodes.at("n2").name), nullptr);
    });
    // A rename, a changed MAC and a removal.
    store.Update([](ConfigTxn& t) {
      t.MutableInstance("i1").name = "db1";
      t.MutableInstance("i2").nics[0].mac = "aa:00:00:00:00:09";
    });
    store.Update([](ConfigTxn& t) { t.RemoveInstance("i2"); });
    store.Read([&](const objects::ConfigData& d) {
      EXPECT_EQ(name_of(d.FindInstanceByName("web1")), "none");
      EXPECT_EQ(name_of(d.FindInstanceByName("db1")), "i1");
      EXPECT_EQ(name_of(d.FindInstanceByName("web2")), "none");
      EXPECT_EQ(name_of(d.FindInstanceByMac("aa:00:00:00:00:09")), "none");
      EXPECT_EQ(name_of(d.FindInstanceByMac("aa:00:00:00:00:01")), "i1");
    });
    // A failed change: the names it took are free again, the old ones back.
    EXPECT_THROW(store.Update([&](ConfigTxn& t) {
      t.MutableInstance("i1").name = "gone";
      t.AddInstance(instance("i3", "web3", "aa:00:00:00:00:03"));
      throw OpPrereqError("changed my mind");
    }),
                 GanetiError);
    store.Read([&](const objects::ConfigData& d) {
      EXPECT_EQ(name_of(d.FindInstanceByName("db1")), "i1");
      EXPECT_EQ(name_of(d.FindInstanceByName("gone")), "none");
      EXPECT_EQ(name_of(d.FindInstanceByName("web3")), "none");
      EXPECT_EQ(name_of(d.FindInstanceByMac("aa:00:00:00:00:03")), "none");
    });
  }
  // Replayed from the journal.
  ConfigStore again(*paths_);
  again.Read([&](const objects::ConfigData& d) {
    EXPECT_EQ(name_of(d.FindInstanceByName("db1")), "i1");
    EXPECT_EQ(name_of(d.FindInstanceByName("web2")), "none");
  });
}

}  // namespace
}  // namespace herd::master

namespace herd::master {
namespace {

// The allocator's kept model relies on these summaries to know that the
// cluster changed only by the instances it placed.
TEST_F(ConfigStoreTest, CommitSummariesTellInstanceAdditionsFromOtherChanges) {
  ConfigStore store(*paths_);
  std::vector<CommitSummary> seen;
  store.SetSummaryListener([&](const CommitSummary& s) { seen.push_back(s); });
  objects::Instance web;
  web.uuid = "i1";
  web.name = "web1";
  objects::Disk disk;
  disk.uuid = "d1";
  store.Update([&](ConfigTxn& t) {
    t.AddDisk(disk);
    t.AddInstance(web);
  });
  store.Update([](ConfigTxn& t) { t.MutableInstance("i1").admin_state = "down"; });
  store.Update([](ConfigTxn& t) { t.MutableDisk("d1").size = 2048; });
  store.Update([](ConfigTxn& t) { t.AddNode(NewNode("n2")); });
  store.Update([](ConfigTxn& t) { t.RemoveInstance("i1"); });
  store.Update([](ConfigTxn&) {});  // nothing changed: no commit, no summary
  ASSERT_EQ(seen.size(), 5u);
  EXPECT_TRUE(seen[0].only_added_instances);
  EXPECT_EQ(seen[0].added_instance_names, std::vector<std::string>{"web1"});
  for (size_t i = 1; i < seen.size(); ++i) EXPECT_FALSE(seen[i].only_added_instances) << i;
}

}  // namespace
}  // namespace herd::master
