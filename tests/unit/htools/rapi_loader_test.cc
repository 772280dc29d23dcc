// The htools RAPI backend: Ganeti's own RAPI answers load as Ganeti's htools
// load them (checked field by field against Debian's hbal where installed),
// and malformed answers are refused with the resource, object and field.
#include "htools/rapi_loader.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <functional>

#include "base/errors.h"
#include "base/files.h"
#include "base/process.h"
#include "cluster_expect.h"
#include "ganeti_reference.h"
#include "htools/text_loader.h"

namespace herd::htools {
namespace {
namespace fs = std::filesystem;
namespace json = boost::json;

std::string RapiDir() { return herd::reference::GanetiTestData("htools/rapi"); }

// The four answers, as JSON values a test may change.
struct Answers {
  json::value info, nodes, groups, instances;

  static Answers Load(const std::string& dir) {
    return {json::parse(ReadFile(dir + "/info.json")), json::parse(ReadFile(dir + "/nodes.json")),
            json::parse(ReadFile(dir + "/groups.json")),
            json::parse(ReadFile(dir + "/instances.json"))};
  }
  ClusterData Parse() const {
    return ParseRapiData(json::serialize(info), json::serialize(nodes), json::serialize(groups),
                         json::serialize(instances), "test");
  }
  void Write(const std::string& dir) const {
    fs::create_directories(dir);
    WriteFileAtomic(dir + "/info.json", json::serialize(info));
    WriteFileAtomic(dir + "/nodes.json", json::serialize(nodes));
    WriteFileAtomic(dir + "/groups.json", json::serialize(groups));
    WriteFileAtomic(dir + "/instances.json", json::serialize(instances));
  }
  json::object& NodeAt(size_t i) { return nodes.as_array()[i].as_object(); }
  json::object& InstanceAt(size_t i) { return instances.as_array()[i].as_object(); }
};

std::string ErrorOf(const Answers& a) {
  try {
    a.Parse();
  } catch (const GanetiError& e) {
    return e.what();
  }
  return "no error";
}

class RapiLoaderTest : public ::testing::Test {
 protected:
  void SetUp() override { answers_ = Answers::Load(RapiDir()); }
  Answers answers_;
};

TEST_F(RapiLoaderTest, LoadsGanetiRapiAnswers) {
  const std::string dir = RapiDir();
  auto data = ParseRapiData(ReadFile(dir + "/info.json"), ReadFile(dir + "/nodes.json"),
                            ReadFile(dir + "/groups.json"), ReadFile(dir + "/instances.json"), dir);
  // hinfo -m file://...: "Loaded 4 nodes, 11 instances, 1 node group".
  ASSERT_EQ(data.nodes.size(), 4u);
  ASSERT_EQ(data.instances.size(), 11u);
  ASSERT_EQ(data.groups.size(), 1u);

  const Group& g = data.groups[0];
  EXPECT_EQ(g.name, "default");
  EXPECT_EQ(g.uuid, "uuid-group-1");
  EXPECT_EQ(g.alloc_policy, "preferred");
  EXPECT_EQ(g.ipolicy.minmax.at(0).min.disk_size, 1024);
  EXPECT_EQ(g.ipolicy.minmax.at(0).max.spindle_use, 8);
  EXPECT_EQ(g.ipolicy.disk_templates,
            (std::vector<std::string>{"sharedfile", "diskless", "plain", "blockdev", "drbd", "file",
                                      "rbd"}));

  const Node& node3 = data.nodes[2];
  EXPECT_EQ(node3.name, "node3");
  EXPECT_DOUBLE_EQ(node3.total_memory, 32763);
  EXPECT_DOUBLE_EQ(node3.node_memory, 1017);
  EXPECT_DOUBLE_EQ(node3.free_memory, 31234);
  EXPECT_DOUBLE_EQ(node3.total_disk, 1377304);
  EXPECT_DOUBLE_EQ(node3.free_disk, 1373336);
  EXPECT_DOUBLE_EQ(node3.total_cpus, 4);
  EXPECT_DOUBLE_EQ(node3.node_cpus, 1);
  EXPECT_DOUBLE_EQ(node3.cpu_speed, 1.0);
  EXPECT_EQ(node3.spindles, 1);  // ndparams' spindle_count: no exclusive storage
  EXPECT_EQ(node3.free_spindles, 0);
  EXPECT_FALSE(node3.offline);
  EXPECT_FALSE(node3.master);
  EXPECT_EQ(node3.group, 0);
  EXPECT_TRUE(data.nodes[3].master);  // /2/info's "master": node4
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(data.nodes[i].master) << i;

  const Instance& inst2 = data.instances[0];
  EXPECT_EQ(inst2.name, "instance2");
  EXPECT_EQ(inst2.memory, 128);  // oper_ram: it runs
  EXPECT_EQ(inst2.disk, 256);    // disk_usage, not the sum of disk.sizes
  EXPECT_EQ(inst2.vcpus, 1);
  EXPECT_EQ(inst2.status, "running");
  EXPECT_EQ(inst2.primary, 2);
  EXPECT_EQ(inst2.secondary, 3);
  EXPECT_EQ(inst2.disk_template, "drbd");
  EXPECT_FALSE(inst2.spindles.has_value());  // disk.spindles: [null]
  EXPECT_FALSE(inst2.forthcoming);
  const Instance& inst4 = data.instances[2];
  EXPECT_EQ(inst4.name, "instance4");
  EXPECT_EQ(inst4.disk, 2176);
  EXPECT_EQ(inst4.tags, std::vector<std::string>{"service-group:dns"});
  EXPECT_EQ(inst4.primary, 3);
  EXPECT_EQ(inst4.secondary, 2);
  const Instance& inst18 = data.instances[7];
  EXPECT_EQ(inst18.name, "instance18");
  EXPECT_EQ(inst18.memory, 8192);  // no oper_ram: beparams' maxmem
  EXPECT_EQ(inst18.status, "ADMIN_down");
  EXPECT_EQ(inst18.secondary, -1);
  EXPECT_EQ(inst18.disk_template, "plain");

  EXPECT_EQ(data.cluster_tags,
            (std::vector<std::string>{"htools:iextags:test", "htools:iextags:service-group"}));
  EXPECT_EQ(data.cluster_ipolicy.minmax.at(0).min.disk_size, 128);
  EXPECT_DOUBLE_EQ(data.cluster_ipolicy.vcpu_ratio, 4.0);
}

// Offline, drained, non-vm-capable and exclusive-storage nodes; per-disk
// spindles, forthcoming instances, memory without oper_ram.
Answers Varied(Answers a) {
  auto& offline = a.NodeAt(1);
  offline["offline"] = true;
  for (const char* k :
       {"mtotal", "mnode", "mfree", "dtotal", "dfree", "ctotal", "cnos", "sptotal", "spfree"}) {
    offline[k] = nullptr;
  }
  a.NodeAt(0)["drained"] = true;
  a.NodeAt(0).erase("dtotal");
  a.NodeAt(0)["dfree"] = nullptr;
  a.NodeAt(0)["tags"] = json::array{"rack:a", "x"};
  a.NodeAt(2)["vm_capable"] = false;
  a.NodeAt(3)["ndparams"].as_object()["exclusive_storage"] = true;
  a.NodeAt(3)["sptotal"] = 12;
  a.NodeAt(3)["spfree"] = 10;
  a.InstanceAt(0)["disk.spindles"] = json::array{2};
  a.InstanceAt(1)["disk.spindles"] = json::array{1, nullptr};
  a.InstanceAt(2)["disk.spindles"] = json::array{};  // no disk paired: zero spindles
  a.InstanceAt(3)["forthcoming"] = true;
  a.InstanceAt(4)["oper_ram"] = nullptr;
  a.InstanceAt(4)["beparams"].as_object()["memory"] = 640;
  return a;
}

TEST_F(RapiLoaderTest, OfflineNodesReportNoResources) {
  auto data = Varied(answers_).Parse();
  const Node &drained = data.nodes[0], &offline = data.nodes[1], &not_vm = data.nodes[2],
             &excl = data.nodes[3];
  EXPECT_TRUE(drained.offline);
  EXPECT_DOUBLE_EQ(drained.free_memory, 31389);  // drained nodes keep their resources
  EXPECT_DOUBLE_EQ(drained.total_disk, 0);       // absent, null: zero
  EXPECT_DOUBLE_EQ(drained.free_disk, 0);
  EXPECT_TRUE(offline.offline);
  EXPECT_DOUBLE_EQ(offline.total_memory, 0);
  EXPECT_DOUBLE_EQ(offline.node_cpus, 0);
  EXPECT_EQ(offline.spindles, 1);
  EXPECT_TRUE(not_vm.offline);
  EXPECT_DOUBLE_EQ(not_vm.total_cpus, 0);
  EXPECT_TRUE(excl.exclusive_storage);
  EXPECT_EQ(excl.spindles, 12);
  EXPECT_EQ(excl.free_spindles, 10);
  EXPECT_EQ(data.instances[0].spindles, 2);
  EXPECT_FALSE(data.instances[1].spindles.has_value());
  EXPECT_EQ(data.instances[2].spindles, 0);
  EXPECT_TRUE(data.instances[3].forthcoming);
  EXPECT_EQ(data.instances[4].memory, 640);
}

TEST_F(RapiLoaderTest, NodeWithoutGroupBelongsToTheDefaultGroupUuid) {
  answers_.NodeAt(0).erase("group.uuid");
  EXPECT_NE(ErrorOf(answers_).find("unknown group '00000000-0000-0000-0000-000000000000'"),
            std::string::npos);
}

TEST_F(RapiLoaderTest, MalformedAnswersNameResourceObjectAndField) {
  auto fails = [](const Answers& a, const std::string& expected) {
    std::string error = ErrorOf(a);
    EXPECT_NE(error.find(expected), std::string::npos) << error;
  };
  {
    Answers a = answers_;
    a.NodeAt(2)["mtotal"] = "lots";
    fails(a, "test (/2/nodes?bulk=1): node 'node3', field 'mtotal': \"lots\" is not a number");
  }
  {
    Answers a = answers_;
    a.NodeAt(0)["ndparams"].as_object().erase("exclusive_storage");
    fails(a, "node 'node1', field 'ndparams/exclusive_storage': missing");
  }
  {
    Answers a = answers_;
    a.NodeAt(0).erase("name");
    fails(a, "test (/2/nodes?bulk=1): node #1, field 'name': missing");
  }
  {
    Answers a = answers_;
    a.InstanceAt(0)["pnode"] = "node9";
    fails(a,
          "test (/2/instances?bulk=1): instance 'instance2', field 'pnode': unknown node "
          "'node9'");
  }
  {
    Answers a = answers_;
    a.InstanceAt(1)["status"] = "sleeping";
    fails(a, "instance 'instance3', field 'status': 'sleeping' is not one of");
  }
  {
    Answers a = answers_;
    a.InstanceAt(1).erase("oper_ram");
    fails(a, "instance 'instance3', field 'oper_ram': missing");
  }
  {
    Answers a = answers_;
    a.InstanceAt(1)["disk.spindles"] = nullptr;
    fails(a, "instance 'instance3', field 'disk.spindles': null is not a list");
  }
  {
    Answers a = answers_;
    a.groups.as_array()[0].as_object()["ipolicy"].as_object().erase("std");
    fails(a, "test (/2/groups?bulk=1): group 'default', field 'ipolicy/std': missing");
  }
  {
    Answers a = answers_;
    a.info.as_object()["master"] = "node9";
    fails(a, "test (/2/info): cluster, field 'master': master node 'node9' is unknown");
  }
  {
    Answers a = answers_;
    a.info.as_object()["default_hypervisor"] = "vmware";
    fails(a, "cluster, field 'default_hypervisor': 'vmware' is not one of");
  }
  {
    Answers a = answers_;
    a.nodes.as_array().push_back(a.nodes.as_array()[0]);
    fails(a, "node 'node1', field 'name': node 'node1' is repeated");
  }
  EXPECT_NE(std::string(ErrorOf(Answers{answers_.info, json::object{}, answers_.groups,
                                        answers_.instances}))
                .find("test (/2/nodes?bulk=1): expected a list of objects"),
            std::string::npos);
  try {
    ParseRapiData("{", "[]", "[]", "[]", "test");
    ADD_FAILURE() << "no error";
  } catch (const GanetiError& e) {
    EXPECT_EQ(e.error_class(), "ParameterError");
    EXPECT_NE(std::string(e.what()).find("test (/2/info): invalid JSON"), std::string::npos)
        << e.what();
  }
}

TEST(RapiEndpointTest, HostsGetGanetiDefaultsAndUrlsKeepTheirParts) {
  auto e = ParseRapiEndpoint("cluster1");
  EXPECT_EQ(e.host, "cluster1");
  EXPECT_EQ(e.port, 5080);
  EXPECT_EQ(e.Url(), "https://cluster1:5080");
  e = ParseRapiEndpoint("https://127.0.0.2:8443/rapi/");
  EXPECT_EQ(e.host, "127.0.0.2");
  EXPECT_EQ(e.port, 8443);
  EXPECT_EQ(e.path_prefix, "/rapi");
  e = ParseRapiEndpoint("node1:5081");
  EXPECT_EQ(e.host, "node1");
  EXPECT_EQ(e.port, 5081);
  e = ParseRapiEndpoint("https://[::1]:5080");
  EXPECT_EQ(e.host, "::1");
  EXPECT_EQ(e.Url(), "https://[::1]:5080");
  e = ParseRapiEndpoint("https://admin:p%40ss:w@127.0.0.2:5080");
  EXPECT_EQ(e.user, "admin");
  EXPECT_EQ(e.password, "p@ss:w");
  EXPECT_EQ(e.host, "127.0.0.2");
  EXPECT_EQ(e.Url(), "https://127.0.0.2:5080");  // never shows the password
  e = ParseRapiEndpoint("reader@cluster1");
  EXPECT_EQ(e.user, "reader");
  EXPECT_EQ(e.password, "");
  EXPECT_EQ(e.host, "cluster1");
  EXPECT_THROW(ParseRapiEndpoint("http://cluster1:5080"), GanetiError);
  EXPECT_THROW(ParseRapiEndpoint("cluster1:99999"), GanetiError);
  EXPECT_THROW(ParseRapiEndpoint(""), GanetiError);
}

TEST(RapiLoadTest, UnreachableServerIsReported) {
  try {
    LoadRapi("https://127.0.0.1:1");
    ADD_FAILURE() << "no error";
  } catch (const GanetiError& e) {
    EXPECT_NE(std::string(e.what()).find("https://127.0.0.1:1/2/"), std::string::npos) << e.what();
  }
}

// Debian's hbal reads the same answers from files (-m file://DIR) and saves
// what it loaded in the text format (-S): both loaders must agree on every
// field, and refuse the same malformed answers.
TEST_F(RapiLoaderTest, AgreesWithGanetiHbal) {
  const std::string hbal = herd::reference::DebianHtool("hbal");
  const std::string tmp =
      (fs::temp_directory_path() / ("herd-rapi-loader-" + std::to_string(getpid()))).string();
  struct Case {
    std::string name;
    std::function<void(Answers&)> change;
    bool loads;
  };
  const std::vector<Case> cases{
      {"shipped", [](Answers&) {}, true},
      {"varied", [](Answers& a) { a = Varied(a); }, true},
      {"no-storage",
       [](Answers& a) {
         for (auto& n : a.nodes.as_array()) {
           n.as_object().erase("dtotal");
           n.as_object().erase("dfree");
           n.as_object()["spfree"] = nullptr;
         }
       },
       true},
      {"unknown-pnode", [](Answers& a) { a.InstanceAt(0)["pnode"] = "node9"; }, false},
      {"unknown-snode", [](Answers& a) { a.InstanceAt(0)["snodes"] = json::array{"node9"}; },
       false},
      {"unknown-master", [](Answers& a) { a.info.as_object()["master"] = "node9"; }, false},
      {"bad-status", [](Answers& a) { a.InstanceAt(0)["status"] = "sleeping"; }, false},
      {"no-oper-ram", [](Answers& a) { a.InstanceAt(0).erase("oper_ram"); }, false},
      {"no-spindle-list", [](Answers& a) { a.InstanceAt(0).erase("disk.spindles"); }, false},
      {"no-excl-stor",
       [](Answers& a) { a.NodeAt(0)["ndparams"].as_object().erase("exclusive_storage"); }, false},
      {"null-mtotal", [](Answers& a) { a.NodeAt(0)["mtotal"] = nullptr; }, false},
      {"bad-ipolicy",
       [](Answers& a) { a.info.as_object()["ipolicy"].as_object().erase("vcpu-ratio"); }, false},
      {"bad-hypervisor", [](Answers& a) { a.info.as_object()["default_hypervisor"] = "x"; }, false},
  };
  for (const auto& c : cases) {
    Answers a = answers_;
    c.change(a);
    const std::string dir = tmp + "/" + c.name;
    a.Write(dir);
    auto real = RunCommand({hbal, "-m", "file://" + dir, "-S", dir + "/saved"}, {}, dir, 120);
    const bool real_loaded = FileExists(dir + "/saved.original");
    EXPECT_EQ(real_loaded, c.loads) << c.name << ": " << real.output;
    try {
      ClusterData herd = a.Parse();
      ASSERT_TRUE(real_loaded) << c.name << ": hbal refused it but Herd loaded it: " << real.output;
      ExpectSameCluster(herd, LoadTextFile(dir + "/saved.original"), c.name);
    } catch (const GanetiError& e) {
      EXPECT_FALSE(real_loaded) << c.name << ": Herd refused it (" << e.what()
                                << ") but hbal loaded it";
    }
  }
  fs::remove_all(tmp);
}

}  // namespace
}  // namespace herd::htools
