// A cluster certificate renewal as the master runs it, on one node daemon:
// the server trusts the next and the previous certificate while they exist
// and serves whatever its certificate file holds now; the client switches
// certificates with Reload. At every step the two still reach each other.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "base/files.h"
#include "net/https_client.h"
#include "net/https_server.h"
#include "net/tls.h"

namespace herd::net {
namespace {

constexpr std::chrono::milliseconds kTimeout{5000};

class CertificateRenewalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("herd-cert-renewal-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    current_ = (dir_ / "server.pem").string();
    next_ = (dir_ / "server.pem.next").string();
    previous_ = (dir_ / "server.pem.previous").string();
    GenerateSelfSignedCertificate(current_, "cluster");
    HttpsServerOptions options;
    options.address = "127.0.0.1";
    options.pem_file = current_;
    options.require_client_certificate = true;
    options.extra_trusted_files = {next_, previous_};
    options.reload_on_change = true;
    server_ = std::make_unique<HttpsServer>(options, [](const HttpRequest& r) {
      HttpResponse out;
      out.body = r.body;
      return out;
    });
    server_->Bind();
    thread_ = std::thread([this] { server_->Run(); });
  }
  void TearDown() override {
    server_->Stop();
    thread_.join();
    std::filesystem::remove_all(dir_);
  }

  // A request from a client presenting `cert` and trusting `trusted`, on a
  // new connection (the server looks at its files before each one).
  bool Reaches(HttpsClient& client) {
    OutgoingRequest request{"127.0.0.1",
                            server_->bound_port(),
                            "POST",
                            "/echo",
                            std::make_shared<const std::string>("ping"),
                            {}};
    auto result = client.Request(request, kTimeout);
    return result.transport_ok && result.body == "ping";
  }

  std::filesystem::path dir_;
  std::string current_, next_, previous_;
  std::unique_ptr<HttpsServer> server_;
  std::thread thread_;
};

TEST_F(CertificateRenewalTest, EveryStepKeepsTheNodeReachable) {
  const std::string old_copy = (dir_ / "old.pem").string();
  WriteFileAtomic(old_copy, ReadFile(current_), 0600);
  HttpsClient master(current_, current_, 0);  // no kept connections: every request reconnects
  ASSERT_TRUE(Reaches(master));

  // Staged: the node trusts both; the master accepts both.
  GenerateSelfSignedCertificate(next_, "cluster");
  const std::string new_copy = (dir_ / "new.pem").string();
  WriteFileAtomic(new_copy, ReadFile(next_), 0600);
  master.Reload(old_copy, {old_copy, new_copy});
  EXPECT_TRUE(Reaches(master));
  HttpsClient holding_new(new_copy, new_copy, 0);
  EXPECT_FALSE(Reaches(holding_new)) << "the node still serves the old certificate";

  // Activated on the node: it serves the new one, still trusting the old one.
  WriteFileAtomic(previous_, ReadFile(current_), 0600);
  std::filesystem::rename(next_, current_);
  EXPECT_TRUE(Reaches(master));
  master.Reload(new_copy, {new_copy, old_copy});
  EXPECT_TRUE(Reaches(master));
  EXPECT_TRUE(Reaches(holding_new));

  // Finished: only the new certificate counts.
  master.Reload(new_copy, {new_copy});
  RemoveFile(previous_);
  EXPECT_TRUE(Reaches(master));
  HttpsClient holding_old(old_copy, old_copy, 0);
  EXPECT_FALSE(Reaches(holding_old));
  HttpsClient old_client_trusting_new(old_copy, new_copy, 0);
  EXPECT_FALSE(Reaches(old_client_trusting_new)) << "the old client certificate is refused";
}

TEST_F(CertificateRenewalTest, ReloadDropsKeptConnections) {
  HttpsClient client(current_, current_, 4);
  ASSERT_TRUE(Reaches(client));
  client.Reload(current_, {current_});
  OutgoingRequest request{
      "127.0.0.1", server_->bound_port(), "POST", "/echo", std::make_shared<const std::string>("x"),
      {}};
  auto result = client.Request(request, kTimeout);
  ASSERT_TRUE(result.transport_ok) << result.error;
  EXPECT_EQ(result.connection, ConnectionKind::kFull);
}

TEST(CertificateProblemTest, NamesWhatIsMissing) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("herd-cert-problem-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string pem = (dir / "a.pem").string();
  GenerateSelfSignedCertificate(pem, "x");
  const std::string both = ReadFile(pem);
  EXPECT_EQ(CertificateProblem(both, true), "");
  const auto cert_at = both.find("-----BEGIN CERTIFICATE-----");
  ASSERT_NE(cert_at, std::string::npos);
  const std::string cert_only = both.substr(cert_at);
  EXPECT_EQ(CertificateProblem(cert_only, false), "");
  EXPECT_NE(CertificateProblem(cert_only, true).find("private key"), std::string::npos);
  EXPECT_NE(CertificateProblem("garbage", false).find("certificate"), std::string::npos);
  // Another certificate's key does not belong to this one.
  const std::string other = (dir / "b.pem").string();
  GenerateSelfSignedCertificate(other, "y");
  const std::string other_text = ReadFile(other);
  const std::string mismatched =
      other_text.substr(0, other_text.find("-----BEGIN CERTIFICATE")) + cert_only;
  EXPECT_NE(CertificateProblem(mismatched, true).find("does not match"), std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace herd::net
