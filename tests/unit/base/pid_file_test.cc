// Pid files held by a lock: the lock, not the recorded pid, says whether a
// daemon runs, so a predecessor killed with SIGKILL (even while still an
// unreaped zombie) never blocks its successor.
#include "base/pid_file.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <vector>

#include "base/errors.h"
#include "base/files.h"

namespace herd {
namespace {

class PidFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("herd-pidfile-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "ganeti-test.pid").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // A child that takes the pid file and waits to be killed; returns its pid
  // once the file names it. With `slow_exit`, SIGTERM makes it remove the
  // file and exit 300 ms later, as a daemon shutting down does.
  pid_t StartHolder(bool slow_exit = false) {
    int ready[2];
    EXPECT_EQ(::pipe(ready), 0);
    pid_t child = ::fork();
    if (child == 0) {
      ::close(ready[0]);
      sigset_t term;
      sigemptyset(&term);
      sigaddset(&term, SIGTERM);
      if (slow_exit) ::sigprocmask(SIG_BLOCK, &term, nullptr);
      int fd = LockPidFile(path_, "ganeti-test");
      WritePidFile(fd, path_);
      char byte = 1;
      if (::write(ready[1], &byte, 1) != 1) _exit(2);
      if (!slow_exit) {
        ::pause();
        _exit(0);
      }
      int signal = 0;
      ::sigwait(&term, &signal);
      RemoveFile(path_);
      ::usleep(300 * 1000);
      _exit(0);
    }
    ::close(ready[1]);
    char byte = 0;
    EXPECT_EQ(::read(ready[0], &byte, 1), 1);
    ::close(ready[0]);
    return child;
  }

  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(PidFileTest, NoFileMeansNoDaemon) { EXPECT_EQ(RunningDaemonPid(path_), 0); }

TEST_F(PidFileTest, TheHolderIsTheRunningDaemon) {
  pid_t holder = StartHolder();
  EXPECT_EQ(RunningDaemonPid(path_), holder);
  EXPECT_EQ(ReadPidFile(path_), holder);
  ::kill(holder, SIGKILL);
  ::waitpid(holder, nullptr, 0);
}

TEST_F(PidFileTest, ASecondDaemonIsRefusedWithTheHoldersPid) {
  pid_t holder = StartHolder();
  try {
    LockPidFile(path_, "ganeti-test");
    ADD_FAILURE() << "the lock was taken twice";
  } catch (const GanetiError& e) {
    EXPECT_NE(std::string(e.what()).find("ganeti-test is already running (pid " +
                                         std::to_string(holder) + ")"),
              std::string::npos)
        << e.what();
  }
  ::kill(holder, SIGKILL);
  ::waitpid(holder, nullptr, 0);
}

TEST_F(PidFileTest, AKilledHolderReleasesTheFileBeforeItIsReaped) {
  pid_t holder = StartHolder();
  ::kill(holder, SIGKILL);
  // Not reaped yet: the process is a zombie that `kill(pid, 0)` still finds.
  for (int i = 0; i < 200 && RunningDaemonPid(path_) != 0; ++i) ::usleep(5000);
  EXPECT_EQ(RunningDaemonPid(path_), 0);
  EXPECT_TRUE(ProcessAlive(holder));
  EXPECT_EQ(ReadPidFile(path_), holder);  // the stale pid is still written there
  int fd = LockPidFile(path_, "ganeti-test");
  WritePidFile(fd, path_);
  EXPECT_EQ(RunningDaemonPid(path_), ::getpid());
  ::close(fd);
  ::waitpid(holder, nullptr, 0);
}

// A daemon removes its pid file on the way out, some time before it has
// exited: stopping it waits for the process, not only for the file.
TEST_F(PidFileTest, StoppingWaitsForTheProcessNotOnlyItsPidFile) {
  pid_t child = StartHolder(/*slow_exit=*/true);
  std::vector<StoppingDaemon> stopping;
  AskDaemonToStop(path_, stopping);
  ASSERT_EQ(stopping.size(), 1u);
  const auto start = std::chrono::steady_clock::now();
  WaitForDaemonsToStop(stopping, 10);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(250));
  int status = 0;
  // Exited by itself (a zombie now), not killed at the deadline.
  ASSERT_EQ(::waitpid(child, &status, WNOHANG), child);
  EXPECT_TRUE(WIFEXITED(status));
}

}  // namespace
}  // namespace herd
