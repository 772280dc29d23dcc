// A real UDP server on loopback: answers signed requests, drops bad ones and
// keeps serving.
#include "confd/udp_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <ctime>
#include <filesystem>
#include <thread>

#include "base/files.h"
#include "confd/config_follower.h"
#include "confd/envelope.h"
#include "confd/reply.h"
#include "master/config/config_store.h"
#include "test_config.h"

namespace herd::confd {
namespace {

namespace fs = std::filesystem;
const std::string kKey = "00112233445566778899aabbccddeeff00112233\n";

class ConfdUdpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() / ("herd-confd-udp-" + std::to_string(::getpid()));
    fs::remove_all(base_);
    paths_ = std::make_unique<Paths>((base_ / "node1").string(), "node1");
    MakeDirs(paths_->DataDir());
    master::ConfigStore::WriteInitial(*paths_, testconfig::OneNodeCluster());
    follower_ = std::make_unique<ConfigFollower>(*paths_);
    UdpServerOptions options;
    options.address = "127.0.0.1";
    options.hmac_key = kKey;
    server_ = std::make_unique<UdpServer>(options, *follower_);
    server_->Bind();
    thread_ = std::thread([this] { server_->Run(false); });
    client_ = ::socket(AF_INET, SOCK_DGRAM, 0);
    timeval timeout{0, 300000};
    ::setsockopt(client_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  }
  void TearDown() override {
    server_->Stop();
    thread_.join();
    ::close(client_);
    fs::remove_all(base_);
  }

  // The reply datagram, or "" when none came.
  std::string Exchange(const std::string& datagram) {
    return ExchangeWith(server_->bound_port(), datagram);
  }
  std::string ExchangeWith(uint16_t port, const std::string& datagram) {
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::sendto(client_, datagram.data(), datagram.size(), 0, reinterpret_cast<sockaddr*>(&to),
             sizeof(to));
    std::string buffer(65536, '\0');
    ssize_t n = ::recv(client_, buffer.data(), buffer.size(), 0);
    return n > 0 ? buffer.substr(0, n) : "";
  }
  static std::string Request(int type, const std::string& query_json, int64_t salt,
                             const std::string& key = kKey) {
    const std::string msg = R"({"protocol":1,"type":)" + std::to_string(type) + R"(,"query":)" +
                            query_json + R"(,"rsalt":"salt-1"})";
    return Seal(key, std::to_string(salt), msg);
  }
  static Reply Decode(const std::string& datagram) {
    auto envelope = Open(datagram, kKey, nullptr);
    EXPECT_TRUE(envelope);
    EXPECT_EQ(envelope->salt, "salt-1");  // the request's rsalt
    auto reply = ParseReplyMessage(envelope->msg);
    EXPECT_TRUE(reply);
    return *reply;
  }

  fs::path base_;
  std::unique_ptr<Paths> paths_;
  std::unique_ptr<ConfigFollower> follower_;
  std::unique_ptr<UdpServer> server_;
  std::thread thread_;
  int client_ = -1;
};

TEST_F(ConfdUdpServerTest, AnswersSignedRequests) {
  const int64_t now = std::time(nullptr);
  Reply ping = Decode(Exchange(Request(0, "null", now)));
  EXPECT_EQ(ping.status, ReplyStatus::kOk);
  EXPECT_EQ(ping.answer, boost::json::value(3000000));
  Reply master = Decode(Exchange(Request(3, "null", now)));
  EXPECT_EQ(master.answer, boost::json::value("node1"));
  Reply role = Decode(Exchange(Request(1, "\"node1\"", now)));
  EXPECT_EQ(role.answer, boost::json::value(0));
}

// gnt-cluster renew-crypto --new-confd-hmac-key replaces the key file: the
// running server answers the new key and no longer the old one.
TEST_F(ConfdUdpServerTest, FollowsARenewedKeyFile) {
  WriteFileAtomic(paths_->ConfdHmacKey(), kKey, 0400);
  UdpServerOptions options;
  options.address = "127.0.0.1";
  options.hmac_key = kKey;
  options.hmac_key_file = paths_->ConfdHmacKey();
  options.config_poll_interval = std::chrono::milliseconds(20);
  UdpServer server(options, *follower_);
  server.Bind();
  std::thread thread([&server] { server.Run(false); });
  const int64_t now = std::time(nullptr);
  EXPECT_NE(ExchangeWith(server.bound_port(), Request(0, "null", now)), "");
  const std::string renewed = "ffeeddccbbaa99887766554433221100ffeeddcc\n";
  WriteFileAtomic(paths_->ConfdHmacKey(), renewed, 0400);
  std::string answer;
  for (int i = 0; i < 50 && answer.empty(); ++i) {
    answer = ExchangeWith(server.bound_port(), Request(0, "null", now, renewed));
  }
  EXPECT_NE(answer, "");
  EXPECT_TRUE(Open(answer, renewed, nullptr));
  EXPECT_EQ(ExchangeWith(server.bound_port(), Request(0, "null", now)), "");
  server.Stop();
  thread.join();
}

TEST_F(ConfdUdpServerTest, DropsBadDatagramsAndKeepsServing) {
  const int64_t now = std::time(nullptr);
  EXPECT_EQ(Exchange(Request(0, "null", now, "wrong key\n")), "");
  EXPECT_EQ(Exchange(Request(0, "null", now - 3600)), "");
  EXPECT_EQ(Exchange(Request(0, "null", now + 3600)), "");
  EXPECT_EQ(Exchange(Request(99, "null", now)), "");
  EXPECT_EQ(Exchange("plj0{"), "");
  EXPECT_EQ(Exchange("hello"), "");
  // Longer than the 4096 bytes Ganeti's server reads: dropped.
  EXPECT_EQ(Exchange(Request(1, "\"" + std::string(5000, 'x') + "\"", now)), "");
  Reply ping = Decode(Exchange(Request(0, "null", now)));
  EXPECT_EQ(ping.status, ReplyStatus::kOk);
}

TEST_F(ConfdUdpServerTest, WithoutConfigurationAnswersErrors) {
  RemoveFile(paths_->ConfigFile());
  std::this_thread::sleep_for(std::chrono::milliseconds(400));  // two polls
  Reply reply = Decode(Exchange(Request(3, "null", std::time(nullptr))));
  EXPECT_EQ(reply.status, ReplyStatus::kError);
  EXPECT_TRUE(reply.answer.is_string());
  EXPECT_EQ(reply.serial, 0);
}

}  // namespace
}  // namespace herd::confd
