#include "master/hooks_fanout.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace herd::master {
namespace {
namespace json = boost::json;

// Answers hooks_runner with [[hpath, phase, NODE_NAME]] and the batch as
// the node daemon does; node "bad" is unreachable. The first call waits
// until released, so that phases pile up behind it.
class FakeRpc : public rpc::NodeRpcClient {
 public:
  std::vector<rpc::RpcResult> CallParallel(const std::vector<rpc::NodeAddress>& nodes,
                                           const rpc::Procedure& procedure,
                                           const json::array& args) override {
    {
      std::unique_lock lock(mu);
      calls.push_back({std::string(procedure.name), args, nodes.size()});
      if (calls.size() == 1) {
        first_call_started = true;
        cv.notify_all();
        cv.wait(lock, [&] { return released; });
      }
    }
    std::vector<rpc::RpcResult> results;
    for (const auto& node : nodes) {
      rpc::RpcResult r;
      r.node = node.name;
      if (node.name == "bad") {
        r.error = "connection refused";
      } else if (procedure.name == rpc::procedures::kHooksRunner.name) {
        r.ok = true;
        r.payload = Answer(args);
      } else {
        r.ok = true;
        json::array answers;
        for (const auto& call : args.at(1).as_array()) {
          json::array full = call.as_array();
          json::object env = args.at(0).as_object();
          for (const auto& [k, v] : full.at(2).as_object()) env[k] = v;
          full[2] = env;
          answers.push_back(json::array{true, Answer(full)});
        }
        r.payload = answers;
      }
      results.push_back(r);
    }
    return results;
  }

  static json::value Answer(const json::array& call) {
    return json::array{json::array{call.at(0), call.at(1), call.at(2).as_object().at("NODE_NAME"),
                                   call.at(2).as_object().at("CLUSTER")}};
  }

  struct Call {
    std::string procedure;
    json::array args;
    size_t nodes;
  };
  std::mutex mu;
  std::condition_variable cv;
  bool first_call_started = false, released = false;
  std::vector<Call> calls;
};

json::array Phase(const std::string& phase, const std::string& node) {
  return json::array{"node-add", phase, json::object{{"NODE_NAME", node}, {"CLUSTER", "c1"}}};
}

std::vector<rpc::NodeAddress> Nodes(std::initializer_list<const char*> names) {
  std::vector<rpc::NodeAddress> out;
  for (const char* n : names) out.push_back({n, "127.0.0.1", 1811});
  return out;
}

TEST(HooksFanout, ALonePhaseIsOneHooksRunnerCall) {
  FakeRpc rpc;
  rpc.released = true;
  HooksFanout fanout(rpc);
  auto results = fanout.Run(Nodes({"a", "b"}), Phase("pre", "n1"));
  ASSERT_EQ(results.size(), 2u);
  EXPECT_TRUE(results[0].ok);
  EXPECT_EQ(json::serialize(results[1].payload), R"([["node-add","pre","n1","c1"]])");
  ASSERT_EQ(rpc.calls.size(), 1u);
  EXPECT_EQ(rpc.calls[0].procedure, "hooks_runner");
}

TEST(HooksFanout, PhasesWaitingTogetherGoInOneCallPerNodeWithTheirOwnResults) {
  FakeRpc rpc;
  HooksFanout fanout(rpc);
  std::vector<rpc::RpcResult> first, second, third;
  std::thread t1([&] { first = fanout.Run(Nodes({"a"}), Phase("pre", "n1")); });
  {
    std::unique_lock lock(rpc.mu);
    rpc.cv.wait(lock, [&] { return rpc.first_call_started; });
  }
  std::thread t2([&] { second = fanout.Run(Nodes({"a", "b", "bad"}), Phase("pre", "n2")); });
  std::thread t3([&] { third = fanout.Run(Nodes({"a", "b", "new3"}), Phase("post", "n3")); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // both are waiting
  {
    std::lock_guard lock(rpc.mu);
    rpc.released = true;
  }
  rpc.cv.notify_all();
  t1.join();
  t2.join();
  t3.join();

  ASSERT_EQ(second.size(), 3u);
  EXPECT_EQ(json::serialize(second[0].payload), R"([["node-add","pre","n2","c1"]])");
  EXPECT_EQ(json::serialize(second[1].payload), R"([["node-add","pre","n2","c1"]])");
  EXPECT_FALSE(second[2].ok);
  EXPECT_EQ(second[2].error, "connection refused");
  EXPECT_EQ(second[2].node, "bad");
  ASSERT_EQ(third.size(), 3u);
  for (const auto& r : third) {
    EXPECT_TRUE(r.ok) << r.node;
    EXPECT_EQ(json::serialize(r.payload), R"([["node-add","post","n3","c1"]])") << r.node;
  }
  EXPECT_EQ(third[2].node, "new3");

  // One batch for a and b (both phases, the shared variables once), one
  // call each for the nodes with a single phase.
  ASSERT_EQ(rpc.calls.size(), 4u);
  int batches = 0;
  for (const auto& call : rpc.calls) {
    if (call.procedure != "herd_hooks_runner_batch") continue;
    ++batches;
    EXPECT_EQ(call.nodes, 2u);
    EXPECT_EQ(json::serialize(call.args.at(0)), R"({"CLUSTER":"c1"})");
    // In the order the two phases arrived, which the threads decide.
    std::vector<std::string> phases;
    for (const auto& phase : call.args.at(1).as_array()) phases.push_back(json::serialize(phase));
    std::sort(phases.begin(), phases.end());
    EXPECT_EQ(phases, (std::vector<std::string>{R"(["node-add","post",{"NODE_NAME":"n3"}])",
                                                R"(["node-add","pre",{"NODE_NAME":"n2"}])"}));
  }
  EXPECT_EQ(batches, 1);
}

}  // namespace
}  // namespace herd::master
