// The iallocator backend: Ganeti's hail test requests load with their request
// types and cluster figures, malformed requests are refused with hail's
// messages, and answers have the shape masterd checks.
#include "htools/iallocator_request.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "base/errors.h"
#include "base/files.h"
#include "ganeti_reference.h"
#include "htools/iallocator_answer.h"

namespace herd::htools {
namespace {
namespace fs = std::filesystem;

fs::path DataDir() { return herd::reference::GanetiTestData("htools"); }

IAllocatorRequest Load(const std::string& name) {
  const std::string path = (DataDir() / name).string();
  return ParseIAllocatorRequest(ReadFile(path), path);
}

std::string ErrorOf(const std::string& text) {
  try {
    ParseIAllocatorRequest(text, "req.json");
  } catch (const GanetiError& e) {
    EXPECT_EQ(e.error_class(), "ParameterError");
    return e.what();
  }
  return "no error";
}

const Instance& InstanceNamed(const ClusterData& data, const std::string& name) {
  for (const auto& inst : data.instances) {
    if (inst.name == name) return inst;
  }
  throw std::runtime_error("no instance " + name);
}

TEST(IAllocatorRequestTest, EveryHailInputParses) {
  int files = 0;
  for (const auto& entry : fs::directory_iterator(DataDir())) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with("hail-") || entry.path().extension() != ".json") continue;
    ++files;
    if (name == "hail-invalid-reloc.json") {
      EXPECT_THROW(Load(name), GanetiError) << name;
    } else {
      EXPECT_NO_THROW(Load(name)) << name;
    }
  }
  EXPECT_EQ(files, 19);  // ganeti-testsuite 3.0.2
}

TEST(IAllocatorRequestTest, AllocateDrbd) {
  auto rq = Load("hail-alloc-drbd.json");
  EXPECT_EQ(RequestTypeName(rq.request), "allocate");
  const auto& alloc = std::get<AllocateRequest>(rq.request);
  EXPECT_EQ(alloc.instance.name, "instance1");
  EXPECT_EQ(alloc.instance.memory, 1024);
  EXPECT_EQ(alloc.instance.disk, 1024);
  EXPECT_EQ(alloc.instance.vcpus, 1);
  EXPECT_EQ(alloc.instance.disk_template, "drbd");
  EXPECT_EQ(alloc.instance.primary, -1);
  ASSERT_EQ(alloc.instance.disks.size(), 1u);
  EXPECT_EQ(alloc.instance.disks[0].size, 1024);
  EXPECT_EQ(alloc.instance.disks[0].spindles, 1);
  ASSERT_EQ(alloc.instance.nics.size(), 1u);
  EXPECT_EQ(alloc.instance.nics[0].mac, "00:11:22:33:44:55");
  EXPECT_FALSE(alloc.instance.nics[0].ip.has_value());
  EXPECT_FALSE(alloc.instance.nics[0].bridge.has_value());
  EXPECT_EQ(alloc.required_nodes, 2);
  EXPECT_FALSE(alloc.group_name.has_value());
  EXPECT_FALSE(alloc.restrict_to_nodes.has_value());

  const ClusterData& c = rq.cluster;
  ASSERT_EQ(c.groups.size(), 1u);
  EXPECT_EQ(c.groups[0].uuid, "uuid-group-1");
  ASSERT_EQ(c.nodes.size(), 4u);
  ASSERT_EQ(c.instances.size(), 10u);
  const Node& node1 = c.nodes[c.FindNode("node1")];
  EXPECT_DOUBLE_EQ(node1.total_memory, 32763);
  EXPECT_DOUBLE_EQ(node1.node_memory, 1017);
  EXPECT_DOUBLE_EQ(node1.free_memory, 31389);
  EXPECT_DOUBLE_EQ(node1.total_disk, 1377280);
  EXPECT_DOUBLE_EQ(node1.total_cpus, 4);
  EXPECT_DOUBLE_EQ(node1.node_cpus, 1);
  EXPECT_EQ(node1.spindles, 1);  // ndparams spindle_count without exclusive storage
  EXPECT_EQ(node1.free_spindles, 12);
  EXPECT_FALSE(node1.offline);
  EXPECT_EQ(node1.hypervisor, "xen-pvm");
  const Instance& i14 = InstanceNamed(c, "instance14");
  EXPECT_EQ(c.nodes[i14.primary].name, "node3");
  EXPECT_EQ(c.nodes[i14.secondary].name, "node4");
  EXPECT_EQ(i14.status, "ADMIN_down");
  EXPECT_EQ(i14.disk, 256);
  EXPECT_EQ(i14.spindles, 1);
  ASSERT_EQ(i14.nics.size(), 1u);
  EXPECT_EQ(i14.nics[0].mode, "bridged");
  EXPECT_EQ(i14.nics[0].link, "xen-br0");
  EXPECT_EQ(c.cluster_tags,
            (std::vector<std::string>{"htools:iextags:test", "htools:iextags:service-group"}));
  // A complete cluster ipolicy is taken.
  EXPECT_EQ(c.cluster_ipolicy.minmax.at(0).max.spindle_use, 8);
}

