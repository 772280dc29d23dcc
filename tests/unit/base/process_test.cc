// Commands run for hooks, OS scripts and restricted commands: what the child
// sees (environment, directory, input, descriptors, signals) and what the
// caller learns (output, exit code, a command that cannot run, a time-out).
#include "base/process.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>

#include "base/errors.h"
#include "base/files.h"

namespace herd {
namespace {

CommandResult Shell(const std::string& script, const std::map<std::string, std::string>& env = {},
                    const std::string& cwd = "", int timeout_seconds = 30,
                    const std::string& stdin_file = "") {
  return RunCommandInCleanEnvironment({"sh", "-c", script}, env, cwd, timeout_seconds, stdin_file);
}

TEST(RunCommandTest, CapturesStdoutAndStderrAndTheExitCode) {
  const CommandResult result = Shell("echo out; echo err >&2; exit 3");
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_TRUE(result.failed());
  EXPECT_EQ(result.output, "out\nerr\n");
}

TEST(RunCommandTest, TheChildSeesOnlyTheGivenEnvironment) {
  ::setenv("HERD_PROCESS_TEST_LEAK", "1", 1);
  const CommandResult result =
      Shell("echo \"${HERD_PROCESS_TEST_LEAK:-unset} $GIVEN $PATH\"", {{"GIVEN", "yes"}});
  ::unsetenv("HERD_PROCESS_TEST_LEAK");
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.output, "unset yes /usr/local/bin:/usr/bin:/bin\n");
}

TEST(RunCommandTest, RunCommandAddsToTheCallersEnvironment) {
  ::setenv("HERD_PROCESS_TEST_KEPT", "kept", 1);
  const CommandResult result =
      RunCommand({"sh", "-c", "echo $HERD_PROCESS_TEST_KEPT $ADDED"}, {{"ADDED", "added"}});
  ::unsetenv("HERD_PROCESS_TEST_KEPT");
  EXPECT_EQ(result.output, "kept added\n");
}

TEST(RunCommandTest, RunsInTheGivenDirectoryWithTheGivenInput) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("herd-process-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  WriteFileAtomic((dir / "input").string(), "from the file\n");
  const CommandResult with_input =
      Shell("pwd; cat", {}, dir.string(), 30, (dir / "input").string());
  const CommandResult without = Shell("cat; echo end", {}, dir.string());
  std::filesystem::remove_all(dir);
  EXPECT_EQ(with_input.output, dir.string() + "\nfrom the file\n");
  EXPECT_EQ(without.output, "end\n");  // /dev/null
}

TEST(RunCommandTest, AMissingInputFileIsAnError) {
  EXPECT_THROW(Shell("true", {}, "", 30, "/nonexistent/herd-input"), GanetiError);
}

TEST(RunCommandTest, ACommandThatCannotRunExitsAsAShellSays) {
  const CommandResult missing = RunCommandInCleanEnvironment({"/nonexistent/herd-cmd"}, {});
  EXPECT_EQ(missing.exit_code, 127);
  EXPECT_NE(missing.output.find("cannot execute /nonexistent/herd-cmd: No such file"),
            std::string::npos)
      << missing.output;
  const CommandResult bad_dir = RunCommandInCleanEnvironment({"true"}, {}, "/nonexistent/dir");
  EXPECT_EQ(bad_dir.exit_code, 127);
}

TEST(RunCommandTest, TheCallersDescriptorsAndSignalsStayBehind) {
  // A descriptor without close-on-exec (a listening socket, say) and a
  // blocked SIGTERM and ignored SIGPIPE, as in a daemon.
  const int open_fd = ::open("/dev/null", O_RDONLY);
  ASSERT_GE(open_fd, 3);
  sigset_t term, before;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  ::pthread_sigmask(SIG_BLOCK, &term, &before);
  auto* previous_pipe = ::signal(SIGPIPE, SIG_IGN);
  const CommandResult result = Shell(
      "ls /proc/self/fd | sort -n | tr '\\n' ' '; echo; grep -E '^Sig(Blk|Ign)' /proc/self/status");
  ::signal(SIGPIPE, previous_pipe);
  ::pthread_sigmask(SIG_SETMASK, &before, nullptr);
  ::close(open_fd);
  // 0-2 and the descriptor ls opens for the listing, nothing else.
  EXPECT_EQ(result.output.substr(0, result.output.find('\n')), "0 1 2 3 ");
  EXPECT_NE(result.output.find("SigBlk:\t0000000000000000"), std::string::npos) << result.output;
  // SIGPIPE (bit 13) acts again in the command.
  const auto ignored = result.output.substr(result.output.find("SigIgn:\t") + 8, 16);
  EXPECT_EQ(std::stoull(ignored, nullptr, 16) & (1ULL << (SIGPIPE - 1)), 0U) << result.output;
}

TEST(RunCommandTest, ACommandOverItsTimeIsKilled) {
  const auto start = std::chrono::steady_clock::now();
  const CommandResult result = Shell("echo started; exec sleep 30", {}, "", 1);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  EXPECT_EQ(result.exit_code, -1);
  EXPECT_NE(result.output.find("started"), std::string::npos);
  EXPECT_NE(result.output.find("[killed after 1s timeout]"), std::string::npos);
}

}  // namespace
}  // namespace herd
