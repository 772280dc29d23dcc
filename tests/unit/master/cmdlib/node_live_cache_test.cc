// The allocation state the master daemon keeps between allocations: node
// figures shared for a while, reservations of creations under way, and the
// validity of the allocator's kept model.
#include "master/cmdlib/node_live_cache.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <thread>

namespace herd::master {
namespace {

using iallocator::NodeInfoQuery;
using iallocator::NodeLiveData;

NodeInfoQuery Query(bool reports_storage = false) {
  NodeInfoQuery q;
  q.node_uuids = {"n1", "n2"};
  q.hypervisor = "fake";
  q.disk_template = reports_storage ? "file" : "diskless";
  q.storage_type = reports_storage ? "file" : "diskless";
  q.reports_storage = reports_storage;
  return q;
}

NodeLiveData Figures() {
  NodeLiveData live;
  for (const char* uuid : {"n1", "n2"}) {
    auto& f = live[uuid];
    f.answered = true;
    f.memory_free = 4096;
    f.disk_free = 10000;
  }
  return live;
}

TEST(NodeLiveCacheTest, FiguresAreSharedUntilTheyAgeAndCountDisksCreatedSince) {
  NodeLiveCache cache(std::chrono::milliseconds(200));
  objects::ConfigData config;
  int fetches = 0;
  auto fetch = [&](const std::vector<std::string>&) {
    ++fetches;
    return Figures();
  };
  uint64_t first = 0, second = 0;
  cache.Get(config, Query(true), fetch, &first);
  // A file instance created since, on n1, takes its disk off n1's free space.
  objects::Disk disk;
  disk.uuid = "d1";
  disk.dev_type = "file";
  disk.size = 1000;
  disk.nodes = {"n1"};
  config.disks["d1"] = disk;
  objects::Instance inst;
  inst.uuid = "i1";
  inst.disks = {"d1"};
  config.instances["i1"] = inst;
  auto live = cache.Get(config, Query(true), fetch, &second);
  EXPECT_EQ(fetches, 1);
  EXPECT_EQ(second, first);
  EXPECT_EQ(live.at("n1").disk_free, 9000);
  EXPECT_EQ(live.at("n2").disk_free, 10000);
  EXPECT_EQ(cache.UsableGeneration(Query(true)), first);
  std::this_thread::sleep_for(std::chrono::milliseconds(250));
  EXPECT_EQ(cache.UsableGeneration(Query(true)), 0u);
  cache.Get(config, Query(true), fetch, &second);
  EXPECT_EQ(fetches, 2);
  EXPECT_GT(second, first);
}

// Figures past two thirds of their life are fetched afresh ahead of time,
// once, while the kept ones stay usable; the new ones count the instances
// configured at their fetch. While one refresh is under way, they are not
// aging for the others.
TEST(NodeLiveCacheTest, AgingFiguresAreRefreshedAheadOnce) {
  NodeLiveCache cache(std::chrono::milliseconds(300));
  objects::ConfigData config;
  int fetches = 0;
  auto fetch = [&](const std::vector<std::string>&) {
    ++fetches;
    return Figures();
  };
  uint64_t first = 0, now = 0;
  EXPECT_FALSE(cache.AnyAging());
  cache.Get(config, Query(), fetch, &first);
  EXPECT_FALSE(cache.Aging(Query()));
  EXPECT_FALSE(cache.AnyAging());
  cache.Refresh(Query(), {}, fetch);  // young: nothing to do
  EXPECT_EQ(fetches, 1);

  std::this_thread::sleep_for(std::chrono::milliseconds(220));
  EXPECT_TRUE(cache.Aging(Query()));
  EXPECT_TRUE(cache.AnyAging());
  EXPECT_EQ(cache.UsableGeneration(Query()), first);  // still usable meanwhile
  // While the refresh asks the nodes, the others see nothing to refresh.
  bool aging_during_refresh = true;
  cache.Refresh(Query(), {"i1"}, [&](const std::vector<std::string>& nodes) {
    aging_during_refresh = cache.Aging(Query()) || cache.AnyAging();
    return fetch(nodes);
  });
  EXPECT_FALSE(aging_during_refresh);
  EXPECT_EQ(fetches, 2);
  EXPECT_FALSE(cache.Aging(Query()));
  cache.Refresh(Query(), {"i1"}, fetch);  // fresh again: no second fetch
  EXPECT_EQ(fetches, 2);
  cache.Get(config, Query(), fetch, &now);
  EXPECT_EQ(fetches, 2);
  EXPECT_GT(now, first);
}

// A refresh whose nodes could not be asked leaves the kept figures aging,
// for the next allocation to refresh them.
TEST(NodeLiveCacheTest, AFailedRefreshLeavesTheFiguresAging) {
  NodeLiveCache cache(std::chrono::milliseconds(300));
  objects::ConfigData config;
  cache.Get(config, Query(), [](const std::vector<std::string>&) { return Figures(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(220));
  ASSERT_TRUE(cache.Aging(Query()));
  EXPECT_THROW(cache.Refresh(Query(), {},
                             [](const std::vector<std::string>&) -> NodeLiveData {
                               throw std::runtime_error("no answer");
                             }),
               std::runtime_error);
  EXPECT_TRUE(cache.Aging(Query()));
  EXPECT_TRUE(cache.AnyAging());
}

// Figures with a node that did not answer, or without a node added since,
// are not used: the next allocation asks again.
TEST(NodeLiveCacheTest, FiguresMissingANodeAreFetchedAgain) {
  NodeLiveCache cache(std::chrono::seconds(60));
  objects::ConfigData config;
  int fetches = 0;
  bool n2_answers = false;
  auto fetch = [&](const std::vector<std::string>&) {
    ++fetches;
    NodeLiveData live = Figures();
    live["n2"].answered = n2_answers;
    return live;
  };
  cache.Get(config, Query(), fetch);
  EXPECT_EQ(cache.UsableGeneration(Query()), 0u);
  n2_answers = true;
  uint64_t generation = 0;
  cache.Get(config, Query(), fetch, &generation);
  EXPECT_EQ(fetches, 2);
  EXPECT_EQ(cache.UsableGeneration(Query()), generation);

  NodeInfoQuery fewer = Query();
  fewer.node_uuids = {"n1"};
  EXPECT_EQ(cache.UsableGeneration(fewer), generation);  // a node gone: still usable
  NodeInfoQuery more = Query();
  more.node_uuids.push_back("n3");
  EXPECT_EQ(cache.UsableGeneration(more), 0u);
}

TEST(NodeLiveCacheTest, WithoutANodeListTheConfigsNodesMustMatchTheFigures) {
  NodeLiveCache cache(std::chrono::seconds(60));
  objects::ConfigData config;
  for (const char* uuid : {"n1", "n2"}) {
    config.nodes[uuid].uuid = uuid;
    config.nodes[uuid].vm_capable = true;
  }
  NodeInfoQuery no_nodes = Query();
  no_nodes.node_uuids.clear();
  EXPECT_EQ(cache.UsableGeneration(no_nodes, config), 0u);  // nothing fetched yet
  uint64_t generation = 0;
  cache.Get(
      config, Query(), [](const std::vector<std::string>&) { return Figures(); }, &generation);
  EXPECT_EQ(cache.UsableGeneration(no_nodes, config), generation);

  config.nodes["n2"].offline = true;  // fewer nodes than fetched
  EXPECT_EQ(cache.UsableGeneration(no_nodes, config), 0u);
  config.nodes["n2"].offline = false;
  config.nodes["n3"].vm_capable = false;  // a node without live figures: no matter
  EXPECT_EQ(cache.UsableGeneration(no_nodes, config), generation);
  config.nodes["n3"].vm_capable = true;  // a node that was not asked
  EXPECT_EQ(cache.UsableGeneration(no_nodes, config), 0u);
}

TEST(NodeLiveCacheTest, ReservationsAreCreationsUnderWayUntilReleased) {
  NodeLiveCache cache(std::chrono::seconds(3));
  cache.Reserve("job/1", {"n1", {.name = "inst1", .memory = 512, .disk_sizes = {100}}});
  cache.Reserve("job/2", {"n1", {.name = "inst2", .memory = 256}});
  cache.Reserve("job/3", {"gone", {.name = "inst3", .memory = 256}});
  NodeLiveData live = Figures();
  NodeLiveCache::Attach(cache.CurrentReservations(), live);
  ASSERT_EQ(live.at("n1").pending.size(), 2u);
  EXPECT_EQ(live.at("n1").pending[0].name, "inst1");
  EXPECT_EQ(live.at("n1").pending[0].disk_sizes, std::vector<int64_t>{100});
  EXPECT_EQ(live.at("n1").pending[1].name, "inst2");
  EXPECT_TRUE(live.at("n2").pending.empty());
  EXPECT_EQ(live.count("gone"), 0u);
  cache.Release("job/1");
  cache.Abandon("job/2");
  cache.Abandon("job/3");
  EXPECT_TRUE(cache.CurrentReservations().empty());
}

// The kept model answers while the only commits are the instances it placed.
TEST(NodeLiveCacheTest, KeptModelStaysValidOnlyForItsOwnPlacements) {
  NodeLiveCache cache(std::chrono::seconds(3));
  auto keep = [&] { cache.KeepModel({std::make_shared<int>(1), 7, "fake/diskless", {}}); };
  keep();
  ASSERT_NE(cache.ValidModel("fake/diskless", 7, {}), nullptr);
  EXPECT_EQ(cache.ValidModel("fake/diskless", 8, {}), nullptr);  // newer figures
  EXPECT_EQ(cache.ValidModel("fake/file", 7, {}), nullptr);      // another kind of request

  cache.ModelPlaced("job/1", "web1");
  cache.Reserve("job/1", {"n1", {.name = "i1", .memory = 128}});
  EXPECT_NE(cache.ValidModel("fake/diskless", 7, cache.CurrentReservations()), nullptr);
  // A creation it did not place holds a reservation: not in the model.
  cache.Reserve("job/2", {"n2", {.name = "i2", .memory = 128}});
  EXPECT_EQ(cache.ValidModel("fake/diskless", 7, cache.CurrentReservations()), nullptr);
  cache.Abandon("job/2");  // not the model's: it stays valid

  cache.OnCommit({true, {"web1"}});  // its own instance
  cache.Release("job/1");
  EXPECT_NE(cache.ValidModel("fake/diskless", 7, cache.CurrentReservations()), nullptr);
  cache.OnCommit({true, {"db1"}});  // someone else's instance
  EXPECT_EQ(cache.ValidModel("fake/diskless", 7, {}), nullptr);

  keep();
  cache.OnCommit({false, {}});  // anything but instance additions
  EXPECT_EQ(cache.ValidModel("fake/diskless", 7, {}), nullptr);

  keep();
  cache.ModelPlaced("job/3", "app1");
  cache.Reserve("job/3", {"n1", {.name = "i3", .memory = 128}});
  cache.Abandon("job/3");  // it counts an instance that will never be
  EXPECT_EQ(cache.ValidModel("fake/diskless", 7, {}), nullptr);

  keep();
  cache.ForgetModel();
  EXPECT_EQ(cache.ValidModel("fake/diskless", 7, {}), nullptr);
}

}  // namespace
}  // namespace herd::master
