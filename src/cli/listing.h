// Ganeti's generic "list" commands over the query2 protocol.
#pragma once

#include <boost/json/value.hpp>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "cli/format.h"

namespace herd::cli {

struct ListOptions {
  std::string fields;  // -o
  bool no_headers = false;
  std::string separator;
  std::string units = "h";
  std::string filter;  // -F, in Ganeti's filter language (JSON form accepted)
  // Fields a program prints its own way (Ganeti's format_override).
  std::map<std::string, std::function<std::string(const boost::json::value&)>> format_override;
};

// Prints `resource` rows for `names` (all when empty) and returns the exit code.
int GenericList(const std::string& resource, const std::vector<std::string>& names,
                const std::vector<std::string>& default_fields, const ListOptions& options,
                const std::string& name_field = "name");
// QueryFields listing ("list-fields").
int ListFields(const std::string& resource, const std::vector<std::string>& fields,
               const ListOptions& options);
// Rows of plain values of `fields` for `names` (all when empty).
std::vector<std::vector<boost::json::value>> QueryValues(const std::string& resource,
                                                         const std::vector<std::string>& fields,
                                                         const std::vector<std::string>& names,
                                                         const std::string& name_field = "name");

}  // namespace herd::cli
