#include "master/iallocator/request.h"

#include <gtest/gtest.h>

#include "base/errors.h"
#include "base/json.h"
#include "test_cluster.h"

namespace herd::master::iallocator {
namespace {

using testing::NewInstance;
using testing::SmallCluster;
using testing::SmallClusterLive;

json::object Document(const objects::ConfigData& config, const NodeLiveData& live,
                      const Request& request) {
  return ParseJson(BuildRequest(config, live, request), "request").as_object();
}

std::string ErrorClass(const std::function<void()>& f, std::string* message = nullptr,
                       std::string* ecode = nullptr) {
  try {
    f();
  } catch (const GanetiError& e) {
    if (message) *message = e.args().empty() ? "" : e.args()[0];
    if (ecode) *ecode = e.args().size() > 1 ? e.args()[1] : "";
    return e.error_class();
  }
  return "no error";
}

TEST(RequestTest, CommonPartHasEveryKeyGanetiSends) {
  json::object doc = Document(SmallCluster(), SmallClusterLive(), NewInstance("new1", 1024));
  EXPECT_EQ(doc.at("version"), 2);
  EXPECT_EQ(doc.at("cluster_name"), "cluster.example.com");
  EXPECT_EQ(doc.at("cluster_tags"), (json::array{"htools:iextags:service"}));
  EXPECT_EQ(doc.at("enabled_hypervisors"), (json::array{"fake"}));
  EXPECT_EQ(doc.at("hypervisor_type"), "fake");
  EXPECT_TRUE(doc.at("ipolicy").as_object().contains("minmax"));

  const json::object& group = doc.at("nodegroups").as_object().at("group-uuid").as_object();
  EXPECT_EQ(group.at("name"), "default");
  EXPECT_EQ(group.at("alloc_policy"), "preferred");
  EXPECT_EQ(group.at("networks"), json::array{});
  EXPECT_EQ(group.at("tags"), json::array{});
  // The group's ipolicy is the filled one: every key an allocator needs.
  for (const char* key : {"minmax", "std", "disk-templates", "vcpu-ratio", "spindle-ratio"}) {
    EXPECT_TRUE(group.at("ipolicy").as_object().contains(key)) << key;
  }
}

TEST(RequestTest, OnlineNodesCarryLiveFiguresWithInstanceMemory) {
  json::object doc = Document(SmallCluster(), SmallClusterLive(), NewInstance("new1", 1024));
  const json::object& nodes = doc.at("nodes").as_object();
  ASSERT_EQ(nodes.size(), 4u);
  const json::object& n1 = nodes.at("node1.example.com").as_object();
  EXPECT_EQ(n1.at("primary_ip"), "192.0.2.1");
  EXPECT_EQ(n1.at("secondary_ip"), "192.0.2.1");
  EXPECT_EQ(n1.at("group"), "group-uuid");
  EXPECT_EQ(n1.at("master_candidate"), true);
  EXPECT_EQ(n1.at("offline"), false);
  EXPECT_EQ(n1.at("drained"), false);
  EXPECT_EQ(n1.at("master_capable"), true);
  EXPECT_EQ(n1.at("vm_capable"), true);
  EXPECT_EQ(n1.at("ndparams").as_object().at("exclusive_storage"), false);
  EXPECT_EQ(n1.at("ndparams").as_object().at("spindle_count"), 1);
  EXPECT_EQ(n1.at("hv_state").as_object().at("fake").as_object().at("cpu_total"), 1);
  EXPECT_EQ(n1.at("total_memory"), 4096);
  EXPECT_EQ(n1.at("reserved_memory"), 256);
  // 3712 MiB free now, less the 384 MiB inst1 (up, maxmem 512) may still claim.
  EXPECT_EQ(n1.at("free_memory"), 3712 - 384);
  EXPECT_EQ(n1.at("i_pri_memory"), 512);
  EXPECT_EQ(n1.at("i_pri_up_memory"), 512);
  EXPECT_EQ(n1.at("total_disk"), 100 * 1024);
  EXPECT_EQ(n1.at("free_disk"), 99 * 1024);
  EXPECT_EQ(n1.at("total_spindles"), 0);  // file storage has no spindles
  EXPECT_EQ(n1.at("free_spindles"), 0);
  EXPECT_EQ(n1.at("total_cpus"), 4);
  EXPECT_EQ(n1.at("reserved_cpus"), 1);
  EXPECT_EQ(nodes.at("node2.example.com").as_object().at("tags"), (json::array{"rack:a"}));
  EXPECT_EQ(nodes.at("node2.example.com").as_object().at("free_memory"), 8192 - 256);
  EXPECT_EQ(nodes.at("node2.example.com").as_object().at("i_pri_memory"), 0);
}

TEST(RequestTest, CreationsUnderWayAreUpInstancesOnTheirNodes) {
  NodeLiveData live = SmallClusterLive();
  live["node2-uuid"].pending.push_back({.name = "coming.example.com",
                                        .disk_template = "file",
                                        .memory = 1024,
                                        .vcpus = 2,
                                        .disk_sizes = {2048}});
  json::object doc = Document(SmallCluster(), live, NewInstance("new1", 1024));
  const json::object& n2 = doc.at("nodes").as_object().at("node2.example.com").as_object();
  EXPECT_EQ(n2.at("free_memory"), 8192 - 256 - 1024);
  EXPECT_EQ(n2.at("i_pri_memory"), 1024);
  EXPECT_EQ(n2.at("i_pri_up_memory"), 1024);
  EXPECT_EQ(n2.at("free_disk"), 99 * 1024 - 2048);
  const json::object& coming = doc.at("instances").as_object().at("coming.example.com").as_object();
  EXPECT_EQ(coming.at("nodes"), (json::array{"node2.example.com"}));
  EXPECT_EQ(coming.at("admin_state"), "up");
  EXPECT_EQ(coming.at("vcpus"), 2);
  EXPECT_EQ(coming.at("memory"), 1024);
  EXPECT_EQ(coming.at("disk_space_total"), 2048);
  EXPECT_EQ(coming.at("disks").as_array().size(), 1u);
}

TEST(RequestTest, OfflineNodeCarriesOnlyItsConfiguration) {
  objects::ConfigData config = SmallCluster();
  json::object doc = Document(config, SmallClusterLive(), NewInstance("new1", 1024));
  const json::object& n4 = doc.at("nodes").as_object().at("node4.example.com").as_object();
  EXPECT_EQ(n4.at("offline"), true);
  for (const char* key : {"total_memory", "free_memory", "total_disk", "free_disk", "total_cpus",
                          "i_pri_memory", "reserved_memory"}) {
    EXPECT_FALSE(n4.contains(key)) << key;
  }
  EXPECT_TRUE(n4.contains("ndparams"));
  EXPECT_TRUE(n4.contains("group"));
}

TEST(RequestTest, NodeThatDidNotAnswerIsAnExecError) {
  NodeLiveData live = SmallClusterLive();
  live["node3-uuid"].answered = false;
  live["node3-uuid"].error = "connection refused";
  std::string message;
  EXPECT_EQ(
      ErrorClass([&] { BuildRequest(SmallCluster(), live, NewInstance("x", 128)); }, &message),
      "OpExecError");
  EXPECT_EQ(message, "Can't get data for node node3.example.com: connection refused");
  live.erase("node3-uuid");
  EXPECT_EQ(
      ErrorClass([&] { BuildRequest(SmallCluster(), live, NewInstance("x", 128)); }, &message),
      "OpExecError");
  EXPECT_NE(message.find("node3.example.com"), std::string::npos);
}

TEST(RequestTest, InstancesAreDescribedWithFilledParameters) {
  json::object doc = Document(SmallCluster(), SmallClusterLive(), NewInstance("new1", 1024));
  const json::object& inst = doc.at("instances").as_object().at("inst1.example.com").as_object();
  EXPECT_EQ(inst.at("admin_state"), "up");
  EXPECT_EQ(inst.at("admin_state_source"), "admin");
  EXPECT_EQ(inst.at("memory"), 512);
  EXPECT_EQ(inst.at("vcpus"), 1);
  EXPECT_EQ(inst.at("spindle_use"), 1);
  EXPECT_EQ(inst.at("os"), "noop");
  EXPECT_EQ(inst.at("hypervisor"), "fake");
  EXPECT_EQ(inst.at("disk_template"), "file");
  EXPECT_EQ(inst.at("disks_active"), false);
  EXPECT_EQ(inst.at("tags"), (json::array{"service:web"}));
  EXPECT_EQ(inst.at("nodes"), (json::array{"node1.example.com"}));
  EXPECT_EQ(inst.at("disk_space_total"), 1024);
  EXPECT_EQ(inst.at("disks"),
            (json::array{json::object{
                {"dev_type", "file"}, {"size", 1024}, {"mode", "rw"}, {"spindles", nullptr}}}));
  EXPECT_EQ(inst.at("nics"), (json::array{json::object{{"mac", "aa:00:00:00:00:01"},
                                                       {"ip", nullptr},
                                                       {"mode", "bridged"},
                                                       {"link", "xen-br0"},
                                                       {"bridge", "xen-br0"}}}));
}

TEST(RequestTest, AllocateRequest) {
  AllocateRequest r = NewInstance("new1.example.com", 1024);
  r.disks.push_back(DiskSpec{2048, "ro", 2});
  json::object req = Document(SmallCluster(), SmallClusterLive(), r).at("request").as_object();
  EXPECT_EQ(req.at("type"), "allocate");
  EXPECT_EQ(req.at("name"), "new1.example.com");
  EXPECT_EQ(req.at("disk_template"), "file");
  EXPECT_EQ(req.at("required_nodes"), 1);
  EXPECT_EQ(req.at("disk_space_total"), 3072);
  EXPECT_EQ(req.at("memory"), 1024);
  EXPECT_EQ(req.at("vcpus"), 1);
  EXPECT_EQ(req.at("spindle_use"), 1);
  EXPECT_EQ(req.at("os"), "noop");
  EXPECT_EQ(req.at("hypervisor"), "fake");
  EXPECT_TRUE(req.at("group_name").is_null());
  EXPECT_EQ(req.at("tags"), (json::array{"service:db"}));
  EXPECT_EQ(
      req.at("disks"),
      (json::array{
          json::object{{"size", 1024}, {"mode", "rw"}, {"dev_type", "file"}},
          json::object{{"size", 2048}, {"mode", "ro"}, {"dev_type", "file"}, {"spindles", 2}}}));
  const json::object& nic = req.at("nics").as_array().at(0).as_object();
  EXPECT_EQ(nic.at("mac"), "aa:00:00:00:00:02");
  EXPECT_EQ(nic.at("mode"), "bridged");
  EXPECT_EQ(nic.at("link"), "br0");
  EXPECT_EQ(nic.at("bridge"), "br0");
  EXPECT_FALSE(req.contains("restrict-to-nodes"));

  r.node_whitelist = std::vector<std::string>{"node2.example.com"};
  r.group_name = "default";
  req = Document(SmallCluster(), SmallClusterLive(), r).at("request").as_object();
  EXPECT_EQ(req.at("restrict-to-nodes"), (json::array{"node2.example.com"}));
  EXPECT_EQ(req.at("group_name"), "default");
}

TEST(RequestTest, DrbdNeedsTwoNodesAndMetadataSpace) {
  AllocateRequest r = NewInstance("new1", 1024);
  r.disk_template = "drbd";
  r.disks.push_back(DiskSpec{512, "rw", std::nullopt});
  EXPECT_EQ(RequiredNodes(r), 2);
  json::object req = Document(SmallCluster(), SmallClusterLive(), r).at("request").as_object();
  EXPECT_EQ(req.at("required_nodes"), 2);
  EXPECT_EQ(req.at("disk_space_total"), 1024 + 128 + 512 + 128);
  EXPECT_EQ(DiskSpaceTotal("diskless", {100}), 0);
  EXPECT_EQ(DiskSpaceTotal("sharedfile", {100, 200}), 300);
  EXPECT_EQ(ErrorClass([] { DiskSpaceTotal("floppy", {1}); }), "OpPrereqError");
}

TEST(RequestTest, StorageFiguresFollowTheRequestedTemplate) {
  AllocateRequest r = NewInstance("new1", 1024);
  r.disk_template = "sharedfile";
  NodeInfoQuery q = NodeInfoQueryFor(SmallCluster(), r);
  EXPECT_EQ(q.disk_template, "sharedfile");
  EXPECT_EQ(q.storage_type, "sharedfile");
  EXPECT_FALSE(q.reports_storage);
  EXPECT_EQ(q.hypervisor, "fake");
  EXPECT_EQ(q.node_uuids, (std::vector<std::string>{"node1-uuid", "node2-uuid", "node3-uuid"}));
  json::object doc = Document(SmallCluster(), SmallClusterLive(), r);
  EXPECT_EQ(doc.at("nodes").as_object().at("node2.example.com").as_object().at("total_disk"), 0);

  r.disk_template = "plain";
  q = NodeInfoQueryFor(SmallCluster(), r);
  EXPECT_EQ(q.storage_type, "lvm-vg");
  EXPECT_TRUE(q.reports_storage);
  EXPECT_TRUE(q.reports_spindles);
  // Requests without a template of their own use the cluster's first one.
  q = NodeInfoQueryFor(SmallCluster(), NodeEvacuateRequest{{"inst1.example.com"}, "all", false});
  EXPECT_EQ(q.disk_template, "file");
}

TEST(RequestTest, RelocateRequest) {
  objects::ConfigData config = SmallCluster();
  std::string message, ecode;
  RelocateRequest r{"inst1.example.com", {"node1.example.com"}};
  EXPECT_EQ(ErrorClass([&] { BuildRequest(config, SmallClusterLive(), r); }, &message, &ecode),
            "OpPrereqError");
  EXPECT_EQ(message, "Can't relocate non-mirrored instances");
  EXPECT_EQ(ecode, "wrong_input");

  config.disks["disk1-uuid"].dev_type = "sharedfile";
  config.instances["inst1-uuid"].disk_template = "sharedfile";
  json::object req = Document(config, SmallClusterLive(), r).at("request").as_object();
  EXPECT_EQ(req, (json::object{{"name", "inst1.example.com"},
                               {"disk_space_total", 1024},
                               {"required_nodes", 1},
                               {"relocate_from", json::array{"node1.example.com"}},
                               {"type", "relocate"}}));

  r.relocate_from = {"nosuchnode"};
  EXPECT_EQ(ErrorClass([&] { BuildRequest(config, SmallClusterLive(), r); }, &message, &ecode),
            "OpPrereqError");
  EXPECT_EQ(ecode, "unknown_entity");
}

TEST(RequestTest, EvacuationAndGroupChangeRequests) {
  json::object req = Document(SmallCluster(), SmallClusterLive(),
                              NodeEvacuateRequest{{"inst1.example.com"}, "primary-only", true})
                         .at("request")
                         .as_object();
  EXPECT_EQ(req, (json::object{{"instances", json::array{"inst1.example.com"}},
                               {"evac_mode", "primary-only"},
                               {"type", "node-evacuate"}}));
  // Groups may be named; the request carries their uuids.
  req = Document(SmallCluster(), SmallClusterLive(),
                 ChangeGroupRequest{{"inst1.example.com"}, {"default"}})
            .at("request")
            .as_object();
  EXPECT_EQ(req, (json::object{{"instances", json::array{"inst1.example.com"}},
                               {"target_groups", json::array{"group-uuid"}},
                               {"type", "change-group"}}));

  std::string message, ecode;
  EXPECT_EQ(ErrorClass(
                [] {
                  BuildRequest(SmallCluster(), SmallClusterLive(),
                               NodeEvacuateRequest{{"inst1.example.com"}, "sideways", false});
                },
                &message),
            "OpPrereqError");
  EXPECT_NE(message.find("sideways"), std::string::npos);
  EXPECT_EQ(ErrorClass(
                [] {
                  BuildRequest(SmallCluster(), SmallClusterLive(),
                               ChangeGroupRequest{{"nosuch.example.com"}, {}});
                },
                &message, &ecode),
            "OpPrereqError");
  EXPECT_EQ(ecode, "unknown_entity");
  EXPECT_NE(message.find("nosuch.example.com"), std::string::npos);
}

TEST(RequestTest, MultiAllocateRequestListsAllocations) {
  MultiAllocateRequest r{{NewInstance("a", 128), NewInstance("b", 256)}};
  json::object req = Document(SmallCluster(), SmallClusterLive(), r).at("request").as_object();
  EXPECT_EQ(req.at("type"), "multi-allocate");
  const json::array& all = req.at("instances").as_array();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].as_object().at("name"), "a");
  EXPECT_EQ(all[1].as_object().at("memory"), 256);
  EXPECT_EQ(all[1].as_object().at("required_nodes"), 1);
  EXPECT_FALSE(all[0].as_object().contains("type"));
  EXPECT_EQ(ModeName(Request(r)), "multi-allocate");
}

}  // namespace
}  // namespace herd::master::iallocator
