// The confd client against real confd UDP servers in this process: majority
// answers, a dead candidate, disagreeing candidates, wrong keys, coverage,
// and a node's own settings (ssconf peers, hmac.key, CONFD_ARGS port).
#include "confd/client.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <thread>

#include "base/errors.h"
#include "base/files.h"
#include "confd/config_follower.h"
#include "confd/daemon_options.h"
#include "confd/udp_server.h"
#include "master/config/config_store.h"
#include "test_config.h"

namespace herd::confd {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
const std::string kKey = "00112233445566778899aabbccddeeff00112233\n";

// One candidate: its node root, config.data and a confd server on loopback.
struct Candidate {
  std::unique_ptr<Paths> paths;
  std::unique_ptr<ConfigFollower> follower;
  std::unique_ptr<UdpServer> server;
  std::thread thread;
  bool running = false;

  void Start(const fs::path& root, const std::string& name, const objects::ConfigData& data) {
    paths = std::make_unique<Paths>(root.string(), name);
    MakeDirs(paths->DataDir());
    master::ConfigStore::WriteInitial(*paths, data);
    follower = std::make_unique<ConfigFollower>(*paths);
    UdpServerOptions options;
    options.address = "127.0.0.1";
    options.hmac_key = kKey;
    server = std::make_unique<UdpServer>(options, *follower);
    server->Bind();
    thread = std::thread([this] { server->Run(false); });
    running = true;
  }
  void Stop() {
    if (!running) return;
    server->Stop();
    thread.join();
    running = false;
  }
  uint16_t port() const { return server->bound_port(); }
};

class ConfdClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() / ("herd-confd-client-" + std::to_string(::getpid()));
    fs::remove_all(base_);
  }
  void TearDown() override {
    for (auto& c : candidates_) c.Stop();
    fs::remove_all(base_);
  }

  // `count` candidates serving `data` (or what `edit` makes of it per index).
  void StartCandidates(int count,
                       const std::function<void(int, objects::ConfigData&)>& edit = nullptr) {
    candidates_.resize(static_cast<size_t>(count));
    for (int i = 0; i < count; ++i) {
      objects::ConfigData data = testconfig::OneNodeCluster();
      data.cluster.serial_no = 5;
      if (edit) edit(i, data);
      const std::string name = "node" + std::to_string(i + 1);
      candidates_[static_cast<size_t>(i)].Start(base_ / name, name, data);
    }
  }
  ConfdClientOptions Options(std::chrono::milliseconds timeout = std::chrono::seconds(5)) const {
    ConfdClientOptions options;
    for (const auto& c : candidates_) options.peers.push_back({"127.0.0.1", c.port()});
    options.hmac_key = kKey;
    options.timeout = timeout;
    return options;
  }

  fs::path base_;
  std::vector<Candidate> candidates_;
};

TEST(ConfdNeededReplies, AsGanetiCounts) {
  const std::vector<size_t> expected{0, 1, 2, 2, 3, 3, 4, 4, 5};
  for (size_t asked = 0; asked < expected.size(); ++asked) {
    EXPECT_EQ(NeededReplies(asked), expected[asked]) << asked;
  }
}

TEST_F(ConfdClientTest, EveryCandidateAgrees) {
  StartCandidates(3);
  ConfdClient client(Options());
  ConfdOutcome ping = client.Ask(RequestType::kPing, {}, -1);
  EXPECT_EQ(ping.asked, 3u);
  ASSERT_TRUE(ping.answer);
  EXPECT_TRUE(ping.agreed);
  EXPECT_TRUE(ping.consistent);
  EXPECT_FALSE(ping.timed_out);
  EXPECT_GE(ping.replies.size(), 2u);
  EXPECT_EQ(ping.answer->status, ReplyStatus::kOk);
  EXPECT_EQ(ping.answer->answer, json::value(3000000));

  ConfdOutcome master = client.Ask(RequestType::kClusterMaster, {}, -1);
  ASSERT_TRUE(master.answer);
  EXPECT_EQ(master.answer->answer, json::value("node1"));
  EXPECT_EQ(master.answer->serial, 5);

  ConfdOutcome role = client.Ask(RequestType::kNodeRoleByName, TextQuery("node1"));
  ASSERT_TRUE(role.answer);
  EXPECT_EQ(role.answer->answer, json::value(static_cast<int>(NodeRole::kMaster)));
  ConfdOutcome drbd = client.Ask(RequestType::kNodeDrbd, TextQuery("node1"));
  ASSERT_TRUE(drbd.answer);
  EXPECT_EQ(drbd.answer->status, ReplyStatus::kOk);
  EXPECT_EQ(drbd.answer->answer, json::array());
}

