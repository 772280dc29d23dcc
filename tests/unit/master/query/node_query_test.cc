#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>

#include "base/files.h"
#include "master/config/config_store.h"
#include "master/locking/lock_manager.h"
#include "master/query/resource_queries.h"
#include "no_node_calls.h"
#include "test_config.h"

namespace herd::master {
namespace {

using testing_support::NoNodeCalls;

class NodeQueryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = std::filesystem::temp_directory_path() / ("herd-nodequery-" + std::to_string(getpid()));
    std::filesystem::remove_all(base_);
    paths_ = std::make_unique<Paths>((base_ / "node1").string(), "node1");
    MakeDirs(paths_->DataDir());
    ConfigStore::WriteInitial(*paths_, testconfig::OneNodeCluster());
  }
  void TearDown() override { std::filesystem::remove_all(base_); }

  static objects::Instance WithDisk(const std::string& name, const std::string& primary,
                                    const std::string& disk) {
    objects::Instance i;
    i.name = i.uuid = name;
    i.primary_node = primary;
    if (!disk.empty()) i.disks = {disk};
    return i;
  }
  static objects::Disk DiskOn(const std::string& uuid, const std::string& type,
                              std::vector<std::string> nodes) {
    objects::Disk d;
    d.uuid = uuid;
    d.dev_type = type;
    d.nodes = std::move(nodes);
    return d;
  }

  std::filesystem::path base_;
  std::unique_ptr<Paths> paths_;
};

TEST_F(NodeQueryTest, CountsPrimaryAndSecondaryInstancesPerNode) {
  ConfigStore store(*paths_);
  store.Update([](ConfigTxn& t) {
    t.AddNode(testconfig::GroupNode("n2"));
    t.AddNode(testconfig::GroupNode("n3"));
    // DRBD: primary n2, secondary n3 (its disk's other node).
    t.AddDisk(DiskOn("d1", "drbd", {"n2", "n3"}));
    t.AddInstance(WithDisk("mirrored", "n2", "d1"));
    t.AddDisk(DiskOn("d2", "drbd", {"n3", "n2"}));
    t.AddInstance(WithDisk("back", "n3", "d2"));
    t.AddDisk(DiskOn("d3", "plain", {"n2"}));
    t.AddInstance(WithDisk("local", "n2", "d3"));
    t.AddInstance(WithDisk("diskless", "n1", ""));
  });
  NoNodeCalls rpc;
  locking::LockManager locks;
  QueryRequest request{"node", {"name", "pinst_cnt", "sinst_cnt", "pinst_list", "sinst_list"}, {}};
  const json::array rows =
      PlainRows(RunResourceQuery(request, {*paths_, store, rpc, nullptr, locks}));
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(json::serialize(rows[0]), R"(["node-n2",2,1,["local","mirrored"],["back"]])");
  EXPECT_EQ(json::serialize(rows[1]), R"(["node-n3",1,1,["back"],["mirrored"]])");
  EXPECT_EQ(json::serialize(rows[2]), R"(["node1",1,0,["diskless"],[]])");
}

}  // namespace
}  // namespace herd::master
