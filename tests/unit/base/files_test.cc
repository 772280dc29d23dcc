#include "base/files.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>
#include <vector>

#include "base/errors.h"

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
