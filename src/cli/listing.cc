#include "cli/listing.h"

#include <algorithm>
#include <boost/json.hpp>
#include <iostream>
#include <map>
#include <set>

#include "base/errors.h"
#include "base/json.h"
#include "cli/command.h"
#include "query/qlang_text.h"

namespace herd::cli {
namespace {

json::value RunQuery(const std::string& resource, const std::vector<std::string>& fields,
                     const std::vector<std::string>& names, const std::string& name_field,
                     const std::string& filter_text) {
  json::array field_list;
  for (const auto& f : fields) field_list.emplace_back(f);
  // Names (or globs), or Ganeti's filter text as the only argument.
  json::value filter = query::MakeFilter(names, false, name_field, name_field == "id");
  const bool plain_names =
      !names.empty() && filter.is_array() && filter.as_array().size() == names.size() + 1 &&
      std::all_of(filter.as_array().begin() + 1, filter.as_array().end(),
                  [](const json::value& v) { return v.as_array()[0] == json::value("="); });
  if (!filter_text.empty()) {
    // -F takes the text form; a JSON filter tree is accepted too.
    json::value user = filter_text.front() == '[' ? ParseJson(filter_text, "filter (-F)")
                                                  : query::ParseFilterText(filter_text);
    filter = filter.is_null() ? user : json::array{"&", filter, user};
  }
  json::value result = Master().Call("Query", json::array{resource, field_list, filter});
  if (plain_names) {
    // Ganeti reports names that matched nothing.
    std::set<std::string> found;
    auto idx = std::find(fields.begin(), fields.end(), name_field);
    if (idx != fields.end()) {
      size_t i = static_cast<size_t>(idx - fields.begin());
      for (const auto& row : result.as_object().at("data").as_array()) {
        const auto& cell = row.as_array()[i].as_array()[1];
        found.insert(cell.is_string() ? std::string(cell.get_string()) : SerializeJson(cell));
      }
      for (const auto& n : names) {
        if (!found.count(n)) {
          throw OpPrereqError("No such " + resource + " '" + n + "'", kEcodeNoEnt);
        }
      }
    }
  }
  return result;
}

}  // namespace

std::vector<std::vector<json::value>> QueryValues(const std::string& resource,
                                                  const std::vector<std::string>& fields,
                                                  const std::vector<std::string>& names,
                                                  const std::string& name_field) {
  std::vector<std::string> with_name = fields;
  if (std::find(fields.begin(), fields.end(), name_field) == fields.end())
    with_name.push_back(name_field);
  json::value result = RunQuery(resource, with_name, names, name_field, "");
  std::vector<std::vector<json::value>> rows;
  for (const auto& row : result.as_object().at("data").as_array()) {
    std::vector<json::value> values;
    for (size_t i = 0; i < fields.size(); ++i) values.push_back(row.as_array()[i].as_array()[1]);
    rows.push_back(std::move(values));
  }
  return rows;
}

int GenericList(const std::string& resource, const std::vector<std::string>& names,
                const std::vector<std::string>& default_fields, const ListOptions& options,
                const std::string& name_field) {
  std::vector<std::string> fields = ParseFieldList(options.fields, default_fields);
  json::value result = RunQuery(resource, fields, names, name_field, options.filter);
  const auto& defs = result.as_object().at("fields").as_array();
  std::vector<std::string> headers, kinds, field_names;
  std::vector<bool> numeric;
  for (const auto& d : defs) {
    const auto& o = d.as_object();
    headers.emplace_back(o.at("title").as_string());
    kinds.emplace_back(o.at("kind").as_string());
    field_names.emplace_back(o.at("name").as_string());
    if (kinds.back() == "unknown") {
      throw OpPrereqError("Unknown output field '" + std::string(o.at("name").as_string()) + "'",
                          kEcodeInval);
    }
    numeric.push_back(kinds.back() == "number" || (kinds.back() == "unit" && options.units != "h"));
  }
  const auto& data = result.as_object().at("data").as_array();
  std::vector<std::vector<std::string>> rows;
  rows.reserve(data.size());
  for (const auto& row : data) {
    std::vector<std::string> cells;
    const auto& r = row.as_array();
    cells.reserve(r.size());
    for (size_t i = 0; i < r.size(); ++i) {
      const auto& cell = r[i].as_array();
      const auto own = options.format_override.find(field_names[i]);
      if (own != options.format_override.end() && ToInt(cell[0], "status") == 0) {
        cells.push_back(own->second(cell[1]));
        continue;
      }
      cells.push_back(FormatFieldValue(static_cast<int>(ToInt(cell[0], "status")), cell[1],
                                       kinds[i], options.units));
    }
    rows.push_back(std::move(cells));
  }
  std::cout << FormatTable(headers, rows, numeric, {!options.no_headers, options.separator});
  return kExitSuccess;
}

// Ganeti's _QFT_NAMES: how list-fields names a field's kind.
static std::string KindName(const std::string& kind) {
  static const std::map<std::string, std::string> names{{"unknown", "Unknown"},
                                                        {"text", "Text"},
                                                        {"bool", "Boolean"},
                                                        {"number", "Number"},
                                                        {"float", "Floating-point number"},
                                                        {"unit", "Storage size"},
                                                        {"timestamp", "Timestamp"},
                                                        {"other", "Custom"}};
  auto it = names.find(kind);
  return it == names.end() ? kind : it->second;
}

int ListFields(const std::string& resource, const std::vector<std::string>& fields,
               const ListOptions& options) {
  json::array names;
  for (const auto& f : fields) names.emplace_back(f);
  json::value result = Master().Call("QueryFields", json::array{resource, names});
  std::vector<std::vector<std::string>> rows;
  for (const auto& d : result.as_object().at("fields").as_array()) {
    const auto& o = d.as_object();
    rows.push_back({std::string(o.at("name").as_string()),
                    KindName(std::string(o.at("kind").as_string())),
                    std::string(o.at("title").as_string()), std::string(o.at("doc").as_string())});
  }
  std::cout << FormatTable({"Name", "Type", "Title", "Description"}, rows,
                           {false, false, false, false}, {!options.no_headers, options.separator});
  return kExitSuccess;
}

}  // namespace herd::cli
