#include "query/filter.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "base/json.h"

namespace herd::query {
namespace {

json::object Node(const char* name, int mfree, bool offline, json::array tags) {
  return {{"name", name}, {"mfree", mfree}, {"offline", offline}, {"tags", std::move(tags)}};
}

bool Match(const char* filter, const json::object& item) {
  return Filter::Parse(ParseJson(filter, "filter")).Matches([&](const std::string& f) {
    auto it = item.find(f);
    return it == item.end() ? json::value(nullptr) : it->value();
  });
}

TEST(FilterTest, ComparisonsAndLogic) {
  auto n = Node("node2", 2048, false, {"a", "b"});
  EXPECT_TRUE(Match(R"(["=", "name", "node2"])", n));
  EXPECT_FALSE(Match(R"(["!=", "name", "node2"])", n));
  EXPECT_TRUE(Match(R"(["&", [">", "mfree", 1024], ["!", ["?", "offline"]]])", n));
  EXPECT_FALSE(Match(R"(["&", [">", "mfree", 4096], ["?", "name"]])", n));
  EXPECT_TRUE(Match(R"(["|", ["<", "mfree", 10], ["<=", "mfree", 2048]])", n));
  EXPECT_TRUE(Match(R"(["=~", "name", "^node[0-9]$"])", n));
  EXPECT_TRUE(Match(R"(["=[]", "tags", "b"])", n));
  EXPECT_FALSE(Match(R"(["=[]", "tags", "c"])", n));
}

TEST(FilterTest, NullIsNoFilter) {
  auto f = Filter::Parse(json::value(nullptr));
  EXPECT_TRUE(f.empty());
  EXPECT_TRUE(f.Matches([](const std::string&) { return json::value(nullptr); }));
}

TEST(FilterTest, ReferencedFields) {
  auto f = Filter::Parse(ParseJson(R"(["&", ["=", "a", 1], ["!", ["?", "b"]]])", "f"));
  EXPECT_EQ(f.ReferencedFields(), (std::vector<std::string>{"a", "b"}));
}

TEST(FilterTest, ParseErrorsAreClear) {
  for (const char* bad : {R"("name")", R"([])", R"(["~~", "a", 1])", R"(["=", "a"])",
                          R"(["!", ["?", "a"], ["?", "b"]])", R"(["=~", "a", "("])"}) {
    try {
      Filter::Parse(ParseJson(bad, "filter"));
      FAIL() << "accepted " << bad;
    } catch (const GanetiError& e) {
      EXPECT_EQ(e.error_class(), "QueryFilterParseError") << bad;
    }
  }
}

TEST(FilterTest, IncomparableValuesAreAnError) {
  EXPECT_THROW(Match(R"(["<", "name", 5])", Node("x", 1, false, {})), GanetiError);
}

}  // namespace
}  // namespace herd::query
