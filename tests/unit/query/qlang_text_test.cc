// The text form of Ganeti's query language: parse into filter trees (the
// cases of Ganeti's own qlang tests), evaluate, and errors.
#include "query/qlang_text.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "base/errors.h"
#include "query/filter.h"

namespace herd::query {
namespace {
namespace json = boost::json;

json::value Tree(const char* text) { return json::parse(text); }

void ExpectParse(const char* filter, const char* expected) {
  EXPECT_EQ(ParseFilterText(filter), Tree(expected)) << filter;
}

TEST(QlangTextTest, Comparisons) {
  ExpectParse("name == \"foobar\"", R"(["==", "name", "foobar"])");
  ExpectParse("name == 'foo\"bar'", R"(["==", "name", "foo\"bar"])");
  ExpectParse("mtotal = 4096", R"(["==", "mtotal", 4096])");
  ExpectParse("x != -12", R"(["!=", "x", -12])");
  ExpectParse("x < 1", R"(["<", "x", 1])");
  ExpectParse("x <= 1", R"(["<=", "x", 1])");
  ExpectParse("x > 1", R"([">", "x", 1])");
  ExpectParse("x >= +1", R"([">=", "x", 1])");
  ExpectParse("be/memory > 512", R"([">", "be/memory", 512])");
  ExpectParse("disk.size/0 >= 1024", R"([">=", "disk.size/0", 1024])");
}

TEST(QlangTextTest, BooleanFieldsAndLogic) {
  ExpectParse("offline", R"(["?", "offline"])");
  ExpectParse("not offline", R"(["!", ["?", "offline"]])");
  ExpectParse("master_candidate and not drained",
              R"(["&", ["?", "master_candidate"], ["!", ["?", "drained"]]])");
  ExpectParse("a or b and c", R"(["|", ["?", "a"], ["&", ["?", "b"], ["?", "c"]]])");
  ExpectParse("(a or b) and c", R"(["&", ["|", ["?", "a"], ["?", "b"]], ["?", "c"]])");
  ExpectParse("a and b and c", R"(["&", ["?", "a"], ["?", "b"], ["?", "c"]])");
  ExpectParse("name == \"a\" or name == \"b\"",
              R"(["|", ["==", "name", "a"], ["==", "name", "b"]])");
  ExpectParse("not not x", R"(["!", ["!", ["?", "x"]]])");
  ExpectParse("android", R"(["?", "android"])");  // keywords only as whole words
}

TEST(QlangTextTest, ContainsRegexAndGlob) {
  ExpectParse("\"prod\" in tags", R"(["=[]", "tags", "prod"])");
  ExpectParse("\"prod\" not in tags", R"(["!", ["=[]", "tags", "prod"]])");
  ExpectParse("name =~ m/^web/", R"(["=~", "name", "^web"])");
  ExpectParse("name =~ /^web/i", R"(["=~", "name", "(?i)^web"])");
  ExpectParse("name =~ m#a/b#si", R"(["=~", "name", "(?is)a/b"])");
  ExpectParse("name !~ m/x/", R"(["!", ["=~", "name", "x"]])");
  ExpectParse("name =* \"*.site\"", R"(["=~", "name", "^[^.]*\\.site(\\..*)?$"])");
  ExpectParse("name !* \"web?\"", R"(["!", ["=~", "name", "^web[^.](\\..*)?$"]])");
}

TEST(QlangTextTest, ErrorsSayWhereAndWhat) {
  auto error_of = [](const char* text) {
    try {
      ParseFilterText(text);
    } catch (const GanetiError& e) {
      EXPECT_EQ(e.error_class(), "QueryFilterParseError");
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error_of("name == \"abc").find("closing \""), std::string::npos);
  EXPECT_NE(error_of("(a or b").find("Expected ')'"), std::string::npos);
  EXPECT_NE(error_of("name == ").find("a number or a quoted string"), std::string::npos);
  EXPECT_NE(error_of("a b").find("end of filter at position 3"), std::string::npos);
  EXPECT_NE(error_of("== 3").find("a field name"), std::string::npos);
  EXPECT_NE(error_of("name =~ m/x/q").find("Unknown regular expression flags"), std::string::npos);
  EXPECT_NE(error_of("name =~ m/(/").find("Invalid regular expression"), std::string::npos);
  EXPECT_NE(error_of("\"x\" tags").find("'in' or 'not in'"), std::string::npos);
}

TEST(QlangTextTest, MakeFilterTellsNamesFromFilters) {
  EXPECT_TRUE(MakeFilter({}, false).is_null());
  EXPECT_EQ(MakeFilter({"node1", "node2"}, false),
            Tree(R"(["|", ["=", "name", "node1"], ["=", "name", "node2"]])"));
  EXPECT_EQ(MakeFilter({"web*"}, false), Tree(R"(["|", ["=~", "name", "^web[^.]*(\\..*)?$"]])"));
  EXPECT_EQ(MakeFilter({"pnode == \"node2\""}, false), Tree(R"(["==", "pnode", "node2"])"));
  EXPECT_EQ(MakeFilter({"offline"}, true), Tree(R"(["?", "offline"])"));
  EXPECT_EQ(MakeFilter({"12"}, false, "id", true), Tree(R"(["|", ["=", "id", 12]])"));
  EXPECT_THROW(MakeFilter({"a", "b"}, true), GanetiError);
  EXPECT_THROW(MakeFilter({"x1"}, false, "id", true), GanetiError);
}

TEST(QlangTextTest, ParsedFiltersEvaluate) {
  Filter f = Filter::Parse(ParseFilterText("name =~ m/^WEB/i and mem > 100 and \"a\" in tags"));
  auto row = [](const char* name, int mem, json::array tags) {
    return [=](const std::string& field) -> json::value {
      if (field == "name") return json::value(name);
      if (field == "mem") return json::value(mem);
      return tags;
    };
  };
  EXPECT_TRUE(f.Matches(row("web1", 512, {"a", "b"})));
  EXPECT_FALSE(f.Matches(row("db1", 512, {"a"})));
  EXPECT_FALSE(f.Matches(row("web1", 64, {"a"})));
  EXPECT_FALSE(f.Matches(row("web1", 512, {"b"})));
}

}  // namespace
}  // namespace herd::query
