#include "json_diff.h"

namespace herd::objects::testing {
namespace {

const char* KindName(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return "bool";
    case json::kind::int64:
    case json::kind::uint64:
      return "integer";
    case json::kind::double_:
      return "double";
    case json::kind::string:
      return "string";
    case json::kind::array:
      return "array";
    case json::kind::object:
      return "object";
  }
  return "?";
}

}  // namespace

std::string JsonDiff(const json::value& expected, const json::value& actual,
                     const std::string& path) {
  if (std::string(KindName(expected)) != KindName(actual)) {
    return path + ": " + KindName(expected) + " " + SerializeJson(expected) + " became " +
           KindName(actual) + " " + SerializeJson(actual);
  }
  if (expected.is_object()) {
    const auto& e = expected.get_object();
    const auto& a = actual.get_object();
    for (const auto& kv : e) {
      const json::value* other = a.if_contains(kv.key());
      if (!other) return path + "." + std::string(kv.key()) + ": missing";
      std::string d = JsonDiff(kv.value(), *other, path + "." + std::string(kv.key()));
      if (!d.empty()) return d;
    }
    for (const auto& kv : a) {
      if (!e.contains(kv.key())) return path + "." + std::string(kv.key()) + ": added";
    }
    return "";
  }
  if (expected.is_array()) {
    const auto& e = expected.get_array();
    const auto& a = actual.get_array();
    if (e.size() != a.size()) {
      return path + ": " + std::to_string(e.size()) + " elements became " +
             std::to_string(a.size());
    }
    for (size_t i = 0; i < e.size(); ++i) {
      std::string d = JsonDiff(e[i], a[i], path + "[" + std::to_string(i) + "]");
      if (!d.empty()) return d;
    }
    return "";
  }
  const bool same = expected.is_int64() || expected.is_uint64()
                        ? SerializeJson(expected) == SerializeJson(actual)
                        : expected == actual;
  return same ? "" : path + ": " + SerializeJson(expected) + " became " + SerializeJson(actual);
}

}  // namespace herd::objects::testing
