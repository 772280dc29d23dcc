#include "objects/json_fields.h"

#include "base/errors.h"

namespace herd::objects {

FieldReader::FieldReader(const json::value& v, std::string what) : what_(std::move(what)) {
  if (!v.is_object()) throw ConfigurationError(what_ + " must be a JSON object");
  obj_ = v.get_object();
}

const json::value* FieldReader::Find(const char* key) const {
  auto it = obj_.find(key);
  return it == obj_.end() || it->value().is_null() ? nullptr : &it->value();
}

std::string FieldReader::String(const char* key, std::string fallback) const {
  const auto* v = Find(key);
  if (!v) return fallback;
  if (!v->is_string()) throw ConfigurationError(what_ + ": field '" + key + "' must be a string");
  return std::string(v->get_string());
}

std::string FieldReader::RequiredString(const char* key) const {
  if (!Find(key)) throw ConfigurationError(what_ + ": missing field '" + key + "'");
  return String(key);
}

int64_t FieldReader::Int(const char* key, int64_t fallback) const {
  const auto* v = Find(key);
  if (!v) return fallback;
  try {
    return ToInt(*v, key);
  } catch (const GanetiError&) {
    throw ConfigurationError(what_ + ": field '" + key + "' must be an integer");
  }
}

double FieldReader::Number(const char* key, double fallback) const {
  const auto* v = Find(key);
  if (!v) return fallback;
  try {
    return ToNumber(*v, key);
  } catch (const GanetiError&) {
    throw ConfigurationError(what_ + ": field '" + key + "' must be a number");
  }
}

bool FieldReader::Bool(const char* key, bool fallback) const {
  const auto* v = Find(key);
  if (!v) return fallback;
  if (!v->is_bool()) throw ConfigurationError(what_ + ": field '" + key + "' must be a boolean");
  return v->get_bool();
}

json::object FieldReader::Object(const char* key) const {
  const auto* v = Find(key);
  if (!v) return {};
  if (!v->is_object()) throw ConfigurationError(what_ + ": field '" + key + "' must be an object");
  return v->get_object();
}

std::vector<std::string> FieldReader::Strings(const char* key) const {
  std::vector<std::string> out;
  const auto* v = Find(key);
  if (!v) return out;
  if (!v->is_array()) throw ConfigurationError(what_ + ": field '" + key + "' must be a list");
  for (const auto& e : v->get_array()) {
    if (!e.is_string()) {
      throw ConfigurationError(what_ + ": field '" + key + "' must be a list of strings");
    }
    out.emplace_back(e.get_string());
  }
  return out;
}

FieldWriter& FieldWriter::PutStrings(const char* key, const std::vector<std::string>& values) {
  json::array a;
  for (const auto& s : values) a.emplace_back(s);
  return Put(key, std::move(a));
}

}  // namespace herd::objects
