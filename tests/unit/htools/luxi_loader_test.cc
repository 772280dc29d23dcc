// The htools LUXI backend: query2 answers load as Ganeti's htools load them.
// A fake master daemon answers with Ganeti's own test cluster (from its RAPI
// answers); Debian's hbal, asking the same daemon, must load the same cluster.
#include "htools/luxi_loader.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <mutex>
#include <set>

#include "base/errors.h"
#include "base/files.h"
#include "base/process.h"
#include "cluster_expect.h"
#include "ganeti_reference.h"
#include "htools/rapi_loader.h"
#include "htools/text_loader.h"
#include "luxi/server.h"

namespace herd::htools {
namespace {
namespace fs = std::filesystem;
namespace json = boost::json;

std::string RapiDir() { return herd::reference::GanetiTestData("htools/rapi"); }

constexpr int kNormal = 0, kUnavail = 3, kOffline = 4;

json::value Cell(int status, json::value v) { return json::array{status, std::move(v)}; }

// The calls a fake daemon received (from its connection threads).
struct Calls {
  void Add(std::string call) {
    std::lock_guard lock(mu);
    list.push_back(std::move(call));
  }
  std::vector<std::string> Get() {
    std::lock_guard lock(mu);
    return list;
  }
  std::mutex mu;
  std::vector<std::string> list;
};

// The answers a master daemon gives for Ganeti's test cluster, built from the
// same cluster's RAPI answers.
struct Cluster {
  json::array nodes, instances, groups;  // RAPI objects
  json::object info;
  double cpu_speed = 1.0;

  static Cluster Load() {
    Cluster c;
    c.nodes = json::parse(ReadFile(RapiDir() + "/nodes.json")).as_array();
    c.instances = json::parse(ReadFile(RapiDir() + "/instances.json")).as_array();
    c.groups = json::parse(ReadFile(RapiDir() + "/groups.json")).as_array();
    c.info = json::parse(ReadFile(RapiDir() + "/info.json")).as_object();
    return c;
  }

  static json::value Result(const std::vector<std::string>& fields, json::array rows) {
    json::array names;
    for (const auto& f : fields) names.emplace_back(json::object{{"name", f}});
    return json::object{{"fields", std::move(names)}, {"data", std::move(rows)}};
  }

  json::value NodeRows(const std::vector<std::string>& fields) const {
    static const std::set<std::string> live{"mtotal", "mnode", "mfree",   "dtotal", "dfree",
                                            "ctotal", "cnos",  "sptotal", "spfree"};
    json::array rows;
    for (const auto& v : nodes) {
      const auto& n = v.as_object();
      const auto& ndparams = n.at("ndparams").as_object();
      json::array row;
      for (const auto& f : fields) {
        if (live.count(f)) {
          if (n.at("offline").as_bool()) {
            row.push_back(Cell(kOffline, nullptr));
          } else if (n.contains("vm_capable") && !n.at("vm_capable").as_bool()) {
            row.push_back(Cell(kUnavail, nullptr));
          } else if (!n.contains(f) || n.at(f).is_null()) {
            row.push_back(Cell(kUnavail, nullptr));
          } else {
            row.push_back(Cell(kNormal, n.at(f)));
          }
        } else if (f == "ndp/cpu_speed") {
          row.push_back(Cell(kNormal, cpu_speed));
        } else if (f.rfind("ndp/", 0) == 0) {
          row.push_back(Cell(kNormal, ndparams.at(f.substr(4))));
        } else if (f == "vm_capable" && !n.contains(f)) {
          row.push_back(Cell(kNormal, true));
        } else {
          row.push_back(Cell(kNormal, n.at(f)));
        }
      }
      rows.push_back(std::move(row));
    }
    return Result(fields, std::move(rows));
  }