TEST(IAllocatorRequestTest, AllocateRestrictedAndDedicated) {
  auto restricted = Load("hail-alloc-drbd-restricted.json");
  const auto& alloc = std::get<AllocateRequest>(restricted.request);
  EXPECT_TRUE(restricted.cluster.nodes.empty());
  EXPECT_EQ(alloc.restrict_to_nodes, (std::vector<std::string>{"node-01", "node-02", "node-03"}));

  auto dedicated = Load("hail-alloc-dedicated-1.json");
  const ClusterData& c = dedicated.cluster;
  ASSERT_EQ(c.nodes.size(), 4u);
  const Node& empty = c.nodes[c.FindNode("node1-empty")];
  EXPECT_TRUE(empty.exclusive_storage);
  EXPECT_EQ(empty.spindles, 5);  // total_spindles under exclusive storage
  EXPECT_EQ(empty.free_spindles, 4);
  ASSERT_EQ(c.groups[0].ipolicy.minmax.size(), 3u);
  EXPECT_EQ(c.groups[0].ipolicy.minmax[1].min.memory_size, 2046);
  EXPECT_DOUBLE_EQ(c.groups[0].ipolicy.spindle_ratio, 1.0);
  EXPECT_EQ(c.groups[0].ipolicy.disk_templates, std::vector<std::string>{"plain"});
  EXPECT_EQ(std::get<AllocateRequest>(dedicated.request).instance.name, "instance-new-quarter");
}

TEST(IAllocatorRequestTest, AllocateNetworksAndGroups) {
  auto rq = Load("hail-alloc-restricted-network.json");
  const ClusterData& c = rq.cluster;
  ASSERT_EQ(c.groups.size(), 2u);
  EXPECT_EQ(c.groups[0].name, "Group 1");
  EXPECT_EQ(c.groups[0].alloc_policy, "last_resort");
  EXPECT_EQ(c.groups[0].networks, (std::vector<std::string>{"uuid-net-1-1", "uuid-net-1-2"}));
  EXPECT_EQ(c.groups[1].networks.size(), 3u);
  EXPECT_EQ(c.nodes.size(), 4u);
  EXPECT_EQ(c.nodes[c.FindNode("node2_1")].group, 1);
  // The partial cluster ipolicy of this file leaves Ganeti's defaults.
  EXPECT_EQ(c.cluster_ipolicy.minmax.at(0).max.disk_size, 1024 * 1024);
  const auto& alloc = std::get<AllocateRequest>(rq.request);
  ASSERT_EQ(alloc.instance.nics.size(), 2u);
  EXPECT_EQ(alloc.instance.nics[1].network, "uuid-net-1-2");
  ASSERT_EQ(alloc.instance.disks.size(), 2u);
  EXPECT_EQ(alloc.instance.disks[1].size, 1536);
  EXPECT_FALSE(alloc.instance.spindles.has_value());  // the disks give no spindles
  EXPECT_EQ(alloc.instance.spindle_use, 2);

  auto two = Load("hail-alloc-twodisks.json");
  EXPECT_EQ(std::get<AllocateRequest>(two.request).instance.spindles, 2);
  EXPECT_EQ(std::get<AllocateRequest>(two.request).instance.disk_template, "file");
}

