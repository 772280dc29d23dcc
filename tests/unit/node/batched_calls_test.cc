// herd_batch end to end in one process: the master's CallBatchParallel, the
// node daemon's handler behind it, and which calls get a thread of their own.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "base/errors.h"
#include "node/long_calls.h"
#include "node/node_handlers.h"
#include "rpc/node_rpc_client.h"
#include "temp_cluster_dir.h"

namespace herd {
namespace {
namespace json = boost::json;
namespace procedures = rpc::procedures;

// Node RPC answered in-process by a node daemon's handlers, as over HTTP;
// node "down" is unreachable. Records the procedures called.
class LoopbackRpc : public rpc::NodeRpcClient {
 public:
  explicit LoopbackRpc(const NodeHandlers& handlers) : handlers_(handlers) {}

  std::vector<rpc::RpcResult> CallParallel(const std::vector<rpc::NodeAddress>& nodes,
                                           const rpc::Procedure& procedure,
                                           const json::array& args) override {
    called.push_back(procedure);
    std::vector<rpc::RpcResult> results;
    for (const auto& node : nodes) {
      rpc::RpcResult r;
      r.node = node.name;
      if (node.name == "down") {
        r.error = "connection refused";
      } else {
        const auto response = handlers_.Answer(
            {"POST", "/" + std::string(procedure.name), json::serialize(args), {}, ""});
        const auto answer = json::parse(response.body).as_array();
        r.ok = answer[0].as_bool();
        if (r.ok) {
          r.payload = answer[1];
        } else {
          r.error = answer[1].as_string();
        }
      }
      results.push_back(std::move(r));
    }
    return results;
  }

  std::vector<rpc::Procedure> called;

 private:
  const NodeHandlers& handlers_;
};

class BatchedCallsTest : public ::testing::Test {
 protected:
  void TearDown() override { std::filesystem::remove_all(root_); }

  void Os(const std::string& name) {
    const std::string dir = paths_.Prefixed("/srv/ganeti/os/" + name);
    std::filesystem::create_directories(dir);
    std::ofstream(dir + "/ganeti_api_version") << "20\n";
    for (const char* script : {"create", "export", "import", "rename", "verify"}) {
      std::ofstream(dir + "/" + script) << "#!/bin/sh\nexit 0\n";
      ::chmod((dir + "/" + script).c_str(), 0755);
    }
    std::ofstream(dir + "/parameters.list") << "size the size\n";
  }

  std::string root_ = testing_support::NewClusterDir("herd-batch", "node1");
  Paths paths_{root_ + "/node1", "node1"};
};

TEST_F(BatchedCallsTest, EachCallIsAnsweredAsItWouldBeAlone) {
  NodeHandlers daemon(paths_, [] {});
  LoopbackRpc rpc(daemon);
  const auto results = rpc.CallBatchParallel(
      {{"node1", "127.0.0.1"}}, {{procedures::kVersion, {}},
                                 {procedures::kOsValidate, {"missing-os", json::object{}}},
                                 {{"no_such_procedure", rpc::kTimeoutUrgent}, {}}});
  ASSERT_EQ(results.size(), 1u);
  ASSERT_EQ(results[0].size(), 3u);
  EXPECT_TRUE(results[0][0].ok);
  EXPECT_EQ(results[0][0].payload, daemon.Dispatch("version", {}));
  EXPECT_EQ(results[0][0].node, "node1");
  EXPECT_FALSE(results[0][1].ok);
  EXPECT_NE(results[0][1].error.find("missing-os"), std::string::npos) << results[0][1].error;
  EXPECT_FALSE(results[0][2].ok);
  EXPECT_NE(results[0][2].error.find("no_such_procedure"), std::string::npos);
  // One request, bounded by its longest call's timeout.
  ASSERT_EQ(rpc.called.size(), 1u);
  EXPECT_EQ(rpc.called[0].name, procedures::kHerdBatch.name);
  EXPECT_EQ(rpc.called[0].timeout_seconds, procedures::kOsValidate.timeout_seconds);
}

// Files uploaded again with the same contents and mode are left as they
// are (a redistribution to every node costs no writes); any difference
// replaces them.
TEST_F(BatchedCallsTest, AnUploadOfAFileTheNodeHoldsLeavesItAlone) {
  NodeHandlers daemon(paths_, [] {});
  const std::string file = paths_.ClusterDomainSecretFile();
  std::filesystem::create_directories(std::filesystem::path(file).parent_path());
  auto upload = [&](const std::string& text, int mode) {
    daemon.Dispatch("upload_file", {json::value(file), json::array{0, json::value(text)}, mode});
  };
  auto inode = [&] {
    struct stat st {};
    EXPECT_EQ(::stat(file.c_str(), &st), 0);
    return std::pair{st.st_ino, st.st_mode & 07777};
  };
  upload("secret\n", 0600);
  const auto first = inode();
  EXPECT_EQ(first.second, 0600u);
  upload("secret\n", 0600);
  EXPECT_EQ(inode(), first);  // not replaced
  upload("secret\n", 0640);
  EXPECT_NE(inode().first, first.first);
  EXPECT_EQ(inode().second, 0640u);
  const auto second = inode();
  upload("other\n", 0640);
  EXPECT_NE(inode().first, second.first);
  std::ifstream in(file);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "other\n");
}

TEST_F(BatchedCallsTest, AnUnreachableNodeFailsEachOfItsCalls) {
  NodeHandlers daemon(paths_, [] {});
  LoopbackRpc rpc(daemon);
  const auto results =
      rpc.CallBatchParallel({{"node1", "127.0.0.1"}, {"down", "127.0.0.2"}},
                            {{procedures::kVersion, {}}, {procedures::kVersion, {}}});
  ASSERT_EQ(results.size(), 2u);
  EXPECT_TRUE(results[0][0].ok && results[0][1].ok);
  for (const auto& r : results[1]) {
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.node, "down");
    EXPECT_EQ(r.error, "connection refused");
  }
}

