#include "base/json.h"

#include <gtest/gtest.h>

#include "base/errors.h"

namespace herd {
namespace {

std::string ErrorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const GanetiError& e) {
    return e.args().at(0);
  }
  return "(no error)";
}

TEST(JsonTest, IntegersAreReadFromEveryNumberThatHoldsOne) {
  const auto o =
      ParseJson(R"({"a": 7, "b": 18446744073709551, "c": 4.0, "d": -3})", "t").as_object();
  EXPECT_EQ(GetInt(o, "a", "spec"), 7);
  EXPECT_EQ(GetInt(o, "b", "spec"), 18446744073709551);
  EXPECT_EQ(GetInt(o, "c", "spec"), 4);
  EXPECT_EQ(GetInt(o, "d", "spec"), -3);
  EXPECT_EQ(ToInt(o.at("c"), "c"), 4);
  EXPECT_EQ(GetIntOr(o, "missing", 5), 5);
}

TEST(JsonTest, ANonIntegerFieldIsNamedInFull) {
  const auto o = ParseJson(R"({"a": 4.5, "b": "ten", "c": null})", "t").as_object();
  EXPECT_EQ(ErrorOf([&] { GetInt(o, "a", "spec"); }), "spec.a must be an integer");
  EXPECT_EQ(ErrorOf([&] { GetInt(o, "b", "spec"); }), "spec.b must be an integer");
  EXPECT_EQ(ErrorOf([&] { GetInt(o, "c", "spec"); }), "spec.c must be an integer");
  EXPECT_EQ(ErrorOf([&] { GetInt(o, "d", "spec"); }), "spec: missing field 'd'");
  EXPECT_EQ(ErrorOf([&] { ToInt(o.at("b"), "the count"); }), "the count must be an integer");
}

}  // namespace
}  // namespace herd
