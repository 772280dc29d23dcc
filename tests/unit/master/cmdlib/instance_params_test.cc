// Opcode parameter checking: sizes with units, backend and hypervisor
// parameters, and the instance policy.
#include "master/cmdlib/instance_params.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "base/errors.h"
#include "master/cmdlib/ipolicy.h"
#include "objects/defaults.h"

namespace herd::master {
namespace {
namespace json = boost::json;

std::string ErrorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const GanetiError& e) {
    return e.what();
  }
  return "";
}

TEST(InstanceParamsTest, SizesTakeGanetiUnits) {
  EXPECT_EQ(ParseSizeMib(json::value(512), "x"), 512);
  EXPECT_EQ(ParseSizeMib(json::value("512"), "x"), 512);
  EXPECT_EQ(ParseSizeMib(json::value("1G"), "x"), 1024);
  EXPECT_EQ(ParseSizeMib(json::value("1.5g"), "x"), 1536);
  EXPECT_EQ(ParseSizeMib(json::value("2T"), "x"), 2 * 1024 * 1024);
  EXPECT_NE(ErrorOf([] { ParseSizeMib(json::value("12Q"), "disk 0"); }).find("Invalid unit 'Q'"),
            std::string::npos);
  EXPECT_NE(ErrorOf([] { ParseSizeMib(json::value("-3"), "disk 0"); }).find("negative"),
            std::string::npos);
}

TEST(InstanceParamsTest, MemorySetsMaxAndMinMemory) {
  auto be = CheckedBeParams(json::object{{"memory", "1G"}, {"vcpus", "2"}});
  EXPECT_EQ(be.at("maxmem").as_int64(), 1024);
  EXPECT_EQ(be.at("minmem").as_int64(), 1024);
  EXPECT_EQ(be.at("vcpus").as_int64(), 2);
  auto flags = CheckedBeParams(json::object{{"auto_balance", "no"}});
  EXPECT_EQ(flags.at("auto_balance"), json::value(false));
}

TEST(InstanceParamsTest, BadBackendParametersAreRefused) {
  EXPECT_NE(ErrorOf([] {
              CheckedBeParams(json::object{{"colour", "red"}});
            }).find("Unknown backend parameter 'colour'"),
            std::string::npos);
  EXPECT_NE(ErrorOf([] {
              CheckedBeParams(json::object{{"vcpus", 0}});
            }).find("Invalid value 0"),
            std::string::npos);
  EXPECT_NE(ErrorOf([] {
              CheckedBeParams(json::object{{"maxmem", 128}, {"minmem", 256}});
            }).find("Minimum memory cannot be higher"),
            std::string::npos);
  EXPECT_NE(ErrorOf([] {
              CheckedBeParams(json::object{{"auto_balance", "maybe"}});
            }).find("must be a boolean"),
            std::string::npos);
}

TEST(InstanceParamsTest, HypervisorParametersAreTheHypervisorsOwn) {
  auto hv = CheckedHvParams("fake", json::object{{"migration_mode", "non-live"}});
  EXPECT_EQ(hv.at("migration_mode"), json::value("non-live"));
  EXPECT_NE(ErrorOf([] {
              CheckedHvParams("fake", json::object{{"kernel_path", "/x"}});
            }).find("Unknown hypervisor parameter 'kernel_path' for hypervisor fake"),
            std::string::npos);
  EXPECT_NE(ErrorOf([] {
              CheckedHvParams("fake", json::object{{"migration_mode", "teleport"}});
            }).find("must be 'live' or 'non-live'"),
            std::string::npos);
}

TEST(IPolicyTest, SpecsWithinTheDefaultPolicyPass) {
  InstanceSpecs specs{"file", 512, 2, 1, 1, {2048}};
  EXPECT_TRUE(IPolicyViolations(objects::DefaultIPolicy(), specs).empty());
}

TEST(IPolicyTest, EachViolationIsNamed) {
  InstanceSpecs specs{"file", 64, 1, 1, 1, {128, 4096}};
  auto v = IPolicyViolations(objects::DefaultIPolicy(), specs);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0], "memory-size value 64 is not in range [128, 32768]");
  EXPECT_EQ(v[1], "disk-size/0 value 128 is not in range [1024, 1048576]");
}

TEST(IPolicyTest, DisklessInstancesHaveNoDiskCount) {
  InstanceSpecs specs{"diskless", 128, 1, 1, 1, {}};
  EXPECT_TRUE(IPolicyViolations(objects::DefaultIPolicy(), specs).empty());
  specs.disk_template = "file";
  auto v = IPolicyViolations(objects::DefaultIPolicy(), specs);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0], "disk-count value 0 is not in range [1, 16]");
}

TEST(IPolicyTest, DiskTemplateMustBeAllowed) {
  auto policy = objects::DefaultIPolicy();
  policy["disk-templates"] = json::array{"file"};
  InstanceSpecs specs{"sharedfile", 128, 1, 1, 1, {1024}};
  auto v = IPolicyViolations(policy, specs);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0], "Disk template sharedfile is not allowed (allowed templates: file)");
}

}  // namespace
}  // namespace herd::master
