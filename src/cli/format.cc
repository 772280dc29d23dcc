#include "cli/format.h"

#include <cmath>
#include <cstdio>
#include <ctime>
#include <sstream>

#include "base/errors.h"
#include "base/json.h"
#include "base/python_repr.h"

namespace herd::cli {

int64_t ParseUnit(const std::string& text) {
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  std::string suffix = end ? std::string(end) : "";
  for (auto& c : suffix) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  double mult = 1;
  if (suffix.empty() || suffix == "m" || suffix == "mb" || suffix == "mib") {
    mult = 1;
  } else if (suffix == "g" || suffix == "gb" || suffix == "gib") {
    mult = 1024;
  } else if (suffix == "t" || suffix == "tb" || suffix == "tib") {
    mult = 1024 * 1024;
  } else {
    throw OpPrereqError("Invalid unit specified in '" + text + "'", kEcodeInval);
  }
  if (end == text.c_str() || v < 0) throw OpPrereqError("Invalid size '" + text + "'", kEcodeInval);
  return static_cast<int64_t>(std::ceil(v * mult));
}

std::string FormatTable(const std::vector<std::string>& headers,
                        const std::vector<std::vector<std::string>>& rows,
                        const std::vector<bool>& numeric, const TableOptions& options) {
  // Written straight into one string: no copy of the rows, no string per
  // cell (a list of ten thousand instances has tens of thousands of cells).
  std::string out;
  auto each_row = [&](const auto& visit) {
    if (options.headers) visit(headers);
    for (const auto& row : rows) visit(row);
  };
  if (!options.separator.empty()) {
    each_row([&](const std::vector<std::string>& row) {
      for (size_t i = 0; i < row.size(); ++i) {
        if (i) out += options.separator;
        out += row[i];
      }
      out += '\n';
    });
    return out;
  }
  std::vector<size_t> width(headers.size(), 0);
  size_t line_width = 0;
  each_row([&](const std::vector<std::string>& row) {
    for (size_t i = 0; i < row.size() && i < width.size(); ++i)
      width[i] = std::max(width[i], row[i].size());
  });
  for (size_t w : width) line_width += w + 1;
  out.reserve(line_width * (rows.size() + 1));
  each_row([&](const std::vector<std::string>& row) {
    for (size_t i = 0; i < row.size(); ++i) {
      const bool last = i + 1 == row.size();
      const size_t pad = i < width.size() ? width[i] - row[i].size() : 0;
      if (i) out += ' ';
      if (i < numeric.size() && numeric[i]) {
        out.append(pad, ' ');
        out += row[i];
      } else {
        out += row[i];
        if (!last) out.append(pad, ' ');
      }
    }
    out += '\n';
  });
  return out;
}

std::string FormatTimestamp(const json::value& ts) {
  double seconds = 0;
  if (ts.is_array() && !ts.get_array().empty()) {
    seconds = ToNumber(ts.get_array()[0], "timestamp");
  } else if (ts.is_number()) {
    seconds = ToNumber(ts, "timestamp");
  } else {
    return "N/A";
  }
  time_t t = static_cast<time_t>(seconds);
  char buf[64];
  struct tm tm;
  localtime_r(&t, &tm);
  std::strftime(buf, sizeof(buf), "%a %b %e %H:%M:%S %Y", &tm);
  return buf;
}

std::string FormatFieldValue(int status, const json::value& value, const std::string& kind,
                             const std::string& units) {
  switch (status) {
    case 0:
      break;
    case 1:
      return "(unknown)";
    case 2:
      return "*";
    case 3:
      return "-";
    case 4:
      return "*";
    default:
      return "?";
  }
  if (value.is_null()) return "-";
  if (kind == "bool" || value.is_bool()) return value.is_bool() && value.get_bool() ? "Y" : "N";
  if (kind == "unit" && value.is_number()) return FormatUnit(ToNumber(value, "unit"), units);
  if (kind == "timestamp" && value.is_number()) return FormatTimestamp(value);
  if (value.is_string()) return std::string(value.get_string());
  if (value.is_array()) {
    std::string out;
    for (const auto& e : value.get_array()) {
      if (!out.empty()) out += ",";
      out += e.is_string() ? std::string(e.get_string()) : SerializeJson(e);
    }
    return out;
  }
  if (value.is_double()) {
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%g", value.get_double());
    return buf;
  }
  // Ganeti prints other values (dictionaries) with Python's str().
  if (value.is_object()) return PythonStr(value);
  return SerializeJson(value);
}

std::vector<std::string> ParseFieldList(const std::string& spec,
                                        const std::vector<std::string>& defaults) {
  if (spec.empty()) return defaults;
  std::vector<std::string> out;
  std::string rest = spec;
  if (rest[0] == '+') {
    out = defaults;
    rest = rest.substr(1);
  }
  std::stringstream ss(rest);
  std::string f;
  while (std::getline(ss, f, ',')) {
    if (!f.empty()) out.push_back(f);
  }
  return out;
}

}  // namespace herd::cli
