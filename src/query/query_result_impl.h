// Template bodies of query_result.h.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/object.hpp>

#include "query/filter.h"

namespace herd::query {

template <typename Item>
boost::json::value RunQuery(const FieldTable<Item>& table, const std::vector<std::string>& fields,
                            const std::vector<const Item*>& items,
                            const boost::json::value& filter) {
  Filter compiled = Filter::Parse(filter);
  for (const auto& name : compiled.ReferencedFields()) {
    if (!table.Find(name)) {
      throw QueryFilterParseError("Unknown field '" + name + "' in filter");
    }
  }
  boost::json::array defs;
  std::vector<const typename FieldTable<Item>::Entry*> entries;
  for (const auto& name : fields) {
    const auto* e = table.Find(name);
    entries.push_back(e);
    defs.push_back(ToJson(e ? e->definition : UnknownField(name)));
  }
  // Thousands of rows of small arrays, freed together once the answer is
  // sent: taken from one growing arena rather than one malloc each.
  boost::json::storage_ptr arena =
      boost::json::make_shared_resource<boost::json::monotonic_resource>();
  boost::json::array rows(arena);
  rows.reserve(items.size());
  for (const Item* item : items) {
    if (!compiled.empty()) {
      bool keep = compiled.Matches([&](const std::string& name) -> boost::json::value {
        FieldValue v = table.Find(name)->get(*item);
        return v.status == ResultStatus::kNormal ? v.value : boost::json::value(nullptr);
      });
      if (!keep) continue;
    }
    boost::json::array& row = rows.emplace_back(boost::json::array(arena)).get_array();
    row.reserve(entries.size());
    for (const auto* e : entries) {
      FieldValue v = e ? e->get(*item) : FieldValue::Status(ResultStatus::kUnknown);
      boost::json::array& cell = row.emplace_back(boost::json::array(arena)).get_array();
      cell.reserve(2);
      cell.emplace_back(static_cast<int>(v.status));
      cell.emplace_back(std::move(v.value));
    }
  }
  boost::json::object answer(arena);
  answer.emplace("fields", std::move(defs));
  answer.emplace("data", std::move(rows));
  return answer;
}

template <typename Item>
boost::json::value FieldsOf(const FieldTable<Item>& table, const std::vector<std::string>& names) {
  boost::json::array defs;
  if (names.empty()) {
    for (const auto& e : table.entries) defs.push_back(ToJson(e.definition));
  } else {
    for (const auto& n : names) {
      const auto* e = table.Find(n);
      defs.push_back(ToJson(e ? e->definition : UnknownField(n)));
    }
  }
  return boost::json::object{{"fields", std::move(defs)}};
}

}  // namespace herd::query