TEST(IAllocatorRequestTest, AllocateTagsAndSpindles) {
  auto tags = Load("hail-alloc-plain-tags.json");
  EXPECT_EQ(std::get<AllocateRequest>(tags.request).instance.tags,
            (std::vector<std::string>{"service:foo", "service:bar"}));
  EXPECT_EQ(InstanceNamed(tags.cluster, "instance-1").tags,
            std::vector<std::string>{"service:foo"});
  EXPECT_EQ(InstanceNamed(tags.cluster, "instance-1").status, "running");

  auto spindles = Load("hail-alloc-spindles.json");
  EXPECT_EQ(std::get<AllocateRequest>(spindles.request).instance.spindle_use, 3);
  EXPECT_EQ(spindles.cluster.nodes[spindles.cluster.FindNode("node1")].spindles, 2);
  EXPECT_EQ(InstanceNamed(spindles.cluster, "instance2").spindles, 2);
  EXPECT_EQ(spindles.cluster.groups[0].ipolicy.minmax.at(0).max.spindle_use, 2);

  auto location = Load("hail-alloc-desired-location.json");
  EXPECT_EQ(location.cluster.nodes[0].tags, std::vector<std::string>{"power:a"});
  EXPECT_EQ(location.cluster.cluster_tags.size(), 2u);
}

TEST(IAllocatorRequestTest, Relocate) {
  auto rq = Load("hail-reloc-drbd.json");
  EXPECT_EQ(RequestTypeName(rq.request), "relocate");
  const auto& reloc = std::get<RelocateRequest>(rq.request);
  EXPECT_EQ(rq.cluster.instances[reloc.instance].name, "instance14");
  EXPECT_EQ(reloc.required_nodes, 1);
  ASSERT_EQ(reloc.relocate_from.size(), 1u);
  EXPECT_EQ(rq.cluster.nodes[reloc.relocate_from[0]].name, "node4");

  auto crowded = Load("hail-reloc-drbd-crowded.json");
  EXPECT_DOUBLE_EQ(crowded.cluster.nodes[crowded.cluster.FindNode("node1")].free_memory, 89);
}

TEST(IAllocatorRequestTest, InvalidRelocateReadsAsHail) {
  try {
    Load("hail-invalid-reloc.json");
    FAIL() << "no error";
  } catch (const GanetiError& e) {
    EXPECT_NE(
        std::string(e.what()).find(
            "hail-invalid-reloc.json: invalid request dict: key 'name': Unable to read String"),
        std::string::npos)
        << e.what();
  }
}

