#include "confd/request.h"

#include <boost/json.hpp>
#include <charconv>
#include <cstdlib>

#include "base/json.h"
#include "confd/envelope.h"

namespace herd::confd {
namespace {

std::optional<Request> Reject(std::string* why, std::string reason) {
  if (why) *why = std::move(reason);
  return std::nullopt;
}

std::optional<int64_t> ParseInteger(std::string_view text) {
  int64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || text.empty()) return std::nullopt;
  return value;
}

// A dictionary query; false when a key holds the wrong type. A null value
// counts as absent, as Ganeti's server reads optional fields (its own
// confd-client sends {"2": null} for an empty IP list).
bool ParseDictQuery(const json::object& dict, Query& query) {
  query.kind = Query::Kind::kDict;
  for (const auto& [key, value] : dict) {
    if (value.is_null()) continue;
    if (key == "0" || key == "1") {
      if (!value.is_string()) return false;
      (key == "0" ? query.link : query.ip) = std::string(value.get_string());
    } else if (key == "2") {
      if (!value.is_array()) return false;
      for (const auto& ip : value.get_array()) {
        if (!ip.is_string()) return false;
        query.ip_list.emplace_back(ip.get_string());
      }
    } else if (key == "3") {
      if (!value.is_array()) return false;
      for (const auto& field : value.get_array()) {
        // Ganeti's constants are ints; accept their decimal strings too.
        std::optional<int64_t> number;
        if (field.is_int64()) number = field.get_int64();
        if (field.is_string()) number = ParseInteger(field.get_string());
        if (!number || *number < 0 || *number > 2) return false;
        query.fields.push_back(static_cast<MasterField>(*number));
      }
    }
  }
  return true;
}

}  // namespace

std::optional<Request> ParseRequestMessage(std::string_view msg, std::string* why) {
  boost::system::error_code ec;
  json::value parsed = json::parse(msg, ec);
  if (ec || !parsed.is_object()) return Reject(why, "the request is not a JSON object");
  const json::object& o = parsed.get_object();
  Request request;
  const json::value* protocol = o.if_contains("protocol");
  const json::value* type = o.if_contains("type");
  const json::value* rsalt = o.if_contains("rsalt");
  if (!protocol || !protocol->is_int64()) return Reject(why, "no protocol version");
  if (!type || !type->is_int64()) return Reject(why, "no request type");
  if (!rsalt || !rsalt->is_string()) return Reject(why, "no reply salt");
  if (type->get_int64() < 0 || type->get_int64() > kLastRequestType) {
    return Reject(why, "unknown request type " + std::to_string(type->get_int64()));
  }
  request.protocol = static_cast<int>(protocol->get_int64());
  request.type = static_cast<RequestType>(type->get_int64());
  request.rsalt = std::string(rsalt->get_string());
  if (const json::value* query = o.if_contains("query"); query && !query->is_null()) {
    if (query->is_string()) {
      request.query.kind = Query::Kind::kString;
      request.query.text = std::string(query->get_string());
    } else if (!query->is_object() || !ParseDictQuery(query->get_object(), request.query)) {
      return Reject(why, "malformed query");
    }
  }
  return request;
}

std::optional<Request> ParseRequestDatagram(std::string_view datagram, std::string_view key,
                                            int64_t now, std::string* why) {
  std::optional<Envelope> envelope = Open(datagram, key, why);
  if (!envelope) return std::nullopt;
  std::optional<int64_t> timestamp = ParseInteger(envelope->salt);
  if (!timestamp) return Reject(why, "the salt is not a timestamp");
  if (std::llabs(*timestamp - now) > kMaxClockSkewSeconds) {
    return Reject(why, "too old/too new timestamp or clock skew");
  }
  return ParseRequestMessage(envelope->msg, why);
}

std::string RequestMessage(const Request& request) {
  json::value query = nullptr;
  switch (request.query.kind) {
    case Query::Kind::kNone:
      break;
    case Query::Kind::kString:
      query = json::value(request.query.text);
      break;
    case Query::Kind::kDict: {
      json::object dict;
      if (request.query.link) dict["0"] = *request.query.link;
      if (request.query.ip) dict["1"] = *request.query.ip;
      json::array ips, fields;
      for (const auto& ip : request.query.ip_list) ips.emplace_back(ip);
      for (auto field : request.query.fields) fields.emplace_back(static_cast<int>(field));
      dict["2"] = std::move(ips);
      dict["3"] = std::move(fields);
      query = std::move(dict);
      break;
    }
  }
  json::object msg{{"protocol", request.protocol},
                   {"type", static_cast<int>(request.type)},
                   {"query", std::move(query)},
                   {"rsalt", request.rsalt}};
  return SerializeJson(msg);
}

}  // namespace herd::confd
