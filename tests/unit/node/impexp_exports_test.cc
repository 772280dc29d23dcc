// A node's export directory through its RPC handlers: finalize_export makes
// an export visible (and replaces an older one), export_info reads it back,
// export_list never shows an unfinished "<name>.new", and no path leads out
// of the export directory.
#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <chrono>
#include <thread>

#include "impexp_cluster.h"
#include "node/impexp/exports.h"
#include "node/node_handlers.h"

namespace herd::testing {
namespace {

namespace fs = std::filesystem;

const char* kConfig =
    "[export]\nversion = 0\ntimestamp = 1700000000\nsource = n1\nos = debootstrap\n"
    "compression = none\n\n[instance]\nname = inst1\ndisk_count = 1\n";

class ImpexpExportsTest : public TwoNodeCluster {
 protected:
  json::array ListNames() {
    json::array out;
    for (const auto& n : impexp::ListExports(node1().paths)) out.emplace_back(n);
    return out;
  }
};

TEST_F(ImpexpExportsTest, FinalizeThenInfoRoundTrips) {
  const std::string image = node1().Local("/srv/ganeti/export/inst1.new/d-1");
  WriteBytes(image, "disk image");
  node1().Call("finalize_export", {json::value("inst1"), json::value(kConfig)});
  EXPECT_FALSE(fs::exists(node1().Local("/srv/ganeti/export/inst1.new")));
  EXPECT_EQ(ReadFile(node1().Local("/srv/ganeti/export/inst1/d-1")), "disk image");
  EXPECT_EQ(node1().Call("export_info", {json::value("/srv/ganeti/export/inst1")}), kConfig);
  // This node's own (prefixed) path names the same export.
  EXPECT_EQ(node1().Call("export_info", {json::value(node1().Local("/srv/ganeti/export/inst1"))}),
            kConfig);
}

TEST_F(ImpexpExportsTest, FinalizeReplacesAnOlderExport) {
  WriteBytes(node1().Local("/srv/ganeti/export/inst1/old-disk"), "old");
  WriteBytes(node1().Local("/srv/ganeti/export/inst1.new/new-disk"), "new");
  node1().Call("finalize_export", {json::value("inst1"), json::value(kConfig)});
  EXPECT_FALSE(fs::exists(node1().Local("/srv/ganeti/export/inst1/old-disk")));
  EXPECT_EQ(ReadFile(node1().Local("/srv/ganeti/export/inst1/new-disk")), "new");
  // The older copy, hidden at once, is deleted just after the answer.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (ListDirectory(node1().paths.ExportDir()).size() > 1 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(ListDirectory(node1().paths.ExportDir()), std::vector<std::string>{"inst1"});
}

TEST_F(ImpexpExportsTest, FinalizeOfADisklessInstanceCreatesTheDirectory) {
  node1().Call("finalize_export", {json::value("inst2"), json::value(kConfig)});
  EXPECT_EQ(node1().Call("export_info", {json::value("/srv/ganeti/export/inst2")}), kConfig);
}

TEST_F(ImpexpExportsTest, FinalizeRefusesBadNamesAndConfigs) {
  for (const char* name : {"a/b", ".hidden", "", "inst1.new", "../x"}) {
    EXPECT_THROW(node1().Call("finalize_export", {json::value(name), json::value(kConfig)}),
                 GanetiError)
        << name;
  }
  EXPECT_THROW(node1().Call("finalize_export", {json::value("x"), json::value("[export]\n")}),
               GanetiError);
}

TEST_F(ImpexpExportsTest, ExportListHidesUnfinishedExports) {
  MakeDirs(node1().Local("/srv/ganeti/export/inst1.new"));
  MakeDirs(node1().Local("/srv/ganeti/export/.hidden"));
  WriteBytes(node1().Local("/srv/ganeti/export/inst2.new/d"), "x");
  node1().Call("finalize_export", {json::value("inst2"), json::value(kConfig)});
  node1().Call("finalize_export", {json::value("inst0"), json::value(kConfig)});
  EXPECT_EQ(ListNames(), (json::array{json::value("inst0"), json::value("inst2")}));
  // The node daemon's export_list procedure answers the same.
  NodeHandlers daemon(node1().paths, [] {});
  EXPECT_EQ(daemon.Dispatch("export_list", {}),
            (json::array{json::value("inst0"), json::value("inst2")}));
}

TEST_F(ImpexpExportsTest, ExportInfoRefusesWhatIsNotAFinishedExportBelowTheExportDir) {
  WriteBytes(node1().Local("/srv/ganeti/export/inst1.new/config.ini"), kConfig);
  WriteBytes(node1().Local("/srv/ganeti/export/bad/config.ini"), "[export]\nversion = 0\n");
  WriteBytes(node1().Local("/srv/ganeti/other/config.ini"), kConfig);
  for (const char* path :
       {"/srv/ganeti/export/inst1.new", "/srv/ganeti/export/bad", "/srv/ganeti/export/missing",
        "/srv/ganeti/other", "/srv/ganeti/export/../other", "/srv/ganeti/export", "relative"}) {
    EXPECT_THROW(node1().Call("export_info", {json::value(path)}), GanetiError) << path;
  }
  try {
    node1().Call("export_info", {json::value("/srv/ganeti/export/bad")});
  } catch (const GanetiError& e) {
    EXPECT_NE(std::string(e.what()).find("[instance]"), std::string::npos) << e.what();
  }
}

TEST_F(ImpexpExportsTest, X509CertificatesAreCappedAtSevenDays) {
  const json::array created =
      node1().Call("x509_cert_create", {json::value(30 * 24 * 3600)}).as_array();
  const std::string name(created[0].as_string());
  const std::string dir = node1().paths.RunDir() + "/crypto/" + name;
  EXPECT_TRUE(fs::exists(dir + "/key"));
  EXPECT_EQ(ReadFile(dir + "/cert"), created[1].as_string());
  const std::string pem(created[1].as_string());
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  ASSERT_NE(cert, nullptr);
  int days = 0, seconds = 0;
  ASSERT_EQ(ASN1_TIME_diff(&days, &seconds, nullptr, X509_get0_notAfter(cert)), 1);
  EXPECT_TRUE(days == 7 || (days == 6 && seconds > 86000)) << days << "d " << seconds << "s";
  X509_free(cert);
  BIO_free(bio);
  EXPECT_THROW(node1().Call("x509_cert_create", {json::value(0)}), GanetiError);
  EXPECT_THROW(node1().Call("x509_cert_remove", {json::value("../../etc")}), GanetiError);
  node1().Call("x509_cert_remove", {json::value(name)});
  EXPECT_FALSE(fs::exists(dir));
}

}  // namespace
}  // namespace herd::testing
