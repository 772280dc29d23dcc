#include "base/python_repr.h"

#include <boost/json.hpp>
#include <charconv>
#include <cmath>

namespace herd {
namespace {

std::string FloatRepr(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
  std::string s(buf, end);
  // Python always shows a float as one: 1.0, not 1.
  if (s.find_first_of(".en") == std::string::npos) s += ".0";
  return s;
}

std::string StringRepr(std::string_view s) {
  const char quote =
      s.find('\'') != std::string_view::npos && s.find('"') == std::string_view::npos ? '"' : '\'';
  std::string out(1, quote);
  for (char c : s) {
    if (c == quote || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + quote;
}

}  // namespace

std::string PythonRepr(const boost::json::value& value) {
  switch (value.kind()) {
    case boost::json::kind::null:
      return "None";
    case boost::json::kind::bool_:
      return value.get_bool() ? "True" : "False";
    case boost::json::kind::int64:
      return std::to_string(value.get_int64());
    case boost::json::kind::uint64:
      return std::to_string(value.get_uint64());
    case boost::json::kind::double_:
      return FloatRepr(value.get_double());
    case boost::json::kind::string:
      return StringRepr(value.get_string());
    case boost::json::kind::array: {
      std::string out = "[";
      for (const auto& e : value.get_array()) out += (out.size() > 1 ? ", " : "") + PythonRepr(e);
      return out + "]";
    }
    case boost::json::kind::object: {
      std::string out = "{";
      for (const auto& kv : value.get_object()) {
        out += (out.size() > 1 ? ", " : "") + StringRepr(kv.key()) + ": " + PythonRepr(kv.value());
      }
      return out + "}";
    }
  }
  return {};
}

std::string PythonStr(const boost::json::value& value) {
  return value.is_string() ? std::string(value.get_string()) : PythonRepr(value);
}

}  // namespace herd
