// The HTTPS client against a real server on loopback: kept-alive connections
// within the idle budget and idle times, resumed TLS sessions beyond them,
// request headers and shared bodies.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "net/https_client.h"
#include "net/https_server.h"
#include "net/tls.h"

namespace herd::net {
namespace {

constexpr std::chrono::milliseconds kTimeout{5000};

// A server requiring the shared certificate; it answers with the request's
// body and its Authorization header.
class TestServer {
 public:
  explicit TestServer(const std::string& pem,
                      std::chrono::seconds idle_timeout = std::chrono::seconds(120)) {
    HttpsServerOptions options;
    options.address = "127.0.0.1";
    options.idle_timeout = idle_timeout;
    options.pem_file = pem;
    options.require_client_certificate = true;
    server_ = std::make_unique<HttpsServer>(options, [](const HttpRequest& r) {
      HttpResponse out;
      if (r.target == "/slow") std::this_thread::sleep_for(std::chrono::milliseconds(500));
      auto auth = r.headers.find("authorization");
      out.body = r.body + "|" + (auth == r.headers.end() ? "" : auth->second);
      return out;
    });
    server_->Bind();
    thread_ = std::thread([this] { server_->Run(); });
  }
  ~TestServer() {
    server_->Stop();
    thread_.join();
  }
  uint16_t port() const { return server_->bound_port(); }

 private:
  std::unique_ptr<HttpsServer> server_;
  std::thread thread_;
};

class HttpsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("herd-https-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    pem_ = (dir_ / "server.pem").string();
    GenerateSelfSignedCertificate(pem_, "test");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static OutgoingRequest Post(uint16_t port, std::string body) {
    return {
        "127.0.0.1", port, "POST", "/echo", std::make_shared<const std::string>(std::move(body)),
        {}};
  }

  std::filesystem::path dir_;
  std::string pem_;
};

TEST_F(HttpsTest, KeptAliveConnectionIsReused) {
  TestServer server(pem_);
  HttpsClient client(pem_, pem_, 4);
  auto first = client.Request(Post(server.port(), "a"), kTimeout);
  ASSERT_TRUE(first.transport_ok) << first.error;
  EXPECT_EQ(first.connection, ConnectionKind::kFull);
  EXPECT_EQ(first.body, "a|");
  auto second = client.Request(Post(server.port(), "b"), kTimeout);
  ASSERT_TRUE(second.transport_ok) << second.error;
  EXPECT_EQ(second.connection, ConnectionKind::kPooled);
  EXPECT_EQ(second.body, "b|");
}

// Bodies spanning many TLS records and reads, both ways, on one connection
// that stays usable after them.
TEST_F(HttpsTest, LargeBodiesArriveWholeAndTheConnectionIsKept) {
  TestServer server(pem_);
  HttpsClient client(pem_, pem_, 4);
  std::string big(3 * 1024 * 1024 + 7, 'x');
  for (size_t i = 0; i < big.size(); i += 4093) big[i] = static_cast<char>('a' + i % 26);
  auto r = client.Request(Post(server.port(), big), kTimeout);
  ASSERT_TRUE(r.transport_ok) << r.error;
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, big + "|");
  auto after = client.Request(Post(server.port(), "small"), kTimeout);
  ASSERT_TRUE(after.transport_ok) << after.error;
  EXPECT_EQ(after.connection, ConnectionKind::kPooled);
  EXPECT_EQ(after.body, "small|");
}

TEST_F(HttpsTest, WithoutIdleBudgetTheTlsSessionIsResumed) {
  TestServer server(pem_);
  HttpsClient client(pem_, pem_, 0);
  EXPECT_EQ(client.Request(Post(server.port(), "a"), kTimeout).connection, ConnectionKind::kFull);
  for (int i = 0; i < 3; ++i) {
    auto r = client.Request(Post(server.port(), "x"), kTimeout);
    ASSERT_TRUE(r.transport_ok) << r.error;
    EXPECT_EQ(r.connection, ConnectionKind::kResumed);
  }
}

TEST_F(HttpsTest, ConnectionIdleLongerThanTheClientKeepsOneIsNotReused) {
  TestServer server(pem_);
  HttpsClient client(pem_, pem_, 4, std::chrono::seconds(1));
  EXPECT_EQ(client.Request(Post(server.port(), "a"), kTimeout).connection, ConnectionKind::kFull);
  EXPECT_EQ(client.Request(Post(server.port(), "b"), kTimeout).connection, ConnectionKind::kPooled);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  auto late = client.Request(Post(server.port(), "c"), kTimeout);
  ASSERT_TRUE(late.transport_ok) << late.error;
  EXPECT_EQ(late.connection, ConnectionKind::kResumed);
}

TEST_F(HttpsTest, ConnectionTheServerClosedWhenIdleIsReplacedUnnoticed) {
  TestServer server(pem_, std::chrono::seconds(1));
  HttpsClient client(pem_, pem_, 4, std::chrono::seconds(60));
  EXPECT_EQ(client.Request(Post(server.port(), "a"), kTimeout).connection, ConnectionKind::kFull);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  // The kept connection was closed by the server: the request goes again,
  // once, on a new connection.
  auto late = client.Request(Post(server.port(), "b"), kTimeout);
  ASSERT_TRUE(late.transport_ok) << late.error;
  EXPECT_EQ(late.body, "b|");
  EXPECT_EQ(late.connection, ConnectionKind::kResumed);
}

TEST_F(HttpsTest, LeastRecentlyUsedConnectionIsClosedFirst) {
  TestServer a(pem_), b(pem_);
  HttpsClient client(pem_, pem_, 1);
  client.Request(Post(a.port(), "1"), kTimeout);
  client.Request(Post(b.port(), "2"), kTimeout);  // a's connection makes room for b's
  EXPECT_EQ(client.Request(Post(b.port(), "3"), kTimeout).connection, ConnectionKind::kPooled);
  EXPECT_EQ(client.Request(Post(a.port(), "4"), kTimeout).connection, ConnectionKind::kResumed);
}

TEST_F(HttpsTest, ParallelRequestsShareOneBodyAndSendHeaders) {
  TestServer a(pem_), b(pem_);
  auto body = std::make_shared<const std::string>(std::string(100000, 'z'));
  std::vector<OutgoingRequest> requests;
  for (uint16_t port : {a.port(), b.port(), a.port()}) {
    requests.push_back(
        {"127.0.0.1", port, "POST", "/echo", body, {{"Authorization", "Basic eA=="}}});
  }
  HttpsClient client(pem_, pem_, 8);
  auto results = client.RequestParallel(requests, kTimeout);
  ASSERT_EQ(results.size(), 3u);
  for (const auto& r : results) {
    ASSERT_TRUE(r.transport_ok) << r.error;
    EXPECT_EQ(r.body, *body + "|Basic eA==");
  }
}

TEST_F(HttpsTest, SlowAnswerTimesOutAndTheConnectionIsNotKept) {
  TestServer server(pem_);
  HttpsClient client(pem_, pem_, 4);
  auto slow = Post(server.port(), "a");
  slow.target = "/slow";
  const auto start = std::chrono::steady_clock::now();
  auto r = client.Request(slow, std::chrono::milliseconds(100));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(400));
  EXPECT_FALSE(r.transport_ok);
  EXPECT_EQ(r.error, "timed out");
  auto next = client.Request(Post(server.port(), "b"), kTimeout);
  ASSERT_TRUE(next.transport_ok) << next.error;
  EXPECT_NE(next.connection, ConnectionKind::kPooled);
  EXPECT_EQ(next.body, "b|");
}

