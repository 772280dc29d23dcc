// Ganeti's CLI output formatting: units, tables, field values.
#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <vector>

#include "base/units.h"

namespace herd::cli {

using ::herd::FormatUnit;  // Ganeti's FormatUnit (base/units.h)
// Parses "512", "512M", "4G", "1.5T" into MiB; throws OpPrereqError.
int64_t ParseUnit(const std::string& text);

struct TableOptions {
  bool headers = true;
  std::string separator;  // empty: aligned columns separated by spaces
};

// Ganeti's GenerateTable: numeric columns right-aligned, others left.
std::string FormatTable(const std::vector<std::string>& headers,
                        const std::vector<std::vector<std::string>>& rows,
                        const std::vector<bool>& numeric, const TableOptions& options);

// A query value of field kind `kind` ("text", "bool", "number", "unit",
// "timestamp", "other") as Ganeti prints it; `status` is the RS_* code.
std::string FormatFieldValue(int status, const boost::json::value& value, const std::string& kind,
                             const std::string& units);

// time.ctime() of a Ganeti (seconds, microseconds) timestamp or a number.
std::string FormatTimestamp(const boost::json::value& ts);

// Splits "a,b,c"; a leading "+" means "defaults plus these".
std::vector<std::string> ParseFieldList(const std::string& spec,
                                        const std::vector<std::string>& defaults);

}  // namespace herd::cli
