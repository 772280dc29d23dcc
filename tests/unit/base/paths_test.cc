#include "base/paths.h"

#include <gtest/gtest.h>

#include "base/errors.h"

namespace herd {
namespace {

TEST(PathsTest, VirtualNodePrefixesEveryPath) {
  Paths p("/tmp/vc/node3", "node3");
  EXPECT_TRUE(p.is_virtual());
  EXPECT_EQ(p.ClusterDir(), "/tmp/vc");
  EXPECT_EQ(p.ConfigFile(), "/tmp/vc/node3/var/lib/ganeti/config.data");
  EXPECT_EQ(p.MasterSocket(), "/tmp/vc/node3/var/run/ganeti/socket/ganeti-master");
  EXPECT_EQ(p.QueueDir(), "/tmp/vc/node3/var/lib/ganeti/queue");
  EXPECT_EQ(p.SsconfFile("master_node"), "/tmp/vc/node3/var/lib/ganeti/ssconf_master_node");
  EXPECT_EQ(p.LogFile("ganeti-noded"), "/tmp/vc/node3/var/log/ganeti/noded.log");
  EXPECT_EQ(p.ClusterHostsFile(), "/tmp/vc/hosts");
  EXPECT_EQ(p.SharedFileStorageDir(), "/tmp/vc/shared-file-storage");
}

TEST(PathsTest, NormalisesTrailingSlashes) {
  Paths p("/tmp/vc//node3/", "node3");
  EXPECT_EQ(p.root(), "/tmp/vc/node3");
}

TEST(PathsTest, OtherNodeOfSameCluster) {
  Paths p("/tmp/vc/node3", "node3");
  Paths q = p.ForNode("node7");
  EXPECT_EQ(q.root(), "/tmp/vc/node7");
  EXPECT_EQ(q.hostname(), "node7");
}

TEST(PathsTest, RealNodeUsesStandardPaths) {
  Paths p("", "host.example.com");
  EXPECT_FALSE(p.is_virtual());
  EXPECT_EQ(p.ConfigFile(), "/var/lib/ganeti/config.data");
  EXPECT_EQ(p.ClusterHostsFile(), "/etc/hosts");
}

TEST(PathsTest, RejectsRootNotEndingInHostname) {
  try {
    Paths p("/tmp/vc/node3", "node4");
    FAIL() << "accepted a mismatched root";
  } catch (const GanetiError& e) {
    EXPECT_NE(std::string(e.what()).find("must match hostname"), std::string::npos);
  }
}

TEST(PathsTest, RejectsRelativeRootAndBadHostname) {
  EXPECT_THROW(Paths("vc/node3", "node3"), GanetiError);
  EXPECT_THROW(Paths("/tmp/vc/a", "a/b"), GanetiError);
  EXPECT_THROW(Paths("/tmp/vc/..", ".."), GanetiError);
}

TEST(PathsTest, UnprefixedStripsOnlyOwnRoot) {
  Paths p("/tmp/vc/node3", "node3");
  EXPECT_EQ(p.Unprefixed("/tmp/vc/node3/var/lib/ganeti/x"), "/var/lib/ganeti/x");
  EXPECT_EQ(p.Unprefixed("/tmp/vc/node30/var"), "/tmp/vc/node30/var");
}

}  // namespace
}  // namespace herd
