// A master candidate's copy of the job queue, as its node daemon keeps it:
// changes are written, and a whole copy writes only the files that differ.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <boost/json.hpp>
#include <filesystem>

#include "base/files.h"
#include "node/node_handlers.h"
#include "temp_cluster_dir.h"

namespace herd {
namespace {
namespace json = boost::json;

class QueueReplicaHandlerTest : public ::testing::Test {
 protected:
  void TearDown() override { std::filesystem::remove_all(root_); }

  void Replicate(const std::vector<std::pair<std::string, std::string>>& files, bool full) {
    json::array entries;
    for (const auto& [name, contents] : files)
      entries.push_back(json::array{name, contents, false});
    daemon_.Dispatch("herd_jobqueue_replicate", json::array{entries, full});
  }
  std::string File(const std::string& name) const { return paths_.QueueDir() + "/" + name; }
  ino_t Inode(const std::string& name) const {
    struct stat st {};
    EXPECT_EQ(::stat(File(name).c_str(), &st), 0) << name;
    return st.st_ino;
  }

  std::string root_ = testing_support::NewClusterDir("herd-queue-replica", "node2");
  Paths paths_{root_ + "/node2", "node2"};
  NodeHandlers daemon_{paths_, [] {}};
};

TEST_F(QueueReplicaHandlerTest, AWholeCopyRewritesOnlyTheFilesThatDiffer) {
  Replicate({{"serial", "3\n"}, {"job-1", "one"}, {"job-2", "two"}, {"job-3", "three"}}, false);
  Replicate({{"job-2", "two, running"}}, false);  // a file is replaced when it changes
  EXPECT_EQ(ReadFile(File("job-2")), "two, running");
  const ino_t serial = Inode("serial"), one = Inode("job-1"), two = Inode("job-2");

  // What a master sends when it starts: job-2 moved on, job-3 archived.
  Replicate({{"serial", "3\n"}, {"job-1", "one"}, {"job-2", "two, done"}}, true);
  EXPECT_EQ(Inode("serial"), serial);  // the same contents: left as they were
  EXPECT_EQ(Inode("job-1"), one);
  EXPECT_EQ(ReadFile(File("job-1")), "one");
  EXPECT_EQ(ReadFile(File("job-2")), "two, done");
  EXPECT_NE(Inode("job-2"), two);  // replaced whole, not written over
  EXPECT_FALSE(FileExists(File("job-3")));

  // A file of the same contents but another mode is written again.
  ASSERT_EQ(::chmod(File("job-1").c_str(), 0644), 0);
  Replicate({{"serial", "3\n"}, {"job-1", "one"}, {"job-2", "two, done"}}, true);
  struct stat st {};
  ASSERT_EQ(::stat(File("job-1").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
}

}  // namespace
}  // namespace herd
