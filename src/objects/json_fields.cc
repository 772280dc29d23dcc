#include "objects/json_fields.h"

#include "base/errors.h"

namespace herd::objects {

void FieldContext::Fail(std::string_view key, std::string_view problem) const {
  throw ConfigurationError(what_ + ": field '" + std::string(key) + "' " + std::string(problem));
}

const json::object& FieldContext::ObjectOf(const json::value& v) const {
  if (!v.is_object()) throw ConfigurationError(what_ + " must be a JSON object");
  return v.get_object();
}

std::string DescribeObject(std::string_view kind, const json::value& v) {
  std::string what(kind);
  if (!v.is_object()) return what;
  for (const char* key : {"name", "uuid"}) {
    const json::value* id = v.get_object().if_contains(key);
    if (id && id->is_string() && !id->get_string().empty()) {
      return what + " " + std::string(id->get_string());
    }
  }
  return what;
}

void DecodeField(const json::value& v, std::string& out, const FieldContext& ctx, const char* key) {
  if (!v.is_string()) ctx.Fail(key, "must be a string");
  out = std::string(v.get_string());
}

void DecodeField(const json::value& v, int64_t& out, const FieldContext& ctx, const char* key) {
  if (v.is_int64()) {
    out = v.get_int64();
  } else if (v.is_uint64() && v.get_uint64() <= static_cast<uint64_t>(INT64_MAX)) {
    out = static_cast<int64_t>(v.get_uint64());
  } else if (v.is_double() &&
             v.get_double() == static_cast<double>(static_cast<int64_t>(v.get_double()))) {
    out = static_cast<int64_t>(v.get_double());  // 5.0 from a hand-edited file
  } else {
    ctx.Fail(key, "must be an integer");
  }
}

void DecodeField(const json::value& v, double& out, const FieldContext& ctx, const char* key) {
  if (v.is_double()) {
    out = v.get_double();
  } else if (v.is_int64()) {
    out = static_cast<double>(v.get_int64());
  } else if (v.is_uint64()) {
    out = static_cast<double>(v.get_uint64());
  } else {
    ctx.Fail(key, "must be a number");
  }
}

void DecodeField(const json::value& v, bool& out, const FieldContext& ctx, const char* key) {
  if (!v.is_bool()) ctx.Fail(key, "must be a boolean");
  out = v.get_bool();
}

void DecodeField(const json::value& v, json::object& out, const FieldContext& ctx,
                 const char* key) {
  if (!v.is_object()) ctx.Fail(key, "must be an object");
  out = v.get_object();
}

void DecodeField(const json::value& v, json::array& out, const FieldContext& ctx, const char* key) {
  if (!v.is_array()) ctx.Fail(key, "must be a list");
  out = v.get_array();
}

void DecodeField(const json::value& v, std::vector<std::string>& out, const FieldContext& ctx,
                 const char* key) {
  if (!v.is_array()) ctx.Fail(key, "must be a list of strings");
  out.clear();
  out.reserve(v.get_array().size());
  for (const auto& e : v.get_array()) {
    if (!e.is_string()) ctx.Fail(key, "must be a list of strings");
    out.emplace_back(e.get_string());
  }
}

void DecodeField(const json::value& v, std::vector<int64_t>& out, const FieldContext& ctx,
                 const char* key) {
  if (!v.is_array()) ctx.Fail(key, "must be a list of integers");
  out.clear();
  out.reserve(v.get_array().size());
  for (const auto& e : v.get_array()) {
    if (!e.is_int64()) ctx.Fail(key, "must be a list of integers");
    out.push_back(e.get_int64());
  }
}

json::value EncodeField(const std::string& v) { return json::value(v); }
json::value EncodeField(int64_t v) { return json::value(v); }
json::value EncodeField(double v) { return json::value(v); }
json::value EncodeField(bool v) { return json::value(v); }
json::value EncodeField(const json::object& v) { return json::value(v); }
json::value EncodeField(const json::array& v) { return json::value(v); }

json::value EncodeField(const std::vector<std::string>& v) {
  json::array a;
  a.reserve(v.size());
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

json::value EncodeField(const std::vector<int64_t>& v) {
  json::array a;
  a.reserve(v.size());
  for (int64_t i : v) a.emplace_back(i);
  return a;
}

json::object SortedObject(json::object o) {
  std::vector<json::key_value_pair*> entries;
  entries.reserve(o.size());
  for (auto& kv : o) entries.push_back(&kv);
  std::sort(entries.begin(), entries.end(),
            [](const auto* a, const auto* b) { return a->key() < b->key(); });
  json::object sorted(o.storage());
  sorted.reserve(o.size());
  for (auto* kv : entries) sorted.emplace(kv->key(), std::move(kv->value()));
  return sorted;
}

}  // namespace herd::objects
