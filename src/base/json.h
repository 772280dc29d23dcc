// Boost.JSON helpers: typed field access with Ganeti-style errors.
// Include only where JSON is handled (not in widely used headers).
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <string>
#include <string_view>

namespace herd {
namespace json = boost::json;

json::value ParseJson(std::string_view text, std::string_view what);
// The same, every part of the value in one arena released with it: for a
// large answer that is read and then dropped whole (no malloc per element).
json::value ParseJsonInArena(std::string_view text, std::string_view what);
// The object and array forms take them as they are: passed where a value
// is expected, they would first be copied whole into one.
std::string SerializeJson(const json::value& v);
std::string SerializeJson(const json::object& o);
std::string SerializeJson(const json::array& a);
// Pretty form, as Ganeti writes config.data and job files (sorted is not required).
std::string SerializeJsonPretty(const json::value& v);
std::string SerializeJsonPretty(const json::object& o);

const json::object& AsObject(const json::value& v, std::string_view what);
const json::array& AsArray(const json::value& v, std::string_view what);
std::string GetString(const json::object& o, std::string_view key, std::string_view what);
std::string GetStringOr(const json::object& o, std::string_view key, std::string fallback);
int64_t GetInt(const json::object& o, std::string_view key, std::string_view what);
int64_t GetIntOr(const json::object& o, std::string_view key, int64_t fallback);
double GetNumberOr(const json::object& o, std::string_view key, double fallback);
bool GetBoolOr(const json::object& o, std::string_view key, bool fallback);
int64_t ToInt(const json::value& v, std::string_view what);
double ToNumber(const json::value& v, std::string_view what);

// Ganeti's error encoding on the wire: [class, [args...]].
class GanetiError;
json::value EncodeError(const GanetiError& e);
// Rebuilds a GanetiError from its encoding; anything else becomes a GenericError.
GanetiError DecodeError(const json::value& encoded);

// Current time as Ganeti's (seconds, microseconds) pair.
json::array TimestampNow();

}  // namespace herd
