// A virtual node's resources: running instances take memory, file disks take
// space, and neither can be over-committed.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>
#include <thread>

#include "base/errors.h"
#include "base/files.h"
#include "base/paths.h"
#include "node/capacity.h"
#include "node/hypervisor/fake_hypervisor.h"
#include "node/storage/file_storage.h"

namespace herd {
namespace {
namespace fs = std::filesystem;

class NodeResourcesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() /
            ("herd-node-test-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(base_);
    paths_ = std::make_unique<Paths>((base_ / "node1").string(), "node1");
    paths_->EnsureDirectories();
    WriteNodeCapacity(*paths_,
                      {.memory_mib = 4096, .disk_mib = 1024, .cpus = 4, .memory_dom0_mib = 512});
  }
  void TearDown() override { fs::remove_all(base_); }

  rpc::InstanceSpec Instance(const std::string& name, int64_t memory) {
    rpc::InstanceSpec s;
    s.name = name;
    s.memory_mib = memory;
    s.vcpus = 1;
    return s;
  }
  rpc::DiskSpec FileDisk(const std::string& instance, int64_t size) {
    rpc::DiskSpec d;
    d.dev_type = "file";
    d.driver = "loop";
    d.path = "/srv/ganeti/file-storage/" + instance + "/disk0";
    d.size_mib = size;
    return d;
  }

  fs::path base_;
  std::unique_ptr<Paths> paths_;
};

// The records are read once and kept: every change through a hypervisor
// object of this process shows at once, a change from outside once the
// directory's change time moves.
TEST_F(NodeResourcesTest, KeptRecordsFollowEveryChange) {
  FakeHypervisor first(*paths_);
  first.Start(Instance("a", 1024));
  EXPECT_EQ(first.UsedMemory(), 1024);
  FakeHypervisor second(*paths_);
  second.Start(Instance("b", 512));
  EXPECT_EQ(first.UsedMemory(), 1536);
  second.SetMemory("b", 256);
  EXPECT_EQ(first.List().at("b").memory_mib, 256);
  second.Stop("a");
  EXPECT_EQ(first.List().count("a"), 0u);

  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  RemoveFile(paths_->RunDir() + "/fake-hv/b");
  EXPECT_TRUE(first.List().empty());
}

TEST_F(NodeResourcesTest, RunningInstancesTakeMemoryUntilStopped) {
  FakeHypervisor hv(*paths_);
  hv.Start(Instance("a", 1024));
  hv.Start(Instance("b", 2048));
  EXPECT_EQ(hv.UsedMemory(), 3072);
  EXPECT_EQ(hv.List().size(), 2u);
  hv.Stop("a");
  EXPECT_EQ(hv.UsedMemory(), 2048);
  hv.Stop("a");  // stopping a stopped instance is not an error
}

TEST_F(NodeResourcesTest, StartRefusesToOvercommitMemory) {
  FakeHypervisor hv(*paths_);
  hv.Start(Instance("a", 3000));
  // 4096 total - 512 for the node itself - 3000 = 584 left.
  try {
    hv.Start(Instance("b", 600));
    FAIL() << "start should have been refused";
  } catch (const GanetiError& e) {
    EXPECT_EQ(e.error_class(), "HypervisorError");
    EXPECT_NE(std::string(e.what()).find("available 584 MiB"), std::string::npos) << e.what();
  }
  hv.Start(Instance("c", 584));
}

TEST_F(NodeResourcesTest, StartingARunningInstanceFails) {
  FakeHypervisor hv(*paths_);
  hv.Start(Instance("a", 100));
  EXPECT_THROW(hv.Start(Instance("a", 100)), GanetiError);
}

TEST_F(NodeResourcesTest, IncomingMigrationReservesMemory) {
  FakeHypervisor hv(*paths_);
  hv.AcceptIncoming(Instance("m", 3000));
  EXPECT_EQ(hv.UsedMemory(), 3000);
  EXPECT_THROW(hv.Start(Instance("x", 1000)), GanetiError);
  hv.FinalizeIncoming("m", false);
  EXPECT_EQ(hv.UsedMemory(), 0);
  hv.AcceptIncoming(Instance("m", 3000));
  hv.FinalizeIncoming("m", true);
  EXPECT_EQ(hv.List().at("m").state, "running");
}

TEST_F(NodeResourcesTest, FileDisksTakeSpaceAndCannotExceedIt) {
  FileStorage storage(*paths_);
  EXPECT_EQ(storage.Space("file").free_mib, 1024);
  storage.Create(FileDisk("a", 600));
  EXPECT_EQ(storage.Space("file").free_mib, 424);
  EXPECT_THROW(storage.Create(FileDisk("b", 500)), GanetiError);
  EXPECT_THROW(storage.Grow(FileDisk("a", 600), 500, /*dry_run=*/true), GanetiError);
  storage.Grow(FileDisk("a", 600), 400, false);
  EXPECT_EQ(storage.SizeBytes(FileDisk("a", 600)), 1000LL * 1024 * 1024);
  storage.Remove(FileDisk("a", 1000));
  EXPECT_EQ(storage.Space("file").free_mib, 1024);
  EXPECT_FALSE(FileExists(paths_->FileStorageDir() + "/a"));
}

// The shared directory is one filesystem for every node: each node reports
// its size and what the disks on it take, not its own declared disk.
TEST_F(NodeResourcesTest, SharedFileSpaceIsTheSameFromEveryNode) {
  Paths other((base_ / "node2").string(), "node2");
  other.EnsureDirectories();
  WriteNodeCapacity(other, {.memory_mib = 4096, .disk_mib = 100, .cpus = 4});
  FileStorage here(*paths_), there(other);
  const StorageSpace before = here.Space("sharedfile");
  ASSERT_GT(before.total_mib, 1024);  // the filesystem holding the test's directory
  EXPECT_EQ(there.Space("sharedfile").total_mib, before.total_mib);
  EXPECT_EQ(there.Space("sharedfile").free_mib, before.free_mib);

  rpc::DiskSpec disk = FileDisk("a", 600);
  disk.dev_type = "sharedfile";
  disk.path = paths_->SharedFileStorageDir() + "/a/disk0";
  there.Create(disk);  // more than node2's own disk
  EXPECT_EQ(here.Space("sharedfile").free_mib, before.free_mib - 600);
  EXPECT_EQ(there.Space("sharedfile").free_mib, before.free_mib - 600);
  EXPECT_EQ(here.Space("file").free_mib, 1024);
  disk.size_mib = before.free_mib;
  disk.path = paths_->SharedFileStorageDir() + "/b/disk0";
  EXPECT_THROW(here.Create(disk), GanetiError);
}

TEST_F(NodeResourcesTest, DiskPathsOutsideTheStorageDirsAreRefused) {
  FileStorage storage(*paths_);
  auto disk = FileDisk("a", 10);
  disk.path = "/etc/passwd";
  EXPECT_THROW(storage.Create(disk), GanetiError);
  disk.path = "/srv/ganeti/file-storage/../../../etc/x";
  EXPECT_THROW(storage.Create(disk), GanetiError);
}

TEST_F(NodeResourcesTest, ExistingDiskIsNotOverwritten) {
  FileStorage storage(*paths_);
  storage.Create(FileDisk("a", 10));
  EXPECT_THROW(storage.Create(FileDisk("a", 10)), GanetiError);
}

}  // namespace
}  // namespace herd