TEST_F(ConfdClientTest, AMajorityIsEnoughWhenACandidateIsDown) {
  StartCandidates(3);
  candidates_[1].Stop();
  ConfdClient client(Options(std::chrono::seconds(5)));
  const auto start = std::chrono::steady_clock::now();
  ConfdOutcome outcome = client.Ask(RequestType::kClusterMaster, {}, -1);
  // Two of three agree: no waiting for the dead one.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(4));
  EXPECT_EQ(outcome.asked, 3u);
  EXPECT_EQ(outcome.replies.size(), 2u);
  EXPECT_TRUE(outcome.agreed);
  EXPECT_FALSE(outcome.timed_out);
  ASSERT_TRUE(outcome.answer);
  EXPECT_EQ(outcome.answer->answer, json::value("node1"));
}

TEST_F(ConfdClientTest, TooFewAnswersTimeOut) {
  StartCandidates(3);
  candidates_[0].Stop();
  candidates_[2].Stop();
  ConfdClient client(Options(std::chrono::milliseconds(300)));
  ConfdOutcome outcome = client.Ask(RequestType::kPing, {}, -1);
  EXPECT_EQ(outcome.replies.size(), 1u);
  EXPECT_TRUE(outcome.timed_out);
  EXPECT_FALSE(outcome.agreed);
  ASSERT_TRUE(outcome.answer);  // what came is still shown
}

TEST(ConfdConsolidate, TheNewestSerialWinsOverAnOlderMajority) {
  auto reply = [](const char* answer, int64_t serial) {
    return PeerReply{{"127.0.0.1", 1}, Reply{ReplyStatus::kOk, json::value(answer), serial}};
  };
  Consolidated c = Consolidate({reply("old", 5), reply("new", 9), reply("old", 5)});
  ASSERT_TRUE(c.answer);
  EXPECT_EQ(c.answer->answer, json::value("new"));
  EXPECT_EQ(c.agreeing, 1u);
  EXPECT_TRUE(c.consistent);  // older serials may differ
  c = Consolidate({reply("a", 5), reply("b", 5), reply("b", 5)});
  EXPECT_EQ(c.answer->answer, json::value("b"));
  EXPECT_EQ(c.agreeing, 2u);
  EXPECT_FALSE(c.consistent);
  EXPECT_FALSE(Consolidate({}).answer);
}

TEST_F(ConfdClientTest, TheNewestSerialWins) {
  // Two candidates already have a newer configuration, one lags behind.
  StartCandidates(3, [](int i, objects::ConfigData& data) {
    if (i == 0) return;
    data.cluster.serial_no = 9;
    data.cluster.cluster_name = "renamed";
  });
  ConfdClient client(Options());
  ConfdOutcome outcome =
      client.Ask(RequestType::kConfigQuery, TextQuery("/cluster/cluster_name"), -1);
  ASSERT_TRUE(outcome.answer);
  EXPECT_EQ(outcome.answer->answer, json::value("renamed"));
  EXPECT_EQ(outcome.answer->serial, 9);
  EXPECT_TRUE(outcome.consistent);
  EXPECT_TRUE(outcome.agreed);
}

