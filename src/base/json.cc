#include "base/json.h"

#include <sys/time.h>

#include <algorithm>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <optional>

#include "base/errors.h"

namespace herd {

namespace {
json::value Parse(std::string_view text, std::string_view what, json::storage_ptr storage) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec, std::move(storage));
  if (ec) throw GenericError("invalid JSON in " + std::string(what) + ": " + ec.message());
  return v;
}
}  // namespace

json::value ParseJson(std::string_view text, std::string_view what) {
  return Parse(text, what, {});
}

json::value ParseJsonInArena(std::string_view text, std::string_view what) {
  // The parsed value takes about as many bytes as its text: one first block.
  return Parse(text, what, json::make_shared_resource<json::monotonic_resource>(text.size()));
}

std::string SerializeJson(const json::value& v) { return json::serialize(v); }
std::string SerializeJson(const json::object& o) { return json::serialize(o); }
std::string SerializeJson(const json::array& a) { return json::serialize(a); }

namespace {
void Indent(std::string& out, int level) { out.append(static_cast<size_t>(level) * 2, ' '); }
void Pretty(std::string& out, const json::value& v, int level);

void PrettyObject(std::string& out, const json::object& o, int level) {
  if (o.empty()) {
    out += "{}";
    return;
  }
  out += "{\n";
  bool first = true;
  for (const auto& kv : o) {
    if (!first) out += ",\n";
    first = false;
    Indent(out, level + 1);
    out += json::serialize(kv.key());
    out += ": ";
    Pretty(out, kv.value(), level + 1);
  }
  out += "\n";
  Indent(out, level);
  out += "}";
}

void PrettyArray(std::string& out, const json::array& a, int level) {
  if (a.empty()) {
    out += "[]";
    return;
  }
  out += "[\n";
  for (size_t i = 0; i < a.size(); ++i) {
    if (i) out += ",\n";
    Indent(out, level + 1);
    Pretty(out, a[i], level + 1);
  }
  out += "\n";
  Indent(out, level);
  out += "]";
}

void Pretty(std::string& out, const json::value& v, int level) {
  if (const auto* o = v.if_object()) {
    PrettyObject(out, *o, level);
  } else if (const auto* a = v.if_array()) {
    PrettyArray(out, *a, level);
  } else {
    out += json::serialize(v);
  }
}
}  // namespace

std::string SerializeJsonPretty(const json::value& v) {
  std::string out;
  Pretty(out, v, 0);
  out += "\n";
  return out;
}

std::string SerializeJsonPretty(const json::object& o) {
  std::string out;
  PrettyObject(out, o, 0);
  out += "\n";
  return out;
}

const json::object& AsObject(const json::value& v, std::string_view what) {
  if (!v.is_object()) throw GenericError(std::string(what) + " must be a JSON object");
  return v.get_object();
}
const json::array& AsArray(const json::value& v, std::string_view what) {
  if (!v.is_array()) throw GenericError(std::string(what) + " must be a JSON list");
  return v.get_array();
}

std::string GetString(const json::object& o, std::string_view key, std::string_view what) {
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_string()) {
    throw GenericError(std::string(what) + ": missing or non-string field '" + std::string(key) +
                       "'");
  }
  return std::string(it->value().get_string());
}
std::string GetStringOr(const json::object& o, std::string_view key, std::string fallback) {
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_string()) return fallback;
  return std::string(it->value().get_string());
}
namespace {
// The integer `v` holds, if it holds one (a whole double counts).
std::optional<int64_t> IntegerIn(const json::value& v) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64()) return static_cast<int64_t>(v.get_uint64());
  if (v.is_double() && v.get_double() == static_cast<double>(static_cast<int64_t>(v.get_double())))
    return static_cast<int64_t>(v.get_double());
  return std::nullopt;
}
}  // namespace

int64_t ToInt(const json::value& v, std::string_view what) {
  if (auto n = IntegerIn(v)) return *n;
  throw GenericError(std::string(what) + " must be an integer");
}
double ToNumber(const json::value& v, std::string_view what) {
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  if (v.is_double()) return v.get_double();
  throw GenericError(std::string(what) + " must be a number");
}
int64_t GetInt(const json::object& o, std::string_view key, std::string_view what) {
  auto it = o.find(key);
  if (it == o.end())
    throw GenericError(std::string(what) + ": missing field '" + std::string(key) + "'");
  // The field's full name is only spelled out for the error: config loading
  // reads hundreds of thousands of integers.
  if (auto n = IntegerIn(it->value())) return *n;
  throw GenericError(std::string(what) + "." + std::string(key) + " must be an integer");
}
int64_t GetIntOr(const json::object& o, std::string_view key, int64_t fallback) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return fallback;
  return ToInt(it->value(), key);
}
double GetNumberOr(const json::object& o, std::string_view key, double fallback) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return fallback;
  return ToNumber(it->value(), key);
}
bool GetBoolOr(const json::object& o, std::string_view key, bool fallback) {
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_bool()) return fallback;
  return it->value().get_bool();
}

json::value EncodeError(const GanetiError& e) {
  json::array args;
  for (const auto& arg : e.args()) {
    if (e.args_are_json()) {
      args.push_back(json::parse(arg));
    } else {
      args.emplace_back(arg);
    }
  }
  return json::array{json::value(e.error_class()), std::move(args)};
}

GanetiError DecodeError(const json::value& encoded) {
  if (encoded.is_array() && encoded.get_array().size() == 2 && encoded.get_array()[0].is_string() &&
      encoded.get_array()[1].is_array()) {
    const auto& encoded_args = encoded.get_array()[1].get_array();
    const bool all_strings = std::all_of(encoded_args.begin(), encoded_args.end(),
                                         [](const json::value& a) { return a.is_string(); });
    std::vector<std::string> args;
    for (const auto& a : encoded_args) {
      args.push_back(all_strings ? std::string(a.get_string()) : json::serialize(a));
    }
    // Structured arguments (HooksAbort's failures) keep their JSON for the next hop.
    return GanetiError(std::string(encoded.get_array()[0].get_string()), std::move(args),
                       !all_strings);
  }
  if (encoded.is_string()) return GenericError(std::string(encoded.get_string()));
  return GenericError(json::serialize(encoded));
}

json::array TimestampNow() {
  timeval tv;
  gettimeofday(&tv, nullptr);
  return json::array{static_cast<int64_t>(tv.tv_sec), static_cast<int64_t>(tv.tv_usec)};
}

}  // namespace herd
