// Values shown as Python shows them, as Ganeti's messages and CLI output do.
#include "base/python_repr.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace herd {
namespace {

TEST(PythonReprTest, ScalarsAndContainers) {
  EXPECT_EQ(PythonRepr(nullptr), "None");
  EXPECT_EQ(PythonRepr(true), "True");
  EXPECT_EQ(PythonRepr(1.0), "1.0");
  EXPECT_EQ(PythonRepr(0.25), "0.25");
  EXPECT_EQ(PythonRepr(-3), "-3");
  EXPECT_EQ(PythonRepr("it's"), "\"it's\"");
  EXPECT_EQ(PythonRepr(boost::json::parse(R"({"a": {"b": [1, "x", false]}, "c": 2.5})")),
            "{'a': {'b': [1, 'x', False]}, 'c': 2.5}");
  EXPECT_EQ(PythonStr("plain"), "plain");
  EXPECT_EQ(PythonStr(boost::json::object{}), "{}");
}

}  // namespace
}  // namespace herd
