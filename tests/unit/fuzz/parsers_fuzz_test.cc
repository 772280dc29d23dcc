// Seeded mutation tests of the parsers that face the network or the disk:
// LUXI messages (through the master's real LUXI methods), RAPI requests, node
// RPC requests, config.data, the config journal and the RAPI users file.
// Each takes a few thousand mutated samples; none may crash, and the
// daemons' own entry points may only answer with an error (never throw).
// A failure names its case seed: HERD_FUZZ_SEED and HERD_FUZZ_CASES replay it.
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <set>

#include "base/errors.h"
#include "base/files.h"
#include "base/json.h"
#include "ganeti_reference.h"
#include "luxi/framing.h"
#include "luxi/server.h"
#include "master/config/config_store.h"
#include "master/jobs/queue.h"
#include "master/luxi/luxi_methods.h"
#include "mutator.h"
#include "node/node_handlers.h"
#include "objects/config_data.h"
#include "rapi/rapi_service.h"
#include "rapi/users.h"
#include "test_config.h"

namespace herd {
namespace {

namespace fs = std::filesystem;

// Node RPCs fail: the fuzzed LUXI methods must cope with unreachable nodes.
class UnreachableNodes : public rpc::NodeRpcClient {
 public:
  std::vector<rpc::RpcResult> CallParallel(const std::vector<rpc::NodeAddress>& nodes,
                                           const rpc::Procedure&, const json::array&) override {
    std::vector<rpc::RpcResult> out;
    for (const auto& n : nodes) {
      rpc::RpcResult r;
      r.node = n.name;
      r.error = "unreachable (fuzz test)";
      out.push_back(r);
    }
    return out;
  }
};

class ParserFuzz : public ::testing::Test {
 protected:
  void SetUp() override {
    spdlog::set_level(spdlog::level::off);  // the refusals would fill the log
    dir_ = fs::temp_directory_path() /
           ("herd-fuzz-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    paths_ = std::make_unique<Paths>((dir_ / "node1").string(), "node1");
    paths_->EnsureDirectories();
    master::ConfigStore::WriteInitial(*paths_, testconfig::OneNodeCluster());
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Runs `body` on each mutated case under a trace naming its seed.
  template <typename Body>
  void ForEachCase(const std::vector<std::string>& corpus, Body body) {
    const uint64_t base = fuzz::BaseSeed();
    for (int i = 0; i < fuzz::CaseCount(); ++i) {
      const uint64_t seed = base + static_cast<uint64_t>(i);
      fuzz::Mutator mutator(seed);
      const std::string input = mutator.Mutate(corpus);
      SCOPED_TRACE("case seed " + std::to_string(seed) +
                   " (HERD_FUZZ_SEED=" + std::to_string(seed) + " HERD_FUZZ_CASES=1)");
      body(input, mutator);
      if (::testing::Test::HasFailure()) return;
    }
  }

  fs::path dir_;
  std::unique_ptr<Paths> paths_;
};

TEST_F(ParserFuzz, LuxiMessagesGetAnswersNeverExceptions) {
  master::ConfigStore config(*paths_);
  jobs::JobQueue queue(
      paths_->QueueDir(),
      [](const json::object&, jobs::OpContext&) { return json::value(nullptr); }, 0);
  UnreachableNodes rpc;
  locking::LockManager locks;
  const Paths paths("", "localhost");
  master::LuxiMethods methods(paths, config, queue, rpc, locks);
  const std::vector<std::string> corpus = {
      R"({"method": "Query", "args": ["instance", ["name", "status"], null]})",
      R"({"method": "Query", "args": ["node", ["name"], ["=", "name", "node1"]]})",
      R"({"method": "QueryFields", "args": ["job", null]})",
      R"({"method": "QueryClusterInfo", "args": []})",
      R"({"method": "QueryConfigValues", "args": [["master_node", "drain_flag"]]})",
      R"({"method": "SubmitJob", "args": [[{"OP_ID": "OP_TEST_DELAY", "duration": 0}]]})",
      R"({"method": "SubmitManyJobs", "args": [[[{"OP_ID": "OP_TEST_DELAY"}]]]})",
      R"({"method": "QueryJobs", "args": [[1, 2], ["id", "status", "opresult"]]})",
      R"({"method": "WaitForJobChange", "args": [1, ["status"], null, -1, 0.01]})",
      R"({"method": "CancelJob", "args": [1]})",
      R"({"method": "ArchiveJob", "args": [1]})",
      R"({"method": "AutoArchiveJobs", "args": [0, 0.01]})",
      R"({"method": "SetDrainFlag", "args": [false]})",
      R"({"method": "QueryInstances", "args": [[], ["name"], false]})",
      R"({"method": "QueryNodes", "args": [["node1"], ["name", "mfree"], false]})",
      R"({"method": "QueryGroups", "args": [[], ["name"], false]})",
      R"({"method": "QueryTags", "args": ["cluster", ""]})",
      R"({"method": "SetWatcherPause", "args": [null]})",
  };
  int accepted = 0, refused = 0;
  ForEachCase(corpus, [&](const std::string& input, fuzz::Mutator&) {
    std::string reply;
    EXPECT_NO_THROW(
        reply = luxi::HandleMessage(input, [&](const std::string& method, const json::array& args) {
          return methods.Call(method, args);
        }));
    // The answer is Ganeti's {"success": ..., "result": ...} document.
    json::value parsed;
    EXPECT_NO_THROW(parsed = ParseJson(reply, "LUXI answer")) << reply;
    EXPECT_TRUE(parsed.is_object() && parsed.as_object().contains("success")) << reply;
    if (parsed.is_object()) {
      (parsed.as_object().at("success") == json::value(true) ? accepted : refused) += 1;
    }
  });
  // Mutations both keep some requests valid and break others.
  EXPECT_GT(accepted, 0);
  EXPECT_GT(refused, 0);
}

TEST_F(ParserFuzz, LuxiFramingSplitsAnyByteStream) {
  ForEachCase({"{\"method\": \"Query\"}\x03{\"a\": 1}\x03", "\x03\x03", "abc"},
              [&](const std::string& input, fuzz::Mutator& m) {
                luxi::MessageBuffer buffer;
                size_t fed = 0;
                while (fed < input.size()) {
                  const size_t n = 1 + m.Below(input.size() - fed);
                  buffer.Append(std::string_view(input).substr(fed, n));
                  fed += n;
                  while (buffer.Next()) {
                  }
                }
                EXPECT_LE(buffer.pending_bytes(), input.size());
              });
}

TEST_F(ParserFuzz, RapiRequestsGetHttpAnswersNeverExceptions) {
  MakeDirs(fs::path(paths_->RapiUsersFile()).parent_path().string());
  WriteFileAtomic(paths_->RapiUsersFile(), "admin secret write\nreader pw\n", 0600);
  rapi::RapiService service(*paths_);
  const std::vector<std::string> methods = {"GET", "PUT", "POST", "DELETE", "HEAD", "PATCH", "X"};
  const std::vector<std::string> corpus = {
      "/2/instances?bulk=1&fields=name,status",
      "/2/instances/web1/startup?dry-run=1&force=0",
      "/2/nodes/node1/role",
      "/2/jobs/12?fields=status",
      "/2/info",
      "/version",
      "/2/instances/web1/modify",
      "/2/groups/default?bulk=1",
      "/2/features",
      "/2/nodes/node1/evacuate?iallocator=hail&early_release=1",
  };
  const std::vector<std::string> bodies = {
      "",
      "{}",
      R"({"__version__": 1, "instance_name": "web1", "disk_template": "diskless"})",
      R"({"role": "master-candidate"})",
      "[1, 2]",
      "null",
      "{\"beparams\": {\"memory\": 512}}"};
  const std::vector<std::string> auths = {"", "Basic YWRtaW46c2VjcmV0", "Basic !!!",
                                          "Basic cmVhZGVyOnB3", "Bearer x"};
  std::set<int> statuses;
  ForEachCase(corpus, [&](const std::string& target, fuzz::Mutator& m) {
    net::HttpRequest request;
    request.method = methods[m.Below(methods.size())];
    request.target = target;
    request.body = m.Mutate(bodies);
    const std::string auth = auths[m.Below(auths.size())];
    if (!auth.empty()) request.headers["authorization"] = auth;
    if (m.Below(2)) request.headers["content-type"] = "application/json";
    net::HttpResponse response;
    EXPECT_NO_THROW(response = service.Handle(request));
    EXPECT_GE(response.status, 200);
    EXPECT_LT(response.status, 600);
    statuses.insert(response.status);
  });
  EXPECT_GE(statuses.size(), 3u);  // refusals of several kinds, and answers
}

TEST_F(ParserFuzz, NodeRpcRequestsGetAnswersNeverExceptions) {
  NodeHandlers handlers(*paths_, [] {});
  // Procedures that only read, or write inside the node's root.
  const std::vector<std::string> procedures = {"version",
                                               "node_info",
                                               "master_node_name",
                                               "instance_info",
                                               "all_instances_info",
                                               "instance_list",
                                               "node_verify",
                                               "write_ssconf_files",
                                               "upload_file",
                                               "jobqueue_update",
                                               "herd_jobqueue_replicate",
                                               "herd_config_journal_append",
                                               "blockdev_getdimensions",
                                               "no_such_procedure"};
  const std::vector<std::string> corpus = {
      "[]",
      "[[\"node1\"], [\"fake\"], false]",
      "[\"web1\", \"fake\"]",
      "[[\"fake\"]]",
      R"([{"version": null, "hypervisor": ["fake"], "filelist": ["/etc/hosts"]}, "cluster", {}])",
      R"([{"herd_replica": null}, "cluster", {}])",
      R"([{"cluster_name": "cluster\n", "master_node": "node1\n"}])",
      R"(["/var/lib/ganeti/rapi/users", [0, "admin x write\n"], 384, "root", "root", 0, 0])",
      R"(["/var/lib/ganeti/queue/job-7", [0, "{\"id\": 7}"]])",
      R"([[["job-3", "{\"id\": 3, \"ops\": []}", false]], false])",
      R"(["append", "{\"serial\": 9}\n"])",
      R"([[{"dev_type": "file", "size": 10}]])"};
  ForEachCase(corpus, [&](const std::string& body, fuzz::Mutator& m) {
    net::HttpRequest request;
    request.method = m.Below(10) == 0 ? "GET" : "POST";
    request.target = "/" + procedures[m.Below(procedures.size())];
    request.body = body;
    net::HttpResponse response;
    EXPECT_NO_THROW(response = handlers.Answer(request));
    if (response.status == 200) {
      json::value answer;
      EXPECT_NO_THROW(answer = ParseJson(response.body, "RPC answer"));
      EXPECT_TRUE(answer.is_array() && answer.as_array().size() == 2) << response.body;
    }
  });
}

