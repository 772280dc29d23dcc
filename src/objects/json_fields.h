// Declarative mapping between config objects and their JSON form: each object
// type lists its fields once; reading, writing and error messages follow from
// that list, and fields the list does not name are kept in `extra`.
#pragma once

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "base/json.h"

namespace herd::objects {

enum class Presence {
  kRequired,  // must be in the document; always written
  kDefault,   // missing means the struct's default; always written (Ganeti requires it)
  kOptional,  // missing means the struct's default; written only when it differs from it
};

template <typename T>
struct Field {
  using Member =
      std::variant<std::string T::*, int64_t T::*, double T::*, bool T::*, json::object T::*,
                   json::array T::*, std::vector<std::string> T::*, std::vector<int64_t> T::*>;
  const char* key;
  Member member;
  Presence presence = Presence::kDefault;
};

// Identifies the object in error messages: "node node1.example.com: ...".
class FieldContext {
 public:
  explicit FieldContext(std::string what) : what_(std::move(what)) {}
  const std::string& what() const { return what_; }
  [[noreturn]] void Fail(std::string_view key, std::string_view problem) const;
  // The value as an object, or a ConfigurationError naming the object.
  const json::object& ObjectOf(const json::value& v) const;

 private:
  std::string what_;
};

// Typed decoding of one field value; throws ConfigurationError through `ctx`.
void DecodeField(const json::value& v, std::string& out, const FieldContext& ctx, const char* key);
void DecodeField(const json::value& v, int64_t& out, const FieldContext& ctx, const char* key);
void DecodeField(const json::value& v, double& out, const FieldContext& ctx, const char* key);
void DecodeField(const json::value& v, bool& out, const FieldContext& ctx, const char* key);
void DecodeField(const json::value& v, json::object& out, const FieldContext& ctx, const char* key);
void DecodeField(const json::value& v, json::array& out, const FieldContext& ctx, const char* key);
void DecodeField(const json::value& v, std::vector<std::string>& out, const FieldContext& ctx,
                 const char* key);
void DecodeField(const json::value& v, std::vector<int64_t>& out, const FieldContext& ctx,
                 const char* key);

json::value EncodeField(const std::string& v);
json::value EncodeField(int64_t v);
json::value EncodeField(double v);
json::value EncodeField(bool v);
json::value EncodeField(const json::object& v);
json::value EncodeField(const json::array& v);
json::value EncodeField(const std::vector<std::string>& v);
json::value EncodeField(const std::vector<int64_t>& v);

// "node" + the object's name (or uuid) when it has one, for error messages.
std::string DescribeObject(std::string_view kind, const json::value& v);

// Ganeti writes config objects with sorted keys; so does Herd, to keep diffs small.
json::object SortedObject(json::object o);

// Reads `v` into a default-constructed T. Keys neither in `fields` nor in
// `handled_elsewhere` go to `extra`; so does an optional field holding its
// default value, so that the document keeps it (an explicit "name": "") when
// written back.
template <typename T>
T ReadObject(const json::value& v, std::string_view kind, std::span<const Field<T>> fields,
             std::initializer_list<std::string_view> handled_elsewhere = {}) {
  static const T defaults{};
  FieldContext ctx(DescribeObject(kind, v));
  const json::object& in = ctx.ObjectOf(v);
  T out;
  std::vector<std::string_view> consumed(handled_elsewhere);
  consumed.reserve(consumed.size() + fields.size());
  for (const Field<T>& f : fields) {
    const json::value* value = in.if_contains(f.key);
    if (!value || value->is_null()) {
      if (f.presence == Presence::kRequired) ctx.Fail(f.key, "is missing");
      if (f.presence != Presence::kOptional) consumed.push_back(f.key);
      continue;
    }
    const bool is_default = std::visit(
        [&](auto member) {
          DecodeField(*value, out.*member, ctx, f.key);
          return out.*member == defaults.*member;
        },
        f.member);
    if (f.presence != Presence::kOptional || !is_default) consumed.push_back(f.key);
  }
  for (const auto& kv : in) {
    if (std::find(consumed.begin(), consumed.end(), kv.key()) == consumed.end()) {
      out.extra.emplace(kv.key(), kv.value());
    }
  }
  return out;
}

// Writes `obj` over its `extra` fields; `computed` holds fields the table cannot
// express (nested objects, for instance), which win over both.
template <typename T>
json::object WriteObject(const T& obj, std::span<const Field<T>> fields,
                         json::object computed = {}) {
  static const T defaults{};
  json::object out = obj.extra;
  for (const Field<T>& f : fields) {
    std::visit(
        [&](auto member) {
          if (f.presence == Presence::kOptional && obj.*member == defaults.*member) return;
          out[f.key] = EncodeField(obj.*member);
        },
        f.member);
  }
  for (auto& kv : computed) out[kv.key()] = std::move(kv.value());
  return SortedObject(std::move(out));
}

}  // namespace herd::objects
