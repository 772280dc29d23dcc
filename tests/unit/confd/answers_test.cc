// Each request type's answer, status and serial, as Ganeti's server gives them.
#include "confd/answers.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "test_config.h"

namespace herd::confd {
namespace {

namespace json = boost::json;

class ConfdAnswersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    objects::ConfigData data = testconfig::OneNodeCluster();
    data.cluster.master_ip = "127.0.0.1";
    data.cluster.serial_no = 17;
    data.nodes.at("n1").master_candidate = true;
    auto add_node = [&](const std::string& uuid, const std::string& ip) -> objects::Node& {
      objects::Node n = testconfig::GroupNode(uuid);
      n.primary_ip = ip;
      n.serial_no = 3;
      return data.nodes[uuid] = n;
    };
    add_node("n2", "127.0.0.3").master_candidate = true;
    add_node("n3", "127.0.0.4").offline = true;
    objects::Node& n4 = add_node("n4", "127.0.0.5");
    n4.drained = true;
    n4.master_candidate = true;
    add_node("n5", "127.0.0.6");

    objects::Disk disk;
    disk.uuid = "d1";
    disk.dev_type = "file";
    disk.iv_name = "disk/0";
    disk.size = 1024;
    data.disks["d1"] = disk;
    objects::Instance web;
    web.name = "web";
    web.uuid = "i1";
    web.primary_node = "n2";
    web.disks = {"d1"};
    web.serial_no = 9;
    objects::Nic plain, bridged;
    plain.ip = "10.0.0.1";
    bridged.ip = "10.0.0.2";
    bridged.nicparams = {{"link", "br1"}};
    web.nics = {plain, bridged};
    data.instances["i1"] = web;
    served_ = MakeServedConfig(std::move(data));
  }

  Reply Ask(RequestType type, Query query = {}) {
    Request request;
    request.type = type;
    request.query = std::move(query);
    return Answer(served_, request);
  }
  static Query Text(const std::string& text) {
    Query q;
    q.kind = Query::Kind::kString;
    q.text = text;
    return q;
  }
  static Query Dict() {
    Query q;
    q.kind = Query::Kind::kDict;
    return q;
  }
  int Role(const std::string& node) {
    Reply r = Ask(RequestType::kNodeRoleByName, Text(node));
    EXPECT_EQ(r.status, ReplyStatus::kOk) << json::serialize(r.answer);
    EXPECT_EQ(r.serial, 17);
    return static_cast<int>(r.answer.as_int64());
  }
  static std::set<std::string> Strings(const json::value& v) {
    std::set<std::string> out;
    for (const auto& s : v.as_array()) out.insert(std::string(s.as_string()));
    return out;
  }

  ServedConfig served_;
};

TEST_F(ConfdAnswersTest, PingAnswersTheConfigVersion) {
  Reply r = Ask(RequestType::kPing);
  EXPECT_EQ(r.status, ReplyStatus::kOk);
  EXPECT_EQ(r.answer, json::value(3000000));
  EXPECT_EQ(r.serial, 0);
}

TEST_F(ConfdAnswersTest, NodeRoles) {
  EXPECT_EQ(Role("node1"), 0);    // master
  EXPECT_EQ(Role("node-n2"), 1);  // candidate
  EXPECT_EQ(Role("node-n3"), 2);  // offline
  EXPECT_EQ(Role("node-n4"), 3);  // drained wins over candidate
  EXPECT_EQ(Role("node-n5"), 4);  // regular
  EXPECT_EQ(Role("n2"), 1);       // by uuid too
  Reply unknown = Ask(RequestType::kNodeRoleByName, Text("nowhere"));
  EXPECT_EQ(unknown.status, ReplyStatus::kError);
  EXPECT_TRUE(unknown.answer.is_string());
  EXPECT_EQ(unknown.serial, 0);
  EXPECT_EQ(Ask(RequestType::kNodeRoleByName).status, ReplyStatus::kError);
}

TEST_F(ConfdAnswersTest, ClusterMaster) {
  Reply name = Ask(RequestType::kClusterMaster);
  EXPECT_EQ(name.status, ReplyStatus::kOk);
  EXPECT_EQ(name.answer, json::value("node1"));
  EXPECT_EQ(name.serial, 17);
  Query fields = Dict();
  fields.fields = {MasterField::kMasterNodePrimaryIp, MasterField::kName, MasterField::kIp};
  Reply values = Ask(RequestType::kClusterMaster, fields);
  EXPECT_EQ(values.answer, json::parse(R"(["127.0.0.2","node1","127.0.0.1"])"));
  Reply wrong = Ask(RequestType::kClusterMaster, Text("x"));
  EXPECT_EQ(wrong.status, ReplyStatus::kError);
  EXPECT_EQ(wrong.answer, json::value(2));  // CONFD_ERROR_ARGUMENT
}

