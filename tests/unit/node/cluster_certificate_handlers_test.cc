// The node's steps of a cluster certificate renewal: stage, activate, finish
// (or abort), and the files each leaves, which the node daemon trusts.
#include "node/cluster_certificate_handlers.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>

#include "base/errors.h"
#include "base/files.h"
#include "base/json.h"
#include "net/tls.h"

namespace herd {
namespace {

namespace fs = std::filesystem;

class ClusterCertificateHandlersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() / ("herd-cluster-cert-" + std::to_string(::getpid()));
    fs::remove_all(base_);
    paths_ = std::make_unique<Paths>((base_ / "node2").string(), "node2");
    MakeDirs(paths_->DataDir());
    net::GenerateSelfSignedCertificate(paths_->NodedCertFile(), "cluster");
    RegisterClusterCertificateHandlers(*paths_, handlers_);
  }
  void TearDown() override { fs::remove_all(base_); }

  json::value Call(json::array args) { return handlers_.at("herd_cluster_certificate")(args); }

  std::string NewCertificate() {
    const std::string file = (base_ / "new.pem").string();
    net::GenerateSelfSignedCertificate(file, "cluster");
    return ReadFile(file);
  }

  fs::path base_;
  std::unique_ptr<Paths> paths_;
  std::map<std::string, RpcHandler> handlers_;
};

TEST_F(ClusterCertificateHandlersTest, StageActivateFinish) {
  const std::string old_pem = ReadFile(paths_->NodedCertFile());
  const std::string new_pem = NewCertificate();
  Call({"stage", new_pem});
  EXPECT_EQ(ReadFile(paths_->NodedNextCertFile()), new_pem);
  EXPECT_EQ(ReadFile(paths_->NodedCertFile()), old_pem);
  Call({"activate"});
  EXPECT_EQ(ReadFile(paths_->NodedCertFile()), new_pem);
  EXPECT_EQ(ReadFile(paths_->NodedPreviousCertFile()), old_pem);
  EXPECT_FALSE(FileExists(paths_->NodedNextCertFile()));
  Call({"finish"});
  EXPECT_FALSE(FileExists(paths_->NodedPreviousCertFile()));
  EXPECT_EQ(ReadFile(paths_->NodedCertFile()), new_pem);
}

TEST_F(ClusterCertificateHandlersTest, AbortKeepsTheCurrentCertificate) {
  const std::string old_pem = ReadFile(paths_->NodedCertFile());
  Call({"stage", NewCertificate()});
  Call({"abort"});
  EXPECT_FALSE(FileExists(paths_->NodedNextCertFile()));
  EXPECT_EQ(ReadFile(paths_->NodedCertFile()), old_pem);
}

TEST_F(ClusterCertificateHandlersTest, RefusesWhatCannotServe) {
  const std::string old_pem = ReadFile(paths_->NodedCertFile());
  EXPECT_THROW(Call({"stage", "garbage"}), GanetiError);
  const std::string pem = NewCertificate();
  const std::string without_key = pem.substr(pem.find("-----BEGIN CERTIFICATE"));
  EXPECT_THROW(Call({"stage", without_key}), GanetiError);
  EXPECT_FALSE(FileExists(paths_->NodedNextCertFile()));
  EXPECT_THROW(Call({"activate"}), GanetiError);  // nothing staged
  EXPECT_THROW(Call({"bogus"}), GanetiError);
  EXPECT_EQ(ReadFile(paths_->NodedCertFile()), old_pem);
}

}  // namespace
}  // namespace herd
