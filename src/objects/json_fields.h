// Reading and writing the typed fields of config objects while keeping every
// field a newer or older Ganeti wrote (round trips are lossless).
#pragma once

#include <string>
#include <vector>

#include "base/json.h"

namespace herd::objects {

// Reads fields of one object; errors name the object and the field.
class FieldReader {
 public:
  FieldReader(const json::value& v, std::string what);
  const json::object& object() const { return obj_; }
  std::string String(const char* key, std::string fallback = "") const;
  std::string RequiredString(const char* key) const;
  int64_t Int(const char* key, int64_t fallback = 0) const;
  double Number(const char* key, double fallback = 0) const;
  bool Bool(const char* key, bool fallback = false) const;
  json::object Object(const char* key) const;
  std::vector<std::string> Strings(const char* key) const;

 private:
  const json::value* Find(const char* key) const;
  json::object obj_;
  std::string what_;
};

// Writes fields over a copy of the original object; a field the original did
// not have is only added to objects created by Herd (whose original lacks the
// identifying `anchor` field, e.g. "name").
class FieldWriter {
 public:
  FieldWriter(const json::object& original, const char* anchor)
      : out_(original), fresh_(!original.contains(anchor)) {}
  template <typename T>
  FieldWriter& Put(const char* key, T&& value) {
    if (fresh_ || out_.contains(key)) out_[key] = json::value(std::forward<T>(value));
    return *this;
  }
  FieldWriter& PutStrings(const char* key, const std::vector<std::string>& values);
  json::value Done() { return std::move(out_); }

 private:
  json::object out_;
  bool fresh_;
};

}  // namespace herd::objects
