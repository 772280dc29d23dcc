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

TEST(JsonTest, AValueParsedInAnArenaOutlivesTheWholeItWasTakenFrom) {
  const std::string text = R"({"fields": ["a"], "data": [[[0, "x"], [0, 3]], [[1, null]]]})";
  json::value part;
  {
    json::value whole = ParseJsonInArena(text, "answer");
    EXPECT_EQ(whole, ParseJson(text, "answer"));
    part = std::move(whole.as_object()["data"]);
  }
  EXPECT_EQ(SerializeJson(part), R"([[[0,"x"],[0,3]],[[1,null]]])");
  EXPECT_EQ(ErrorOf([] { ParseJsonInArena("{\"a\":", "the answer"); }),
            ErrorOf([] { ParseJson("{\"a\":", "the answer"); }));
}

TEST(JsonTest, ObjectsAndArraysSerializeAsTheValuesHoldingThem) {
  const json::value v = ParseJson(R"({"b": [1, {"c": "d"}, []], "a": {}})", "t");
  EXPECT_EQ(SerializeJson(v.as_object()), SerializeJson(v));
  EXPECT_EQ(SerializeJson(v.as_object().at("b").as_array()), SerializeJson(v.as_object().at("b")));
  EXPECT_EQ(SerializeJsonPretty(v.as_object()), SerializeJsonPretty(v));
  EXPECT_EQ(SerializeJsonPretty(v.as_object()),
            "{\n  \"b\": [\n    1,\n    {\n      \"c\": \"d\"\n    },\n    []\n  ],\n"
            "  \"a\": {}\n}\n");
}

}  // namespace
}  // namespace herd
