#include "node/hooks_runner.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "base/errors.h"
#include "temp_cluster_dir.h"

namespace herd {
namespace {

class HooksRunnerTest : public ::testing::Test {
 protected:
  void TearDown() override { std::filesystem::remove_all(root_); }

  void Script(const std::string& name, const std::string& body, mode_t mode = 0755) {
    const std::string dir = paths_.HooksDir() + "/instance-start-pre.d";
    std::filesystem::create_directories(dir);
    std::ofstream(dir + "/" + name) << "#!/bin/sh\n" << body;
    ::chmod((dir + "/" + name).c_str(), mode);
  }

  std::string root_ =
      testing_support::NewClusterDir("herd-hooks", "node1");  // the node's root is <root_>/node1
  Paths paths_{root_ + "/node1", "node1"};
};

TEST_F(HooksRunnerTest, NoDirectoryMeansNoHooks) {
  EXPECT_TRUE(RunHooks(paths_, "instance-start", "pre", {}).empty());
  EXPECT_FALSE(HooksCallRunsScripts(paths_, boost::json::parse(R"(["instance-start","pre",{}])")));
}

TEST_F(HooksRunnerTest, RunsInOrderWithExactlyTheGivenEnvironment) {
  Script("20-second", "echo \"second $GANETI_X ${HOME:-nohome}\"\n");
  Script("10-first", "echo '  first  '\nexit 3\n");
  Script("15.sh", "echo never\n");
  Script("30-plain", "echo never\n", 0644);
  EXPECT_TRUE(HooksCallRunsScripts(paths_, boost::json::parse(R"(["instance-start","pre",{}])")));
  const auto results = RunHooks(paths_, "instance-start", "pre", {{"GANETI_X", "x"}});
  EXPECT_EQ(boost::json::serialize(results),
            R"([["instance-start-pre.d/10-first",1,"first"],)"
            R"(["instance-start-pre.d/15.sh",0,""],)"
            R"(["instance-start-pre.d/20-second",2,"second x nohome"],)"
            R"(["instance-start-pre.d/30-plain",0,""]])");
}

TEST_F(HooksRunnerTest, RefusesUnknownPhasesAndPathsThatEscape) {
  EXPECT_THROW(RunHooks(paths_, "instance-start", "middle", {}), GanetiError);
  EXPECT_THROW(RunHooks(paths_, "../etc", "pre", {}), GanetiError);
}

}  // namespace
}  // namespace herd