TEST_F(ConfdClientTest, SameSerialDifferentAnswersAreInconsistent) {
  StartCandidates(3, [](int i, objects::ConfigData& data) {
    data.cluster.cluster_name = "cluster" + std::to_string(i);
  });
  ConfdClient client(Options());
  ConfdOutcome outcome =
      client.Ask(RequestType::kConfigQuery, TextQuery("/cluster/cluster_name"), -1);
  EXPECT_EQ(outcome.replies.size(), 3u);  // no two agree: everyone is waited for
  EXPECT_FALSE(outcome.consistent);
  EXPECT_FALSE(outcome.agreed);
  EXPECT_FALSE(outcome.timed_out);
  ASSERT_TRUE(outcome.answer);
  EXPECT_EQ(outcome.answer->answer, outcome.replies.front().reply.answer);
}

TEST_F(ConfdClientTest, AWrongKeyGetsNoAnswer) {
  StartCandidates(1);
  ConfdClientOptions options = Options(std::chrono::milliseconds(300));
  options.hmac_key = "not the key\n";
  ConfdOutcome outcome = ConfdClient(options).Ask(RequestType::kPing, {});
  EXPECT_TRUE(outcome.replies.empty());
  EXPECT_TRUE(outcome.timed_out);
  EXPECT_FALSE(outcome.answer);
}

TEST_F(ConfdClientTest, CoverageAndPeersAreChecked) {
  StartCandidates(2);
  ConfdClient client(Options());
  EXPECT_EQ(client.Ask(RequestType::kPing, {}, 1).asked, 1u);
  EXPECT_EQ(client.Ask(RequestType::kPing, {}, 0).asked, 2u);
  EXPECT_THROW(client.Ask(RequestType::kPing, {}, 3), GanetiError);
  EXPECT_THROW(ConfdClient(ConfdClientOptions{}), GanetiError);
  ConfdClientOptions mixed = Options();
  mixed.peers.push_back({"::1", 1814});
  EXPECT_THROW(ConfdClient{mixed}, GanetiError);
  ConfdClientOptions named = Options();
  named.peers.push_back({"node1", 1814});
  EXPECT_THROW(ConfdClient{named}, GanetiError);
}

TEST_F(ConfdClientTest, ANodesClientUsesItsSsconfKeyAndConfdPort) {
  StartCandidates(1);
  const Paths& node = *candidates_[0].paths;
  EXPECT_THROW(ConfdClient::ForNode(node), GanetiError);  // no ssconf yet
  WriteFileAtomic(node.SsconfFile("master_candidates_ips"), "127.0.0.1\n");
  WriteFileAtomic(node.ConfdHmacKey(), kKey, 0400);
  EXPECT_EQ(ConfdPortOfNode(node), DefaultConfdPort());
  MakeDirs(node.Prefixed("/etc/default"));
  WriteFileAtomic(node.Prefixed("/etc/default/ganeti"),
                  "# per-node daemon options\nCONFD_ARGS=\"-b 127.0.0.1 -p " +
                      std::to_string(candidates_[0].port()) + "\"\n");
  EXPECT_EQ(ConfdPortOfNode(node), candidates_[0].port());
  ConfdClient client = ConfdClient::ForNode(node);
  ASSERT_EQ(client.peers().size(), 1u);
  EXPECT_EQ(client.peers()[0], (ConfdPeer{"127.0.0.1", candidates_[0].port()}));
  ConfdOutcome outcome = client.Ask(RequestType::kNodePipList, {});
  EXPECT_TRUE(outcome.agreed);
  ASSERT_TRUE(outcome.answer);
  EXPECT_EQ(outcome.answer->answer, json::array{"127.0.0.2"});

  WriteFileAtomic(node.Prefixed("/etc/default/ganeti"), "CONFD_ARGS=\"--port nonsense\"\n");
  EXPECT_THROW(ConfdPortOfNode(node), GanetiError);
}

}  // namespace
}  // namespace herd::confd