TEST_F(BatchedCallsTest, MalformedOrNestedBatchesAreRefusedWhole) {
  NodeHandlers daemon(paths_, [] {});
  EXPECT_THROW(daemon.Dispatch("herd_batch", {json::array{json::array{"herd_batch", {}}}}),
               GanetiError);
  EXPECT_THROW(daemon.Dispatch("herd_batch", {json::array{json::array{"version"}}}), GanetiError);
  EXPECT_THROW(daemon.Dispatch("herd_batch", {json::array{"version"}}), GanetiError);
  // A batch's answer that lacks a call fails that call only.
  rpc::RpcResult whole;
  whole.node = "node1";
  whole.ok = true;
  json::value short_answer = json::array{};
  const auto missing = rpc::BatchAnswerResult(whole, nullptr, "herd_batch");
  EXPECT_FALSE(missing.ok);
  EXPECT_EQ(missing.error, "malformed answer to herd_batch");
  json::value failed = json::array{false, "no memory"};
  EXPECT_EQ(rpc::BatchAnswerResult(whole, &failed, "herd_batch").error, "no memory");
  EXPECT_EQ(rpc::BatchAnswerResult(whole, &short_answer, "herd_batch").error,
            "malformed answer to herd_batch");
}

TEST_F(BatchedCallsTest, OnlyCallsThatRunScriptsGetAThreadOfTheirOwn) {
  Os("plain");
  const auto runs_long = [&](const std::string& procedure, const std::string& body) {
    return RequestRunsLong(paths_, "/" + procedure, body);
  };
  EXPECT_FALSE(runs_long("version", "[]"));
  EXPECT_TRUE(runs_long("instance_os_add", "not even JSON"));
  // os_validate runs the verify script only for OS parameters.
  EXPECT_FALSE(runs_long("os_validate", R"(["plain", {}])"));
  EXPECT_TRUE(runs_long("os_validate", R"(["plain", {"size": "1"}])"));
  EXPECT_FALSE(runs_long("os_validate", "not JSON"));  // refused at once
  // Hooks without scripts are answered at once.
  EXPECT_FALSE(runs_long("hooks_runner", R"(["instance-add", "pre", {}])"));
  // A batch is long if any of its calls is; a nested batch is refused, not run.
  EXPECT_FALSE(runs_long("herd_batch", R"([[["os_validate", ["plain", {}]], ["node_info", []]]])"));
  EXPECT_TRUE(
      runs_long("herd_batch", R"([[["version", []], ["os_validate", ["plain", {"a": 1}]]]])"));
  EXPECT_TRUE(runs_long("herd_batch", R"([[["instance_os_add", []]]])"));
  EXPECT_FALSE(runs_long("herd_batch", R"([[["herd_batch", [[["instance_os_add", []]]]]]])"));
  EXPECT_FALSE(runs_long("herd_batch", R"([{"not": "a list"}])"));
}

TEST_F(BatchedCallsTest, OsParametersAreStillVerifiedByTheScript) {
  Os("plain");
  const std::string verify = paths_.Prefixed("/srv/ganeti/os/plain/verify");
  std::ofstream(verify)
      << "#!/bin/sh\n[ \"$OSP_SIZE\" = big ] || { echo \"bad size $OSP_SIZE\"; exit 1; }\n";
  NodeHandlers daemon(paths_, [] {});
  EXPECT_EQ(daemon.Dispatch("os_validate", {"plain", json::object{{"size", "big"}}}), true);
  try {
    daemon.Dispatch("os_validate", {"plain", json::object{{"size", "small"}}});
    FAIL() << "the verify script refused the parameters";
  } catch (const GanetiError& e) {
    EXPECT_NE(std::string(e.what()).find("bad size small"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace herd