TEST(IAllocatorRequestTest, ChangeGroupNodeEvacuateAllocateSecondary) {
  auto cg = Load("hail-change-group.json");
  EXPECT_EQ(RequestTypeName(cg.request), "change-group");
  const auto& change = std::get<ChangeGroupRequest>(cg.request);
  ASSERT_EQ(change.instances.size(), 1u);
  EXPECT_EQ(cg.cluster.instances[change.instances[0]].name, "instance14");
  EXPECT_TRUE(change.target_groups.empty());
  EXPECT_EQ(cg.cluster.nodes.size(), 5u);
  EXPECT_EQ(cg.cluster.groups.size(), 2u);
  EXPECT_EQ(cg.cluster.groups[cg.cluster.nodes[cg.cluster.FindNode("node10")].group].name, "empty");

  auto ev = Load("hail-node-evac.json");
  EXPECT_EQ(RequestTypeName(ev.request), "node-evacuate");
  const auto& evac = std::get<NodeEvacuateRequest>(ev.request);
  EXPECT_EQ(evac.mode, EvacMode::kAll);
  EXPECT_EQ(EvacModeName(evac.mode), "all");
  ASSERT_EQ(evac.instances.size(), 1u);
  EXPECT_EQ(ev.cluster.instances[evac.instances[0]].name, "instance2");
  // The old-style cluster ipolicy of this file leaves the defaults.
  EXPECT_EQ(ev.cluster.cluster_ipolicy.minmax.at(0).max.spindle_use, 12);

  auto sec = Load("hail-alloc-secondary.json");
  EXPECT_EQ(RequestTypeName(sec.request), "allocate-secondary");
  const Instance& inst =
      sec.cluster.instances[std::get<AllocateSecondaryRequest>(sec.request).instance];
  EXPECT_EQ(inst.name, "instance-to-be-converted-to-drbd");
  EXPECT_EQ(inst.disk_template, "plain");
  EXPECT_EQ(inst.secondary, -1);
  EXPECT_EQ(sec.cluster.nodes.size(), 4u);
}

// A small valid document; tests replace one part of it.
std::string Doc(const std::string& request, const std::string& nodes = "",
                const std::string& instances = "") {
  const std::string group =
      R"("g1": {"name": "default", "alloc_policy": "preferred", "networks": [], "tags": [],
      "ipolicy": {"minmax": [{"min": {"memory-size": 128, "cpu-count": 1, "disk-size": 1024,
      "disk-count": 1, "nic-count": 1, "spindle-use": 1}, "max": {"memory-size": 32768,
      "cpu-count": 8, "disk-size": 1048576, "disk-count": 16, "nic-count": 8, "spindle-use": 12}}],
      "std": {"memory-size": 128, "cpu-count": 1, "disk-size": 1024, "disk-count": 1,
      "nic-count": 1, "spindle-use": 1}, "disk-templates": ["drbd", "plain"],
      "vcpu-ratio": 4, "spindle-ratio": 32.0}})";
  const std::string node =
      R"("n1": {"offline": false, "drained": false, "group": "g1", "tags": [],
      "ndparams": {"exclusive_storage": false, "spindle_count": 1}, "total_memory": 4096,
      "reserved_memory": 512, "free_memory": 3000, "total_disk": 10240, "free_disk": 8192,
      "total_cpus": 4, "reserved_cpus": 1, "free_spindles": 3, "total_spindles": 4},
      "n2": {"offline": false, "drained": false, "group": "g1",
      "ndparams": {"exclusive_storage": false, "spindle_count": 1}, "total_memory": 4096,
      "reserved_memory": 512, "free_memory": 3000, "total_disk": 10240, "free_disk": 8192,
      "total_cpus": 4, "reserved_cpus": 1, "free_spindles": 3, "total_spindles": 4})";
  const std::string instance =
      R"("i1": {"disk_space_total": 1152, "disks": [{"size": 1024, "spindles": null}],
      "memory": 512, "vcpus": 2, "tags": ["a"], "disk_template": "drbd", "spindle_use": 1,
      "nics": [], "nodes": ["n1", "n2"], "admin_state": "up"})";
  return R"({"cluster_tags": [], "enabled_hypervisors": ["fake"], "nodegroups": {)" + group +
         R"(}, "nodes": {)" + (nodes.empty() ? node : nodes) + R"(}, "instances": {)" +
         (instances.empty() ? instance : instances) + R"(}, "request": )" + request + "}";
}

const std::string kEvac = R"({"type": "node-evacuate", "instances": ["i1"], "evac_mode": "all"})";