TEST_F(HttpsTest, UnreachablePeerFailsWithTheReason) {
  HttpsClient client(pem_, pem_, 4);
  auto r = client.Request(Post(1, "a"), kTimeout);  // nothing listens on port 1
  EXPECT_FALSE(r.transport_ok);
  EXPECT_EQ(r.error, "Connection refused");
}

TEST_F(HttpsTest, ClientWithoutTheClusterCertificateIsRefused) {
  TestServer server(pem_);
  const std::string other = (dir_ / "other.pem").string();
  GenerateSelfSignedCertificate(other, "intruder");
  HttpsClient client(other, pem_, 4);
  auto r = client.Request(Post(server.port(), "a"), kTimeout);
  EXPECT_FALSE(r.transport_ok && r.status == 200);
}

// A process that forks many servers builds their TLS context once: a server
// uses it only when its own certificate files hold the same contents.
TEST_F(HttpsTest, APreparedContextServesOnlyTheSameCertificate) {
  const std::string other = (dir_ / "other.pem").string();
  GenerateSelfSignedCertificate(other, "other");
  HttpsServerOptions prepared;
  prepared.pem_file = other;
  prepared.require_client_certificate = true;
  PrepareTlsForServers(prepared);
  {
    TestServer server(pem_);  // another certificate: builds its own context
    HttpsClient client(pem_, pem_, 4);
    auto r = client.Request(Post(server.port(), "a"), kTimeout);
    EXPECT_TRUE(r.transport_ok && r.status == 200) << r.error;
  }
  // A copy of `other` under another name: the prepared context serves it.
  const std::string copy = (dir_ / "copy.pem").string();
  std::filesystem::copy_file(other, copy);
  TestServer server(copy);
  HttpsClient client(other, other, 4);
  auto r = client.Request(Post(server.port(), "b"), kTimeout);
  EXPECT_TRUE(r.transport_ok && r.status == 200) << r.error;
  HttpsClient stranger(pem_, pem_, 4);
  EXPECT_FALSE(stranger.Request(Post(server.port(), "c"), kTimeout).transport_ok);
}

}  // namespace
}  // namespace herd::net
