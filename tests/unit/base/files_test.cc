#include "base/files.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>
#include <vector>

#include "base/errors.h"
#include "base/spare_files.h"

namespace herd {
namespace {

class FilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("herd-files-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(FilesTest, AtomicWriteReplacesContentAndMode) {
  std::string f = (dir_ / "a").string();
  WriteFileAtomic(f, "first");
  WriteFileAtomic(f, "second", 0600);
  EXPECT_EQ(ReadFile(f), "second");
  struct stat st;
  ASSERT_EQ(stat(f.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // No temporary file is left behind.
  EXPECT_EQ(ListDirectory(dir_.string()).size(), 1u);
}

TEST_F(FilesTest, AFileHoldsOnlyItsExactContentsAndMode) {
  const std::string f = (dir_ / "held").string();
  EXPECT_FALSE(FileHolds(f, ""));  // missing
  WriteFileAtomic(f, "abc\n", 0640);
  EXPECT_TRUE(FileHolds(f, "abc\n"));
  EXPECT_TRUE(FileHolds(f, "abc\n", 0640));
  EXPECT_FALSE(FileHolds(f, "abc\n", 0600));
  EXPECT_FALSE(FileHolds(f, "abd\n"));  // same size, other bytes
  EXPECT_FALSE(FileHolds(f, "abc"));
  EXPECT_FALSE(FileHolds(dir_.string(), ""));  // not a regular file
}

TEST_F(FilesTest, SeveralFilesAreReplacedTogetherOrNoneOnError) {
  const std::string a = (dir_ / "a").string(), b = (dir_ / "b").string();
  WriteFileAtomic(a, "old a");
  WriteFilesAtomic({{a, "new a"}, {b, "new b"}}, 0600);
  EXPECT_EQ(ReadFile(a), "new a");
  EXPECT_EQ(ReadFile(b), "new b");
  struct stat st;
  ASSERT_EQ(stat(b.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(ListDirectory(dir_.string()).size(), 2u);
  // A file that cannot be written: nothing is replaced, nothing left behind.
  const std::string lost = (dir_ / "missing" / "c").string();
  EXPECT_THROW(WriteFilesAtomic({{a, "newer a"}, {lost, "c"}}), GanetiError);
  EXPECT_EQ(ReadFile(a), "new a");
  EXPECT_EQ(ListDirectory(dir_.string()).size(), 2u);
}

TEST_F(FilesTest, ConcurrentWritesLandAndAFailedSyncFailsEveryCaller) {
  std::vector<std::thread> writers;
  for (int t = 0; t < 16; ++t) {
    writers.emplace_back([this, t] {
      for (int i = 0; i < 20; ++i) {
        const std::string name = std::to_string(t) + "-" + std::to_string(i);
        WriteFileAtomic((dir_ / name).string(), name);
      }
    });
  }
  for (auto& w : writers) w.join();
  EXPECT_EQ(ListDirectory(dir_.string()).size(), 16u * 20u);
  EXPECT_EQ(ReadFile((dir_ / "7-13").string()), "7-13");
  // A sync that fails fails every caller, each with its own try: none waits
  // for good, none is told it succeeded.
  const std::string missing = (dir_ / "missing").string();
  std::atomic<int> failures = 0;
  std::vector<std::thread> syncers;
  for (int t = 0; t < 8; ++t) {
    syncers.emplace_back([&] {
      try {
        FsyncDirectory(missing);
      } catch (const GanetiError&) {
        ++failures;
      }
    });
  }
  for (auto& s : syncers) s.join();
  EXPECT_EQ(failures, 8);
}

ino_t InodeOf(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_ino;
}

std::vector<std::string> Spares(const std::filesystem::path& dir) {
  std::vector<std::string> spares;
  for (const auto& name : ListDirectory(dir.string())) {
    if (SpareFiles::IsSpareName(name)) spares.push_back(name);
  }
  return spares;
}

TEST_F(FilesTest, RecycledWritesReuseTheReplacedInodeAfterItsQuarantine) {
  const std::string f = (dir_ / "job-1").string();
  const std::string longer = "first, longer than what replaces it";
  WriteFileAtomic(f, longer, 0444);
  const ino_t first = InodeOf(f);
  // A reader that opened the file before the next writes reads it whole.
  const int reader = ::open(f.c_str(), O_RDONLY);
  ASSERT_GE(reader, 0);
  WriteFileAtomic(f, "second", 0444, true, Inodes::kRecycled);
  WriteFileAtomic(f, "third", 0444, true, Inodes::kRecycled);
  EXPECT_EQ(ReadFile(f), "third");
  char buf[64] = {};
  EXPECT_EQ(::read(reader, buf, sizeof(buf)), static_cast<ssize_t>(longer.size()));
  EXPECT_EQ(std::string(buf), longer);
  ::close(reader);
  // The replaced inodes wait as spares: none was freed.
  EXPECT_EQ(Spares(dir_).size(), 2u);
  std::this_thread::sleep_for(SpareFiles::kQuarantine + std::chrono::milliseconds(100));
  // Out of quarantine, the oldest spare (the first file's inode, read-only)
  // takes the next content, cut to its length, with the mode asked for.
  WriteFileAtomic(f, "fourth", 0640, true, Inodes::kRecycled);
  EXPECT_EQ(InodeOf(f), first);
  EXPECT_EQ(ReadFile(f), "fourth");
  struct stat st {};
  ASSERT_EQ(::stat(f.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u & ~SpareFiles::Instance().umask());
  EXPECT_EQ(Spares(dir_).size(), 2u);
  EXPECT_EQ(ListDirectory(dir_.string()).size(), 3u);
}

TEST_F(FilesTest, RecycledWritesCreateMissingFilesAndBatchesToo) {
  const std::string a = (dir_ / "a").string(), b = (dir_ / "b").string();
  WriteFileAtomic(a, "a1", 0600, true, Inodes::kRecycled);
  EXPECT_EQ(ReadFile(a), "a1");
  EXPECT_TRUE(Spares(dir_).empty());  // a new file replaced nothing
  WriteFilesAtomic({{a, "a2"}, {b, "b1"}}, 0600, Inodes::kRecycled);
  EXPECT_EQ(ReadFile(a), "a2");
  EXPECT_EQ(ReadFile(b), "b1");
  EXPECT_EQ(Spares(dir_).size(), 1u);  // a's old inode
  // A failed batch replaces nothing and leaves no new file behind.
  EXPECT_THROW(WriteFilesAtomic({{a, "a3"}, {(dir_ / "missing" / "c").string(), "c"}}, 0600,
                                Inodes::kRecycled),
               GanetiError);
  EXPECT_EQ(ReadFile(a), "a2");
  EXPECT_EQ(ListDirectory(dir_.string()).size(), 3u);
}

TEST_F(FilesTest, SparesOfDeadProcessesAreRemovedOnFirstUse) {
  const pid_t child = ::fork();
  if (child == 0) _exit(0);
  ASSERT_GT(child, 0);
  ASSERT_EQ(::waitpid(child, nullptr, 0), child);
  const auto sub = dir_ / "fresh";
  std::filesystem::create_directories(sub);
  const std::string dead = (sub / (".spare-" + std::to_string(child) + "-0")).string();
  const std::string mine = (sub / (".spare-" + std::to_string(getpid()) + "-999")).string();
  WriteFileAtomic(dead, "left by a dead writer");
  WriteFileAtomic(mine, "this process's own");
  WriteFileAtomic((sub / "f").string(), "x", 0644, true, Inodes::kRecycled);
  EXPECT_FALSE(FileExists(dead));
  EXPECT_TRUE(FileExists(mine));
}

TEST_F(FilesTest, AForkedChildKeepsItsOwnSpares) {
  const std::string f = (dir_ / "job-2").string();
  WriteFileAtomic(f, "parent 1");
  WriteFileAtomic(f, "parent 2", 0644, true, Inodes::kRecycled);
  const auto parents = Spares(dir_);
  ASSERT_EQ(parents.size(), 1u);
  std::this_thread::sleep_for(SpareFiles::kQuarantine + std::chrono::milliseconds(100));
  // The parent's spare is out of quarantine, but it is the parent's: the
  // child writes into a spare of its own.
  const pid_t child = ::fork();
  if (child == 0) {
    WriteFileAtomic(f, "child", 0644, true, Inodes::kRecycled);
    _exit(0);
  }
  ASSERT_GT(child, 0);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_EQ(ReadFile(f), "child");
  EXPECT_TRUE(FileExists((dir_ / (".spare-" + std::to_string(child) + "-0")).string()));
  EXPECT_TRUE(FileExists((dir_ / parents[0]).string()));
}

TEST_F(FilesTest, WriteIntoMissingDirectoryFailsWithPath) {
  std::string f = (dir_ / "missing" / "a").string();
  try {
    WriteFileAtomic(f, "x");
    FAIL();
  } catch (const GanetiError& e) {
    EXPECT_NE(std::string(e.what()).find("missing"), std::string::npos);
  }
}

TEST_F(FilesTest, ReadMissingFileThrows) {
  EXPECT_THROW(ReadFile((dir_ / "nope").string()), GanetiError);
  EXPECT_FALSE(FileExists((dir_ / "nope").string()));
}

TEST_F(FilesTest, PidFiles) {
  std::string f = (dir_ / "pid").string();
  EXPECT_EQ(ReadPidFile(f), 0);
  WriteFileAtomic(f, std::to_string(getpid()) + "\n");
  EXPECT_EQ(ReadPidFile(f), getpid());
  EXPECT_TRUE(ProcessAlive(ReadPidFile(f)));
  WriteFileAtomic(f, "garbage");
  EXPECT_EQ(ReadPidFile(f), 0);
}

}  // namespace
}  // namespace herd