TEST(IAllocatorRequestTest, SmallDocumentAndNodeFlags) {
  auto rq = ParseIAllocatorRequest(Doc(kEvac), "req.json");
  ASSERT_EQ(rq.cluster.nodes.size(), 2u);
  EXPECT_EQ(rq.cluster.nodes[0].hypervisor, "fake");
  EXPECT_DOUBLE_EQ(rq.cluster.nodes[0].free_disk, 8192);
  EXPECT_EQ(rq.cluster.groups[0].ipolicy.vcpu_ratio, 4.0);
  const Instance& i1 = rq.cluster.instances.at(0);
  EXPECT_EQ(i1.primary, 0);
  EXPECT_EQ(i1.secondary, 1);
  EXPECT_FALSE(i1.spindles.has_value());
  EXPECT_FALSE(i1.disks[0].spindles.has_value());
  EXPECT_EQ(i1.vcpus, 2);
  EXPECT_TRUE(i1.auto_balance);
  EXPECT_FALSE(i1.forthcoming);

  // Offline, drained and non-vm_capable nodes are offline; only live ones need figures.
  const std::string flags =
      R"("n1": {"offline": true, "drained": false, "group": "g1",
      "ndparams": {"exclusive_storage": false, "spindle_count": 2}},
      "n2": {"offline": false, "drained": false, "vm_capable": false, "group": "g1",
      "ndparams": {"exclusive_storage": true}},
      "n3": {"offline": false, "drained": true, "group": "g1",
      "ndparams": {"exclusive_storage": false, "spindle_count": 1}, "total_memory": 4096,
      "reserved_memory": 512, "free_memory": 3000, "total_disk": 10240, "free_disk": 8192,
      "total_cpus": 4, "reserved_cpus": 1, "free_spindles": 3})";
  auto flagged = ParseIAllocatorRequest(Doc(kEvac, flags), "req.json");
  const auto& n = flagged.cluster.nodes;
  ASSERT_EQ(n.size(), 3u);
  EXPECT_TRUE(n[0].offline);
  EXPECT_EQ(n[0].spindles, 2);
  EXPECT_DOUBLE_EQ(n[0].total_memory, 0);
  EXPECT_TRUE(n[1].offline);
  EXPECT_FALSE(n[1].vm_capable);
  EXPECT_EQ(n[1].spindles, 0);
  EXPECT_TRUE(n[2].offline);
  EXPECT_TRUE(n[2].drained);
  EXPECT_DOUBLE_EQ(n[2].total_memory, 4096);
}