  json::value InstanceRows(const std::vector<std::string>& fields) const {
    json::array rows;
    for (const auto& v : instances) {
      const auto& i = v.as_object();
      const auto& be = i.at("beparams").as_object();
      json::array row;
      for (const auto& f : fields) {
        if (f == "be/memory") {
          row.push_back(Cell(kNormal, be.at("maxmem")));
        } else if (f.rfind("be/", 0) == 0) {
          row.push_back(Cell(kNormal, be.at(f.substr(3))));
        } else if (f == "forthcoming" && !i.contains(f)) {
          row.push_back(Cell(kNormal, false));
        } else {
          row.push_back(Cell(kNormal, i.at(f)));
        }
      }
      rows.push_back(std::move(row));
    }
    return Result(fields, std::move(rows));
  }

  json::value GroupRows(const std::vector<std::string>& fields) const {
    json::array rows;
    for (const auto& v : groups) {
      json::array row;
      for (const auto& f : fields) row.push_back(Cell(kNormal, v.as_object().at(f)));
      rows.push_back(std::move(row));
    }
    return Result(fields, std::move(rows));
  }

  ClusterData Parse() const {
    return ParseLuxiData(NodeRows(LuxiNodeFields()), InstanceRows(LuxiInstanceFields()),
                         GroupRows(LuxiGroupFields()), info, "test");
  }

