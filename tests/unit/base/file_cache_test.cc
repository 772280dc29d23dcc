#include "base/file_cache.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "base/files.h"

namespace herd {
namespace {

class FileCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("herd-file-cache-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "value").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Overwrites the file in place (same inode), then gives it `mtime_sec`.
  void WriteInPlace(const std::string& text, time_t mtime_sec) {
    const int fd = ::open(path_.c_str(), O_WRONLY | O_TRUNC);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
    const timespec times[2] = {{mtime_sec, 0}, {mtime_sec, 0}};
    ASSERT_EQ(::futimens(fd, times), 0);
    ::close(fd);
  }

  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(FileCacheTest, MissingFileIsNoValueUntilCreated) {
  EXPECT_FALSE(ReadFileCached(path_).has_value());
  WriteFileAtomic(path_, "one\n");
  EXPECT_EQ(ReadFileCached(path_), "one\n");
  RemoveFile(path_);
  EXPECT_FALSE(ReadFileCached(path_).has_value());
}

TEST_F(FileCacheTest, ReplacedFileIsReadAgainEvenAtTheSameSize) {
  WriteFileAtomic(path_, "aaa");
  EXPECT_EQ(ReadFileCached(path_), "aaa");
  EXPECT_EQ(ReadFileCached(path_), "aaa");
  WriteFileAtomic(path_, "bbb");  // a new inode
  EXPECT_EQ(ReadFileCached(path_), "bbb");
  WriteFileAtomic(path_, "bbb-longer", 0644, true, Inodes::kRecycled);
  EXPECT_EQ(ReadFileCached(path_), "bbb-longer");
}

TEST_F(FileCacheTest, FileWrittenInPlaceIsReadAgainWhenItsTimeChanges) {
  WriteFileAtomic(path_, "xxxx");
  WriteInPlace("aaaa", 1000000000);
  EXPECT_EQ(ReadFileCached(path_), "aaaa");
  WriteInPlace("bbbb", 1000000001);  // same inode and size, another time
  EXPECT_EQ(ReadFileCached(path_), "bbbb");
}

}  // namespace
}  // namespace herd