TEST(IAllocatorRequestTest, AllocateOptionsAndMultiAllocate) {
  const std::string one =
      R"({"name": "new%d", "disk_space_total": 1024, "disks": [{"size": 1024}], "memory": 256,
      "vcpus": 1, "tags": [], "disk_template": "plain", "spindle_use": 1, "required_nodes": 1,
      "nics": [{"mac": "aa:00:00:00:00:01", "ip": "192.0.2.5", "mode": "routed",
      "link": "rt1", "network": "net1"}], "group_name": "default")";
  auto alloc_text = one;
  alloc_text.replace(alloc_text.find("%d"), 2, "1");
  auto rq = ParseIAllocatorRequest(
      Doc(alloc_text +
          R"(, "type": "allocate", "restrict-to-nodes": ["n2"], "forthcoming": true})"),
      "req.json");
  const auto& alloc = std::get<AllocateRequest>(rq.request);
  EXPECT_EQ(alloc.group_name, "default");
  EXPECT_EQ(alloc.restrict_to_nodes, std::vector<std::string>{"n2"});
  EXPECT_TRUE(alloc.instance.forthcoming);
  EXPECT_EQ(alloc.instance.nics.at(0).ip, "192.0.2.5");
  EXPECT_EQ(alloc.instance.nics.at(0).mode, "routed");
  EXPECT_EQ(alloc.instance.nics.at(0).network, "net1");

  auto second = one;
  second.replace(second.find("%d"), 2, "2");
  auto multi = ParseIAllocatorRequest(
      Doc(R"({"type": "multi-allocate", "instances": [)" + alloc_text + "}, " + second + "}]}"),
      "req.json");
  EXPECT_EQ(RequestTypeName(multi.request), "multi-allocate");
  const auto& all = std::get<MultiAllocateRequest>(multi.request).instances;
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].instance.name, "new1");
  EXPECT_EQ(all[1].instance.name, "new2");
  // Ganeti takes a multi-allocation's group from the request, never from
  // its instances.
  EXPECT_FALSE(all[1].group_name.has_value());
  auto grouped = ParseIAllocatorRequest(
      Doc(R"({"type": "multi-allocate", "group_name": "g2", "instances": [)" + second + "}]}"),
      "req.json");
  EXPECT_EQ(std::get<MultiAllocateRequest>(grouped.request).instances.at(0).group_name, "g2");

  auto evac = ParseIAllocatorRequest(
      Doc(R"({"type": "node-evacuate", "instances": ["i1"], "evac_mode": "secondary-only"})"),
      "req.json");
  EXPECT_EQ(std::get<NodeEvacuateRequest>(evac.request).mode, EvacMode::kSecondaryOnly);
  auto cg = ParseIAllocatorRequest(
      Doc(R"({"type": "change-group", "instances": ["i1"], "target_groups": ["default"]})"),
      "req.json");
  EXPECT_EQ(std::get<ChangeGroupRequest>(cg.request).target_groups, std::vector<int>{0});
}

bool Has(const std::string& error, const std::string& part) {
  return error.find(part) != std::string::npos;
}

