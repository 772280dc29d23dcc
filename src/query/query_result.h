// Ganeti's query result layout ("query2"): field definitions plus rows of
// [status, value] pairs, shared by LUXI, RAPI and the CLI.
#pragma once

#include <boost/json/value.hpp>
#include <functional>
#include <string>
#include <vector>

namespace herd::query {

// Ganeti's RS_* result statuses.
enum class ResultStatus : int {
  kNormal = 0,
  kUnknown = 1,
  kNoData = 2,
  kUnavail = 3,
  kOffline = 4
};

// Ganeti's QFT_* field kinds.
inline constexpr const char* kText = "text";
inline constexpr const char* kBool = "bool";
inline constexpr const char* kNumber = "number";
inline constexpr const char* kFloat = "float";
inline constexpr const char* kUnit = "unit";
inline constexpr const char* kTimestamp = "timestamp";
inline constexpr const char* kOther = "other";
inline constexpr const char* kUnknown = "unknown";

struct FieldDefinition {
  std::string name, title, kind, doc;
};

// A field's value for one item: a JSON value, or a status without value.
struct FieldValue {
  ResultStatus status = ResultStatus::kNormal;
  boost::json::value value;
  static FieldValue Of(boost::json::value v) { return {ResultStatus::kNormal, std::move(v)}; }
  static FieldValue Status(ResultStatus s) { return {s, nullptr}; }
};

// One queryable resource: its fields and how to read one from an item.
template <typename Item>
struct FieldTable {
  struct Entry {
    FieldDefinition definition;
    std::function<FieldValue(const Item&)> get;
  };
  std::vector<Entry> entries;

  void Add(std::string name, std::string title, std::string kind, std::string doc,
           std::function<FieldValue(const Item&)> get) {
    entries.push_back(
        {{std::move(name), std::move(title), std::move(kind), std::move(doc)}, std::move(get)});
  }
  const Entry* Find(const std::string& name) const {
    for (const auto& e : entries) {
      if (e.definition.name == name) return &e;
    }
    return nullptr;
  }
};

boost::json::object ToJson(const FieldDefinition& d);
// Definition reported for a field nobody knows (kind "unknown").
FieldDefinition UnknownField(const std::string& name);

// Builds {"fields": [...], "data": [...]} for `items` with `fields`,
// keeping items for which `filter` (may be null JSON) matches.
template <typename Item>
boost::json::value RunQuery(const FieldTable<Item>& table, const std::vector<std::string>& fields,
                            const std::vector<const Item*>& items,
                            const boost::json::value& filter);

// The same over rows held by value.
template <typename Item>
boost::json::value RunQuery(const FieldTable<Item>& table, const std::vector<std::string>& fields,
                            const std::vector<Item>& rows, const boost::json::value& filter) {
  std::vector<const Item*> items;
  items.reserve(rows.size());
  for (const auto& r : rows) items.push_back(&r);
  return RunQuery(table, fields, items, filter);
}

// Every field definition of a table (QueryFields), or the named ones.
template <typename Item>
boost::json::value FieldsOf(const FieldTable<Item>& table, const std::vector<std::string>& names);

}  // namespace herd::query

#include "query/query_result_impl.h"
