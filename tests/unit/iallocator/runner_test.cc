#include "master/iallocator/runner.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>

#include "base/errors.h"
#include "base/files.h"
#include "base/json.h"
#include "base/paths.h"
#include "test_cluster.h"

namespace herd::master::iallocator {
namespace {

using testing::TempDir;

std::string ExecErrorMessage(const std::function<void()>& f) {
  try {
    f();
  } catch (const GanetiError& e) {
    EXPECT_EQ(e.error_class(), "OpExecError");
    return e.args().at(0);
  }
  ADD_FAILURE() << "no error";
  return "";
}

TEST(RunnerTest, SearchPathStartsUnderTheNodeRoot) {
  EXPECT_EQ(AllocatorSearchPath(Paths("/tmp/vc/node1", "node1")),
            (std::vector<std::string>{
                "/tmp/vc/node1/usr/lib/ganeti/iallocators", "/usr/local/lib/ganeti/iallocators",
                "/usr/lib/ganeti/iallocators", "/usr/lib/ganeti/3.0/usr/lib/ganeti/iallocators"}));
  // A real node has no root prefix: the standard directories, each once.
  EXPECT_EQ(AllocatorSearchPath(Paths("", "node1")), DefaultAllocatorSearchPath());
}

TEST(RunnerTest, FindsTheFirstMatchInTheSearchPath) {
  TempDir dir;
  MakeDirs(dir.path() + "/a");
  MakeDirs(dir.path() + "/b");
  MakeDirs(dir.path() + "/c/dumb");  // a directory is not an allocator
  {
    std::ofstream(dir.path() + "/b/dumb") << "#!/bin/sh\n";
    std::ofstream(dir.path() + "/c/other") << "#!/bin/sh\n";
  }
  const std::vector<std::string> path{dir.path() + "/a", dir.path() + "/c", dir.path() + "/b"};
  EXPECT_EQ(FindAllocator("dumb", path), dir.path() + "/b/dumb");
  EXPECT_EQ(FindAllocator(dir.path() + "/c/other", {}), dir.path() + "/c/other");

  std::string message = ExecErrorMessage([&] { FindAllocator("hail", path); });
  EXPECT_NE(message.find("iallocator module 'hail' not found in the search path"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find(dir.path() + "/a"), std::string::npos) << message;
  message = ExecErrorMessage([&] { FindAllocator("../b/dumb", path); });
  EXPECT_NE(message.find("invalid iallocator name"), std::string::npos) << message;
  message = ExecErrorMessage([&] { FindAllocator(dir.path() + "/nothing", path); });
  EXPECT_NE(message.find("not an existing file"), std::string::npos) << message;
}

TEST(RunnerTest, PassesTheRequestFileThenParametersAndReturnsStdoutOnly) {
  TempDir dir;
  // Records its arguments and the request, warns on stderr, answers on stdout.
  dir.Script("echoer", "printf '%s\\n' \"$@\" > \"" + dir.path() +
                           "/argv\"\n"
                           "cat \"$1\" > \"" +
                           dir.path() +
                           "/request\"\n"
                           "pwd > \"" +
                           dir.path() +
                           "/cwd\"\n"
                           "echo 'a warning' >&2\n"
                           "echo '{\"success\": true, \"info\": \"\", \"result\": []}'\n");
  Allocator allocator{"echoer", {dir.path()}, {}, 10, dir.path()};
  const std::string out = RunAllocatorScript(allocator, json::object{{"version", 2}},
                                             {{"flag", std::nullopt}, {"k", "v"}});
  EXPECT_EQ(out, "{\"success\": true, \"info\": \"\", \"result\": []}\n");
  EXPECT_EQ(ReadFile(dir.path() + "/request"), "{\"version\":2}");
  EXPECT_EQ(ReadFile(dir.path() + "/cwd"), "/\n");
  const std::string argv = ReadFile(dir.path() + "/argv");
  const std::string request_file = argv.substr(0, argv.find('\n'));
  EXPECT_EQ(request_file.rfind(dir.path() + "/ganeti-iallocator.", 0), 0u) << argv;
  EXPECT_EQ(argv.substr(argv.find('\n') + 1), "--flag\n--k=v\n");
  // The request file is gone once the allocator has answered.
  EXPECT_FALSE(std::filesystem::exists(request_file));
}

TEST(RunnerTest, FailureReportsExitCodeAndOutput) {
  TempDir dir;
  dir.Script("broken", "echo 'partial'\necho 'cannot parse input' >&2\nexit 3\n");
  Allocator allocator{"broken", {dir.path()}, {}, 10, dir.path()};
  const std::string message =
      ExecErrorMessage([&] { RunAllocatorScript(allocator, json::object{}, {}); });
  EXPECT_EQ(message,
            "Failure while running the iallocator script: iallocator module 'broken' failed: "
            "exited with exit code 3, output 'partial\ncannot parse input\n'");
  EXPECT_TRUE(ListDirectory(dir.path()).size() == 1u) << "request file left behind";
}

TEST(RunnerTest, TimeLimitKillsTheAllocatorAndItsChildren) {
  TempDir dir;
  dir.Script("slow", "sleep 60 &\nsleep 60\n");
  Allocator allocator{"slow", {dir.path()}, {}, 1, dir.path()};
  const auto start = std::chrono::steady_clock::now();
  const std::string message =
      ExecErrorMessage([&] { RunAllocatorScript(allocator, json::object{}, {}); });
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  EXPECT_NE(message.find("did not finish within 1 seconds and was killed"), std::string::npos)
      << message;
}

TEST(RunnerTest, SignalAndUnexecutableFileAreReported) {
  TempDir dir;
  dir.Script("crash", "kill -SEGV $$\n");
  std::ofstream(dir.path() + "/plain") << "not a program\n";
  std::string message = ExecErrorMessage([&] {
    RunAllocatorScript(Allocator{"crash", {dir.path()}, {}, 10, ""}, json::object{}, {});
  });
  EXPECT_NE(message.find("terminated by signal 11"), std::string::npos) << message;
  message = ExecErrorMessage([&] {
    RunAllocatorScript(Allocator{"plain", {dir.path()}, {}, 10, ""}, json::object{}, {});
  });
  EXPECT_NE(message.find("cannot execute iallocator " + dir.path() + "/plain"), std::string::npos)
      << message;
}

}  // namespace
}  // namespace herd::master::iallocator