TEST(IAllocatorRequestTest, MalformedRequestsNameSourceAndKey) {
  EXPECT_TRUE(Has(ErrorOf("{not json"), "req.json: Parsing input IAllocator message"));
  EXPECT_TRUE(Has(ErrorOf("[1]"), "req.json: Parsing input IAllocator message: not a JSON object"));
  EXPECT_TRUE(Has(ErrorOf(R"({"nodes": {}})"),
                  "req.json: invalid iallocator message: key 'request' not found, object "
                  "contains only [\"nodes\"]"));
  EXPECT_TRUE(Has(ErrorOf(Doc(R"({"type": "defragment"})")),
                  "req.json: Invalid request type 'defragment'"));
  EXPECT_TRUE(Has(ErrorOf(Doc(R"({"instances": []})")),
                  "req.json: invalid request dict: key 'type' not found"));
  EXPECT_TRUE(Has(ErrorOf(Doc(R"({"type": "node-evacuate", "instances": ["i1"],
                                  "evac_mode": "sideways"})")),
                  "invalid request dict: key 'evac_mode': Invalid string value for type "
                  "EvacMode: \"sideways\""));
  EXPECT_TRUE(Has(ErrorOf(Doc(R"({"type": "node-evacuate", "instances": ["i9"],
                                  "evac_mode": "all"})")),
                  "req.json: Unknown instance 'i9'"));
  EXPECT_TRUE(Has(ErrorOf(Doc(R"({"type": "relocate", "name": "i1", "required_nodes": 1,
                                  "relocate_from": ["n7"]})")),
                  "Unknown node 'n7' in relocate_from"));
  EXPECT_TRUE(Has(ErrorOf(Doc(R"({"type": "relocate", "name": "i1", "required_nodes": "one",
                                  "relocate_from": []})")),
                  "invalid request dict: key 'required_nodes': Unable to read Int"));
  EXPECT_TRUE(Has(ErrorOf(Doc(R"({"type": "change-group", "instances": "i1",
                                  "target_groups": []})")),
                  "invalid request dict: key 'instances': Unable to read list"));
  EXPECT_TRUE(Has(ErrorOf(Doc(R"({"type": "allocate", "name": "x", "required_nodes": 1})")),
                  "invalid data for instance 'x': key 'disk_space_total' not found"));
  EXPECT_TRUE(Has(ErrorOf(Doc(kEvac, R"("n1": {"offline": false, "drained": false,
                                  "group": "g9", "ndparams": {}})")),
                  "req.json: Unknown group 'g9' for node n1"));
  EXPECT_TRUE(Has(ErrorOf(Doc(kEvac, R"("n1": {"offline": "no"})")),
                  "invalid data for node 'n1': key 'offline': Unable to read Bool"));
  EXPECT_TRUE(Has(ErrorOf(Doc(kEvac, R"("n1": {"offline": false, "drained": false,
                                  "group": "g1", "ndparams": {"exclusive_storage": false,
                                  "spindle_count": 1}})")),
                  "invalid data for node 'n1': key 'free_spindles' not found"));
  const std::string bad_instance =
      R"("i1": {"disk_space_total": 1, "disks": [{"spindles": 1}], "memory": 1, "vcpus": 1,
      "tags": [], "disk_template": "drbd", "spindle_use": 1, "nics": [], "nodes": ["n1"]})";
  EXPECT_TRUE(Has(ErrorOf(Doc(kEvac, "", bad_instance)),
                  "invalid data for instance 'i1': disk 0: key 'size' not found"));
  std::string wrong_template = bad_instance;
  wrong_template.replace(wrong_template.find(R"({"spindles": 1})"), 15, R"({"size": 1})");
  wrong_template.replace(wrong_template.find("drbd"), 4, "floppy");
  EXPECT_TRUE(Has(ErrorOf(Doc(kEvac, "", wrong_template)),
                  "key 'disk_template': Invalid string value for type DiskTemplate: \"floppy\""));
  std::string no_nodes = bad_instance;
  no_nodes.replace(no_nodes.find(R"({"spindles": 1})"), 15, R"({"size": 1})");
  no_nodes.replace(no_nodes.find(R"(["n1"])"), 6, "[]");
  EXPECT_TRUE(Has(ErrorOf(Doc(kEvac, "", no_nodes)), "empty node list for instance i1"));
  std::string unknown_node = no_nodes;
  unknown_node.replace(unknown_node.find("[]}"), 2, R"(["n5"])");
  EXPECT_TRUE(Has(ErrorOf(Doc(kEvac, "", unknown_node)), "Unknown node 'n5' for instance i1"));

  std::string doc = Doc(kEvac);
  doc.replace(doc.find("\"preferred\""), 11, "\"sometimes\"");
  EXPECT_TRUE(Has(ErrorOf(doc),
                  "invalid data for group 'g1': key 'alloc_policy': Invalid string "
                  "value for type AllocPolicy"));
  doc = Doc(kEvac);
  doc.replace(doc.find("\"vcpu-ratio\": 4,"), 16, "");
  EXPECT_TRUE(Has(ErrorOf(doc),
                  "invalid data for group 'g1': key 'ipolicy': key 'vcpu-ratio' "
                  "not found"));
  doc = Doc(kEvac);
  doc.replace(doc.find("\"fake\""), 6, "\"vmware\"");
  EXPECT_TRUE(Has(ErrorOf(doc),
                  "key 'enabled_hypervisors': Invalid string value for type "
                  "Hypervisor: \"vmware\""));
}