TEST_F(ConfdAnswersTest, PrimaryIpLists) {
  Reply all = Ask(RequestType::kNodePipList);
  EXPECT_EQ(Strings(all.answer), (std::set<std::string>{"127.0.0.2", "127.0.0.3", "127.0.0.4",
                                                        "127.0.0.5", "127.0.0.6"}));
  EXPECT_EQ(all.serial, 17);
  Reply candidates = Ask(RequestType::kMcPipList);
  EXPECT_EQ(Strings(candidates.answer),
            (std::set<std::string>{"127.0.0.2", "127.0.0.3", "127.0.0.5"}));
}

TEST_F(ConfdAnswersTest, InstanceIpsPerLink) {
  // The cluster's default link is xen-br0; the second NIC names its own.
  EXPECT_EQ(Ask(RequestType::kInstancesIpsList).answer, json::parse(R"(["10.0.0.1"])"));
  EXPECT_EQ(Ask(RequestType::kInstancesIpsList, Text("br1")).answer,
            json::parse(R"(["10.0.0.2"])"));
  EXPECT_EQ(Ask(RequestType::kInstancesIpsList, Text("none")).answer, json::array{});
}

TEST_F(ConfdAnswersTest, NodePrimaryIpByInstanceIp) {
  Query one = Dict();
  one.ip = "10.0.0.1";
  Reply found = Ask(RequestType::kNodePipByInstanceIp, one);
  EXPECT_EQ(found.status, ReplyStatus::kOk);
  EXPECT_EQ(found.answer, json::value("127.0.0.3"));
  EXPECT_EQ(found.serial, 17);
  one.ip = "10.0.0.2";  // not on the default link
  Reply missing = Ask(RequestType::kNodePipByInstanceIp, one);
  EXPECT_EQ(missing.status, ReplyStatus::kError);
  EXPECT_EQ(missing.answer, json::value(0));  // CONFD_ERROR_UNKNOWN_ENTRY
  Query list = Dict();
  list.link = "br1";
  list.ip_list = {"10.0.0.2", "10.0.0.1"};
  EXPECT_EQ(Ask(RequestType::kNodePipByInstanceIp, list).answer,
            json::parse(R"([[0,"127.0.0.3",17],[1,0,0]])"));
  Reply wrong = Ask(RequestType::kNodePipByInstanceIp, Text("10.0.0.1"));
  EXPECT_EQ(wrong.status, ReplyStatus::kError);
  EXPECT_EQ(wrong.answer, json::value(2));
}

TEST_F(ConfdAnswersTest, NodeDrbdMinorsAreEmpty) {
  Reply r = Ask(RequestType::kNodeDrbd, Text("node-n2"));
  EXPECT_EQ(r.status, ReplyStatus::kOk);
  EXPECT_EQ(r.answer, json::array{});
  EXPECT_EQ(r.serial, 3);
  EXPECT_EQ(Ask(RequestType::kNodeDrbd, Text("nowhere")).status, ReplyStatus::kError);
}

TEST_F(ConfdAnswersTest, InstanceDisksAreFullDiskObjects) {
  Reply r = Ask(RequestType::kInstanceDisks, Text("web"));
  EXPECT_EQ(r.status, ReplyStatus::kOk);
  ASSERT_EQ(r.answer.as_array().size(), 1u);
  EXPECT_EQ(r.answer.as_array()[0].at("uuid"), json::value("d1"));
  EXPECT_EQ(r.answer.as_array()[0].at("size"), json::value(1024));
  EXPECT_EQ(r.serial, 9);
  EXPECT_EQ(Ask(RequestType::kInstanceDisks, Text("i1")).status, ReplyStatus::kOk);
  EXPECT_EQ(Ask(RequestType::kInstanceDisks, Text("nothing")).status, ReplyStatus::kError);
}

TEST_F(ConfdAnswersTest, NodeInstances) {
  Reply r = Ask(RequestType::kNodeInstances, Text("node-n2"));
  ASSERT_EQ(r.status, ReplyStatus::kOk);
  EXPECT_EQ(r.answer.as_array()[0].as_array()[0].at("name"), json::value("web"));
  EXPECT_EQ(r.answer.as_array()[1], json::array{});
}

TEST_F(ConfdAnswersTest, ConfigQueryFollowsAJsonPointer) {
  Reply r = Ask(RequestType::kConfigQuery, Text("/cluster/cluster_name"));
  EXPECT_EQ(r.status, ReplyStatus::kOk);
  EXPECT_EQ(r.answer, json::value("cluster"));
  EXPECT_EQ(Ask(RequestType::kConfigQuery, Text("/nodes/n3/offline")).answer, json::value(true));
  Reply bad = Ask(RequestType::kConfigQuery, Text("/no/such"));
  EXPECT_EQ(bad.status, ReplyStatus::kError);
  EXPECT_EQ(bad.answer, json::value(2));
}

}  // namespace
}  // namespace herd::confd
