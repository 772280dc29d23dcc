// The node shell: Ganeti's ssh/scp command lines for a real cluster, and a
// virtual node's own environment, root and files for a virtual one.
#include "cli/node_shell.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "base/errors.h"
#include "base/files.h"

namespace herd::cli {
namespace {

namespace fs = std::filesystem;

bool Has(const std::vector<std::string>& argv, const std::string& word) {
  return std::find(argv.begin(), argv.end(), word) != argv.end();
}

TEST(NodeShellCommandLines, SshAsGanetiRunsIt) {
  const auto argv = SshCommandLine({"node2", "node2.example.com", 2222}, "uptime; df");
  EXPECT_EQ(argv.front(), "ssh");
  EXPECT_TRUE(Has(argv, "-oBatchMode=yes"));
  EXPECT_TRUE(Has(argv, "-oStrictHostKeyChecking=yes"));
  EXPECT_TRUE(Has(argv, "-oPort=2222"));
  EXPECT_EQ(argv[argv.size() - 2], "root@node2.example.com");
  EXPECT_EQ(argv.back(), "uptime; df");  // one word: the remote shell splits it
}

TEST(NodeShellCommandLines, ScpKeepsThePathAndBracketsIpv6) {
  auto argv = ScpCommandLine({"node2", "192.0.2.2", 22}, "/etc/motd");
  EXPECT_EQ(argv[0], "scp");
  EXPECT_EQ(argv[1], "-p");
  EXPECT_TRUE(Has(argv, "-oStrictHostKeyChecking=yes"));
  EXPECT_EQ(argv[argv.size() - 2], "/etc/motd");
  EXPECT_EQ(argv.back(), "root@192.0.2.2:/etc/motd");
  argv = ScpCommandLine({"node3", "2001:db8::3", 22}, "/etc/motd");
  EXPECT_EQ(argv.back(), "root@[2001:db8::3]:/etc/motd");
}

class VirtualNodeShellTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_ = fs::temp_directory_path() / ("herd-node-shell-" + std::to_string(::getpid()));
    fs::remove_all(cluster_);
    for (const char* node : {"node1", "node2"}) fs::create_directories(cluster_ / node / "etc");
    shell_ = MakeNodeShell(Paths((cluster_ / "node1").string(), "node1"));
  }
  void TearDown() override { fs::remove_all(cluster_); }

  fs::path cluster_;
  std::unique_ptr<NodeShell> shell_;
};

TEST_F(VirtualNodeShellTest, RunsInTheNodesEnvironmentStdoutThenStderr) {
  const CommandResult r =
      shell_->Run({"node2", "node2", 22},
                  "echo err >&2; echo \"$GANETI_HOSTNAME $GANETI_ROOTDIR $(pwd)\"; exit 7");
  const std::string root = (cluster_ / "node2").string();
  EXPECT_EQ(r.exit_code, 7);
  EXPECT_EQ(r.output, "node2 " + root + " " + root + "\nerr\n");
}

TEST_F(VirtualNodeShellTest, AMissingNodeIsUnreachable) {
  const CommandResult r = shell_->Run({"node9", "node9", 22}, "true");
  EXPECT_EQ(r.exit_code, 255);  // what ssh answers for a host it cannot reach
  EXPECT_NE(r.output.find("node9"), std::string::npos);
}

TEST_F(VirtualNodeShellTest, CopiesUnderTheOtherRootKeepingModeAndTimes) {
  const fs::path source = cluster_ / "node1/etc/payload";
  WriteFileAtomic(source.string(), "data\n", 0640);
  const timespec times[2] = {{1'600'000'000, 0}, {1'700'000'000, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, source.c_str(), times, 0), 0);
  std::string why;
  ASSERT_TRUE(shell_->CopyFile({"node2", "node2", 22}, source.string(), &why)) << why;
  const fs::path copy = cluster_ / "node2/etc/payload";
  EXPECT_EQ(ReadFile(copy.string()), "data\n");
  struct stat st {};
  ASSERT_EQ(::stat(copy.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
  EXPECT_EQ(st.st_mtim.tv_sec, 1'700'000'000);
  // To the node itself: the file is already there.
  EXPECT_TRUE(shell_->CopyFile({"node1", "node1", 22}, source.string(), &why));
  EXPECT_EQ(ReadFile(source.string()), "data\n");
}

TEST_F(VirtualNodeShellTest, RefusesWhatCannotBeCopied) {
  const fs::path outside = cluster_ / "outside";
  WriteFileAtomic(outside.string(), "x");
  EXPECT_THROW(shell_->CheckCopyable(outside.string()), GanetiError);
  EXPECT_NO_THROW(shell_->CheckCopyable((cluster_ / "node1/etc/payload").string()));

  fs::create_directories(cluster_ / "node1/only-here");
  const fs::path deep = cluster_ / "node1/only-here/file";
  WriteFileAtomic(deep.string(), "x");
  std::string why;
  EXPECT_FALSE(shell_->CopyFile({"node2", "node2", 22}, deep.string(), &why));
  EXPECT_NE(why.find("No such file or directory"), std::string::npos) << why;
  EXPECT_FALSE(shell_->CopyFile({"node2", "node2", 22}, (cluster_ / "node1/etc").string(), &why));
  EXPECT_NE(why.find("not a regular file"), std::string::npos) << why;
}

}  // namespace
}  // namespace herd::cli