TEST(IAllocatorAnswerTest, NodesAndFailures) {
  EXPECT_EQ(FormatAllocateAnswer({"node2", "node1"}, "Selected group: default"),
            R"({"success":true,"info":"Request successful: Selected group: default",)"
            R"("result":["node2","node1"]})");
  EXPECT_EQ(FormatRelocateAnswer({"node1"}),
            R"({"success":true,"info":"Request successful: success","result":["node1"]})");
  EXPECT_EQ(FormatAllocateSecondaryAnswer("node-2-2", "score: 2"),
            R"({"success":true,"info":"Request successful: score: 2","result":"node-2-2"})");
  EXPECT_EQ(FormatFailureAnswer("Can't find any good node"),
            R"({"success":false,"info":"Request failed: Can't find any good node","result":[]})");
}

TEST(IAllocatorAnswerTest, EvacuationAsHailWritesIt) {
  // Ganeti's hail answer for hail-node-evac.json.
  EvacuationResult r;
  r.moved.push_back({"instance2", "default", {"node2", "node1"}});
  r.jobs.push_back({ReplaceSecondaryStep("instance2", "node2"), FailoverStep("instance2", false),
                    ReplaceSecondaryStep("instance2", "node1")});
  EXPECT_EQ(
      FormatEvacuationAnswer(r),
      R"({"success":true,"info":"Request successful: 0 instances failed to move and 1 were moved )"
      R"(successfully","result":[[["instance2","default",["node2","node1"]]],[],[[{"OP_ID":"OP_IN)"
      R"(STANCE_REPLACE_DISKS","instance_name":"instance2","early_release":false,"ignore_ipolicy")"
      R"(:false,"mode":"replace_new_secondary","disks":[],"remote_node":"node2"},{"OP_ID":"OP_INST)"
      R"(ANCE_MIGRATE","instance_name":"instance2","allow_runtime_changes":false,"ignore_ipolicy")"
      R"(:false,"cleanup":false,"allow_failover":true,"ignore_hvversions":true},{"OP_ID":"OP_INSTA)"
      R"(NCE_REPLACE_DISKS","instance_name":"instance2","early_release":false,"ignore_ipolicy":fa)"
      R"(lse,"mode":"replace_new_secondary","disks":[],"remote_node":"node1"}]]]})");

  EvacuationResult failed;
  failed.failed.push_back({"inst9", "No valid solution"});
  EXPECT_EQ(FormatEvacuationAnswer(failed),
            R"({"success":true,"info":"Request successful: 1 instances failed to move and 0 were )"
            R"(moved successfully","result":[[],[["inst9","No valid solution"]],[]]})");
}

TEST(IAllocatorAnswerTest, Opcodes) {
  EXPECT_EQ(SerializeJobOpcode(FailoverStep("web1", false, "node3")),
            R"({"OP_ID":"OP_INSTANCE_MIGRATE","instance_name":"web1","target_node":"node3",)"
            R"("allow_runtime_changes":false,"ignore_ipolicy":false,"cleanup":false,)"
            R"("allow_failover":true,"ignore_hvversions":true})");
  EXPECT_EQ(SerializeJobOpcode(FailoverStep("web1", true)),
            R"({"OP_ID":"OP_INSTANCE_FAILOVER","instance_name":"web1","shutdown_timeout":120,)"
            R"("ignore_consistency":false,"ignore_ipolicy":false,"cleanup":false})");
  EXPECT_EQ(SerializeJobOpcode(FailoverStep("web1", true, "node4")),
            R"({"OP_ID":"OP_INSTANCE_FAILOVER","instance_name":"web1","shutdown_timeout":120,)"
            R"("ignore_consistency":false,"target_node":"node4","ignore_ipolicy":false,)"
            R"("cleanup":false})");
}

TEST(IAllocatorAnswerTest, MultiAllocate) {
  MultiAllocateResult r;
  r.allocated.push_back({"new1", {"node1", "node2"}});
  r.allocated.push_back({"new2", {"node3"}});
  r.failed.push_back("new3");
  EXPECT_EQ(FormatMultiAllocateAnswer(r),
            R"({"success":true,"info":"Request successful: 1 instances failed to allocate and 2 )"
            R"(were allocated successfully","result":[[["new1",["node1","node2"]],)"
            R"(["new2",["node3"]]],["new3"]]})");
}

}  // namespace
}  // namespace herd::htools
