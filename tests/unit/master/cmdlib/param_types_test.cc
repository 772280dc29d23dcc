// Typed parameter dictionaries and their updates, with Ganeti's conversions
// and errors.
#include "master/cmdlib/param_types.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "base/errors.h"

namespace herd::master {
namespace {
namespace json = boost::json;

std::string ErrorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const GanetiError& e) {
    return e.error_class() + ": " + (e.args().empty() ? "" : e.args()[0]);
  }
  return "no error";
}

TEST(ParamTypesTest, NodeParametersAreConvertedAsGanetiDoes) {
  const json::object given{{"spindle_count", "4"},
                           {"exclusive_storage", "True"},
                           {"cpu_speed", "1.5"},
                           {"ovs_link", nullptr},
                           {"oob_program", false}};
  const json::object typed = ForceParamTypes(given, NodeParamTypes());
  EXPECT_EQ(typed.at("spindle_count"), 4);
  EXPECT_EQ(typed.at("exclusive_storage"), true);
  EXPECT_EQ(typed.at("cpu_speed"), 1.5);
  EXPECT_TRUE(typed.at("ovs_link").is_null());
  EXPECT_EQ(typed.at("oob_program"), "");
  EXPECT_EQ(ErrorOf([] {
              ForceParamTypes({{"spindle_count", "many"}}, NodeParamTypes());
            }),
            "TypeEnforcementError: 'spindle_count' (value many) is not a valid integer");
  EXPECT_EQ(ErrorOf([] {
              ForceParamTypes({{"colour", "red"}}, NodeParamTypes());
            }),
            "TypeEnforcementError: Unknown parameter 'colour'");
  EXPECT_EQ(ErrorOf([] {
              ForceParamTypes({{"ovs", "maybe"}}, NodeParamTypes());
            }),
            "TypeEnforcementError: 'ovs' (value maybe) is not a valid boolean");
}

TEST(ParamTypesTest, DefaultTakesACustomValueBack) {
  const json::object updated =
      UpdatedParams({{"spindle_count", 2}, {"ssh_port", 2222}},
                    {{"spindle_count", "default"}, {"cpu_speed", 2.0}, {"ovs", "default"}});
  EXPECT_EQ(updated, (json::object{{"ssh_port", 2222}, {"cpu_speed", 2.0}}));
}

TEST(ParamTypesTest, GroupPolicyUpdates) {
  json::object policy = UpdatedGroupIPolicy({}, {{"vcpu-ratio", "3"}});
  EXPECT_EQ(policy.at("vcpu-ratio"), 3.0);
  policy = UpdatedGroupIPolicy(
      policy, {{"vcpu-ratio", "default"}, {"disk-templates", json::array{"file"}}});
  EXPECT_EQ(policy, (json::object{{"disk-templates", json::array{"file"}}}));
  const json::object bounds{{"min", {{"memory-size", "128"}, {"cpu-count", 1}}},
                            {"max", {{"memory-size", 512}, {"cpu-count", 4}}}};
  policy = UpdatedGroupIPolicy({}, {{"minmax", json::array{bounds}}});
  EXPECT_EQ(policy.at("minmax").as_array()[0].as_object().at("min").as_object().at("memory-size"),
            128);
  const json::object inverted{{"min", {{"memory-size", 1024}}}, {"max", {{"memory-size", 512}}}};
  EXPECT_NE(ErrorOf([&] {
              UpdatedGroupIPolicy({}, {{"minmax", json::array{inverted}}});
            }).find("invalid specification of min/max values for memory-size: 1024/512"),
            std::string::npos);
  EXPECT_EQ(ErrorOf([] {
              UpdatedGroupIPolicy({}, {{"std", {{"memory-size", 128}}}});
            }),
            "OpPrereqError: std cannot appear in group instance specs");
  EXPECT_EQ(ErrorOf([] {
              UpdatedGroupIPolicy({}, {{"colour", 1}});
            }),
            "OpPrereqError: Invalid key in new ipolicy: colour");
  EXPECT_NE(ErrorOf([] {
              UpdatedGroupIPolicy({}, {{"disk-templates", json::array{"tape"}}});
            }).find("invalid disk template specified: tape"),
            std::string::npos);
}

TEST(ParamTypesTest, DiskParametersPerTemplate) {
  const json::object updated =
      UpdatedDiskParams({{"drbd", {{"resync-rate", 100}}}}, {{"plain", {{"stripes", "2"}}}});
  EXPECT_EQ(updated.at("plain").as_object().at("stripes"), 2);
  EXPECT_EQ(updated.at("drbd").as_object().at("resync-rate"), 100);
  EXPECT_NE(ErrorOf([] {
              UpdatedDiskParams({}, {{"plain", {{"pool", "x"}}}});
            }).find("'pool' is not supported by disk template plain"),
            std::string::npos);
  EXPECT_NE(ErrorOf([] {
              UpdatedDiskParams({}, {{"tape", json::object{}}});
            }).find("Unknown disk template 'tape'"),
            std::string::npos);
}

}  // namespace
}  // namespace herd::master