  // Answers LUXI calls as a master daemon would, remembering them in `calls`.
  json::value Answer(const std::string& method, const json::array& args,
                     Calls* calls = nullptr) const {
    if (calls) calls->Add(method + " " + json::serialize(args));
    if (method == "QueryClusterInfo") return info;
    if (method != "Query") throw LuxiError("Unknown method '" + method + "'");
    std::vector<std::string> fields;
    for (const auto& f : args.at(1).as_array()) fields.emplace_back(f.as_string());
    const auto what = args.at(0).as_string();
    if (what == "node") return NodeRows(fields);
    if (what == "instance") return InstanceRows(fields);
    if (what == "group") return GroupRows(fields);
    throw OpPrereqError("Resource '" + std::string(what) + "' is not queried here");
  }
};

std::string ErrorOf(const json::value& nodes, const json::value& instances,
                    const json::value& groups, const json::value& info) {
  try {
    ParseLuxiData(nodes, instances, groups, info, "test");
  } catch (const GanetiError& e) {
    return e.what();
  }
  return "no error";
}

class LuxiLoaderTest : public ::testing::Test {
 protected:
  void SetUp() override { cluster_ = Cluster::Load(); }
  // Gives `c` node offline/drained/vm_capable/exclusive storage variety.
  static void Vary(Cluster& c) {
    auto& offline = c.nodes[1].as_object();
    offline["offline"] = true;
    c.nodes[0].as_object()["drained"] = true;
    c.nodes[0].as_object().erase("dtotal");
    c.nodes[0].as_object()["tags"] = json::array{"rack:a"};
    c.nodes[2].as_object()["vm_capable"] = false;
    auto& excl = c.nodes[3].as_object();
    excl["ndparams"].as_object()["exclusive_storage"] = true;
    excl["sptotal"] = 12;
    excl["spfree"] = 10;
    c.instances[0].as_object()["disk.spindles"] = json::array{2};
    c.instances[3].as_object()["forthcoming"] = true;
    c.instances[4].as_object()["beparams"].as_object()["maxmem"] = 640;
    c.cpu_speed = 2.0;
  }
  Cluster cluster_;
};

TEST_F(LuxiLoaderTest, LoadsQueryAnswers) {
  auto data = cluster_.Parse();
  ASSERT_EQ(data.nodes.size(), 4u);
  ASSERT_EQ(data.instances.size(), 11u);
  ASSERT_EQ(data.groups.size(), 1u);
  EXPECT_TRUE(data.nodes[3].master);
  EXPECT_DOUBLE_EQ(data.nodes[2].free_memory, 31234);
  EXPECT_DOUBLE_EQ(data.nodes[2].cpu_speed, 1.0);
  EXPECT_EQ(data.instances[7].name, "instance18");
  EXPECT_EQ(data.instances[7].memory, 8192);
  EXPECT_EQ(data.instances[2].secondary, 2);
  EXPECT_EQ(data.groups[0].ipolicy.minmax.at(0).max.spindle_use, 8);
  EXPECT_EQ(data.cluster_tags.size(), 2u);
}

// On the shipped cluster (no running instance whose memory differs from its
// maxmem) the RAPI and LUXI backends see the same cluster.
TEST_F(LuxiLoaderTest, SeesWhatTheRapiBackendSees) {
  auto rapi = ParseRapiData(ReadFile(RapiDir() + "/info.json"), ReadFile(RapiDir() + "/nodes.json"),
                            ReadFile(RapiDir() + "/groups.json"),
                            ReadFile(RapiDir() + "/instances.json"), "rapi");
  ExpectSameCluster(cluster_.Parse(), rapi, "luxi vs rapi");
}

TEST_F(LuxiLoaderTest, OfflineNodesReportNoResources) {
  Vary(cluster_);
  auto data = cluster_.Parse();
  EXPECT_TRUE(data.nodes[0].offline);  // drained
  EXPECT_DOUBLE_EQ(data.nodes[0].total_disk, 0);
  EXPECT_DOUBLE_EQ(data.nodes[0].free_memory, 31389);
  EXPECT_TRUE(data.nodes[1].offline);
  EXPECT_DOUBLE_EQ(data.nodes[1].total_memory, 0);
  EXPECT_TRUE(data.nodes[2].offline);  // not vm_capable
  EXPECT_DOUBLE_EQ(data.nodes[2].total_cpus, 0);
  EXPECT_EQ(data.nodes[3].spindles, 12);
  EXPECT_EQ(data.nodes[3].free_spindles, 10);
  EXPECT_DOUBLE_EQ(data.nodes[3].cpu_speed, 2.0);
  EXPECT_EQ(data.instances[0].spindles, 2);
  EXPECT_TRUE(data.instances[3].forthcoming);
  EXPECT_EQ(data.instances[4].memory, 640);
}

TEST_F(LuxiLoaderTest, MalformedAnswersNameObjectAndField) {
  const auto nodes = cluster_.NodeRows(LuxiNodeFields());
  const auto instances = cluster_.InstanceRows(LuxiInstanceFields());
  const auto groups = cluster_.GroupRows(LuxiGroupFields());
  const json::value info = cluster_.info;
  auto expect = [](const std::string& error, const std::string& expected) {
    EXPECT_NE(error.find(expected), std::string::npos) << error;
  };
  {
    // A node that is up but did not answer: its resources are missing.
    auto n = nodes;
    n.at("data").as_array()[0].as_array()[1] = Cell(2, nullptr);
    expect(ErrorOf(n, instances, groups, info),
           "test (Query node): node 'node1', field 'mtotal': no data for the field");
  }
  {
    auto n = nodes;
    n.at("data").as_array()[0].as_array()[4] = Cell(kUnavail, nullptr);  // dtotal
    EXPECT_DOUBLE_EQ(ParseLuxiData(n, instances, groups, info).nodes[0].total_disk, 0);
  }
  {
    auto n = nodes;
    n.at("data").as_array()[1].as_array().pop_back();
    expect(ErrorOf(n, instances, groups, info),
           "node #2: the query row has 17 fields, expected 18");
  }
  {
    auto n = nodes;
    n.at("data").as_array()[1].as_array()[12] = Cell(kNormal, "uuid-group-9");
    expect(ErrorOf(n, instances, groups, info),
           "node 'node2', field 'group.uuid': unknown group 'uuid-group-9'");
  }
  {
    auto n = nodes;
    n.at("data").as_array()[1].as_array()[8] = json::array{0};
    expect(ErrorOf(n, instances, groups, info),
           "node 'node2', field 'offline': expected a (status, value) pair");
  }
  {
    auto i = instances;
    i.at("data").as_array()[2].as_array()[5] = Cell(kNormal, "node9");
    expect(ErrorOf(nodes, i, groups, info),
           "test (Query instance): instance 'instance4', field 'pnode': unknown node 'node9'");
  }
  {
    auto i = instances;
    i.at("data").as_array()[2].as_array()[2] = Cell(kNormal, "big");
    expect(ErrorOf(nodes, i, groups, info),
           "instance 'instance4', field 'be/memory': \"big\" is not an integer");
  }
  {
    auto g = groups;
    g.at("data").as_array()[0].as_array()[3] = Cell(kNormal, json::object{});
    expect(ErrorOf(nodes, instances, g, info),
           "test (Query group): group 'default', field 'ipolicy/minmax': missing");
  }
  expect(ErrorOf(nodes, instances, json::array{}, info),
         "test (Query group): the query result is not an object");
  auto no_master = info;
  no_master.as_object()["master"] = "";
  expect(ErrorOf(nodes, instances, groups, no_master),
         "test (QueryClusterInfo): cluster, field 'master': master node '' is unknown");
}

std::string ShortSocketPath(const std::string& dir) { return dir + "/master.sock"; }

TEST_F(LuxiLoaderTest, LoadsFromAMasterDaemonWithGanetiQueries) {
  const std::string dir =
      (fs::temp_directory_path() / ("herd-luxi-loader-" + std::to_string(getpid()))).string();
  fs::create_directories(dir);
  const std::string socket = ShortSocketPath(dir);
  Calls calls;
  luxi::Server server({socket}, [&](const std::string& m, const json::array& a) {
    return cluster_.Answer(m, a, &calls);
  });
  server.Start();
  ClusterData data = LoadLuxi(socket);
  ExpectSameCluster(data, cluster_.Parse(), "LoadLuxi");
  {
    const auto seen = calls.Get();
    ASSERT_EQ(seen.size(), 4u);
    EXPECT_EQ(seen[0],
              R"(Query ["node",["name","mtotal","mnode","mfree","dtotal","dfree","ctotal",)"
              R"("cnos","offline","drained","vm_capable","ndp/spindle_count","group.uuid",)"
              R"("tags","ndp/exclusive_storage","sptotal","spfree","ndp/cpu_speed"],null])");
    EXPECT_EQ(seen[1],
              R"(Query ["instance",["name","disk_usage","be/memory","be/vcpus","status",)"
              R"("pnode","snodes","tags","be/auto_balance","disk_template","be/spindle_use",)"
              R"("disk.sizes","disk.spindles","forthcoming"],null])");
    EXPECT_EQ(seen[2], "QueryClusterInfo []");
    EXPECT_EQ(seen[3], R"(Query ["group",["uuid","name","alloc_policy","ipolicy","tags"],null])");
  }
  server.Stop();
  EXPECT_THROW(LoadLuxi(dir + "/absent.sock"), GanetiError);
  fs::remove_all(dir);
}

// Debian's hbal asks the same fake daemon and saves what it loaded in the
// text format: every field must agree with Herd's LUXI loader.
TEST_F(LuxiLoaderTest, AgreesWithGanetiHbal) {
  const std::string hbal = herd::reference::DebianHtool("hbal");
  const std::string dir =
      (fs::temp_directory_path() / ("herd-luxi-hbal-" + std::to_string(getpid()))).string();
  fs::create_directories(dir);
  for (bool varied : {false, true}) {
    Cluster c = cluster_;
    if (varied) Vary(c);
    const std::string name = varied ? "varied" : "shipped";
    const std::string socket = ShortSocketPath(dir);
    luxi::Server server(
        {socket}, [&c](const std::string& m, const json::array& a) { return c.Answer(m, a); });
    server.Start();
    ClusterData herd = LoadLuxi(socket);
    auto real = RunCommand({hbal, "--luxi=" + socket, "-S", dir + "/" + name}, {}, dir, 120);
    server.Stop();
    const std::string saved = dir + "/" + name + ".original";
    ASSERT_TRUE(FileExists(saved)) << name << ": hbal did not load: " << real.output;
    ExpectSameCluster(herd, LoadTextFile(saved), name);
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace herd::htools
