#include "cli/listing.h"

#include <boost/json.hpp>
#include <iostream>
#include <set>

#include "base/errors.h"
#include "base/json.h"
#include "cli/command.h"

namespace herd::cli {
namespace {

json::value NamesFilter(const std::vector<std::string>& names, const std::string& name_field) {
  if (names.empty()) return nullptr;
  json::array any{"|"};
  for (const auto& n : names) {
    if (name_field == "id") {
      any.push_back(json::array{"=", name_field, std::stoll(n)});
    } else {
      any.push_back(json::array{"=", name_field, n});
    }
  }
  return any;
}

json::value RunQuery(const std::string& resource, const std::vector<std::string>& fields,
                     const std::vector<std::string>& names, const std::string& name_field,
                     const std::string& filter_text) {
  json::array field_list;
  for (const auto& f : fields) field_list.emplace_back(f);
  json::value filter = NamesFilter(names, name_field);
  if (!filter_text.empty()) {
    json::value user = ParseJson(filter_text, "filter (-F)");
    filter = filter.is_null() ? user : json::array{"&", filter, user};
  }
  json::value result = Master().Call("Query", json::array{resource, field_list, filter});
  if (!names.empty()) {
    // Ganeti reports names that matched nothing.
    std::set<std::string> found;
    for (const auto& row : result.as_object().at("data").as_array()) {
      (void)row;
    }
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
  std::vector<std::string> headers, kinds;
  std::vector<bool> numeric;
  for (const auto& d : defs) {
    const auto& o = d.as_object();
    headers.emplace_back(o.at("title").as_string());
    kinds.emplace_back(o.at("kind").as_string());
    if (kinds.back() == "unknown") {
      throw OpPrereqError("Unknown output field '" + std::string(o.at("name").as_string()) + "'",
                          kEcodeInval);
    }
    numeric.push_back(kinds.back() == "number" || (kinds.back() == "unit" && options.units != "h"));
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& row : result.as_object().at("data").as_array()) {
    std::vector<std::string> cells;
    const auto& r = row.as_array();
    for (size_t i = 0; i < r.size(); ++i) {
      const auto& cell = r[i].as_array();
      cells.push_back(FormatFieldValue(static_cast<int>(ToInt(cell[0], "status")), cell[1],
                                       kinds[i], options.units));
    }
    rows.push_back(std::move(cells));
  }
  std::cout << FormatTable(headers, rows, numeric, {!options.no_headers, options.separator});
  return kExitSuccess;
}

int ListFields(const std::string& resource, const std::vector<std::string>& fields,
               const ListOptions& options) {
  json::array names;
  for (const auto& f : fields) names.emplace_back(f);
  json::value result = Master().Call("QueryFields", json::array{resource, names});
  std::vector<std::vector<std::string>> rows;
  for (const auto& d : result.as_object().at("fields").as_array()) {
    const auto& o = d.as_object();
    rows.push_back({std::string(o.at("name").as_string()), std::string(o.at("kind").as_string()),
                    std::string(o.at("title").as_string()), std::string(o.at("doc").as_string())});
  }
  std::cout << FormatTable({"Name", "Type", "Title", "Description"}, rows,
                           {false, false, false, false}, {!options.no_headers, options.separator});
  return kExitSuccess;
}

}  // namespace herd::cli