// A config file or journal is either read or refused with Ganeti's error
// (ConfigurationError and kin), which masterd reports at start-up.
TEST_F(ParserFuzz, ConfigDataIsReadOrRefusedWithAGanetiError) {
  const std::vector<std::string> corpus = {
      ReadFile(paths_->ConfigFile()),
      ReadFile(reference::GanetiTestData("cluster_config_2.16.json")),
      ReadFile(reference::GanetiTestData("cluster_config_2.15.json"))};
  int read = 0, refused = 0;
  ForEachCase(corpus, [&](const std::string& text, fuzz::Mutator&) {
    try {
      objects::ConfigData data = objects::ConfigDataFromJson(ParseJson(text, "config.data"));
      (void)objects::ToJson(data);
      ++read;
    } catch (const GanetiError&) {
      ++refused;
    } catch (const std::exception& e) {
      ADD_FAILURE() << "non-Ganeti exception: " << e.what();
    }
  });
  EXPECT_GT(read, 0);
  EXPECT_GT(refused, 0);
}

TEST_F(ParserFuzz, ConfigJournalIsReadOrRefusedWithAGanetiError) {
  {
    master::ConfigStore store(*paths_);
    store.Update([](master::ConfigTxn& t) { t.MutableCluster().tags.push_back("a"); },
                 master::CommitTag{3, 0});
    store.Update([](master::ConfigTxn& t) { t.AddNode(testconfig::GroupNode("n2")); });
    store.Update([](master::ConfigTxn& t) { t.MutableNode("n2").drained = true; });
    store.Update([](master::ConfigTxn& t) { t.RemoveNode("n2"); }, master::CommitTag{4, 1, true});
  }
  const std::string journal = ReadFile(paths_->ConfigJournal());
  const std::string snapshot = ReadFile(paths_->ConfigFile());
  ForEachCase({journal}, [&](const std::string& text, fuzz::Mutator&) {
    WriteFileAtomic(paths_->ConfigFile(), snapshot, 0600);
    WriteFileAtomic(paths_->ConfigJournal(), text, 0600);
    try {
      master::ConfigStore store(*paths_);
    } catch (const GanetiError&) {
    } catch (const std::exception& e) {
      ADD_FAILURE() << "non-Ganeti exception: " << e.what();
    }
  });
}

TEST_F(ParserFuzz, RapiUsersFileNeverThrows) {
  const std::vector<std::string> corpus = {
      "# users\nadmin secret write\nreader {HA1}0123456789abcdef0123456789abcdef\n",
      "user pw read,write\n\n  spaced   pw2  \n", "{CLEARTEXT}x y z\n"};
  ForEachCase(corpus, [&](const std::string& text, fuzz::Mutator&) {
    EXPECT_NO_THROW({
      auto users = rapi::ParseUsersFile(text);
      for (const auto& [name, user] : users) (void)rapi::CheckPassword(user, "secret");
    });
  });
}

}  // namespace
}  // namespace herd
