#include "rapi/rapi_service.h"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "base/errors.h"
#include "base/json.h"
#include "net/http_encoding.h"

namespace herd::rapi {
namespace json = boost::json;
namespace {

net::HttpResponse ErrorResponse(int code, const std::string& message,
                                const std::string& explain = "") {
  static const std::map<int, std::string> kReasons{{400, "Bad Request"},
                                                   {401, "Unauthorized"},
                                                   {403, "Forbidden"},
                                                   {404, "Not Found"},
                                                   {405, "Method Not Allowed"},
                                                   {413, "Request Entity Too Large"},
                                                   {500, "Internal Server Error"},
                                                   {501, "Not Implemented"},
                                                   {502, "Bad Gateway"}};
  net::HttpResponse res;
  res.status = code;
  auto reason = kReasons.find(code);
  json::object body{
      {"code", code},
      {"message", message.empty() && reason != kReasons.end() ? reason->second : message},
      {"explain", explain}};
  res.body = SerializeJson(body);
  if (code == 401)
    res.headers["WWW-Authenticate"] = std::string("Basic realm=\"") + kAuthRealm + "\"";
  return res;
}

std::map<std::string, std::vector<std::string>> ParseQuery(const std::string& text) {
  std::map<std::string, std::vector<std::string>> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t amp = text.find('&', start);
    std::string pair =
        text.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
    if (!pair.empty()) {
      auto eq = pair.find('=');
      out[UrlDecode(pair.substr(0, eq))].push_back(
          eq == std::string::npos ? "" : UrlDecode(pair.substr(eq + 1)));
    }
    if (amp == std::string::npos) break;
    start = amp + 1;
  }
  return out;
}

}  // namespace

std::string UrlDecode(const std::string& text) { return net::PercentDecode(text, true); }

RapiService::RapiService(const Paths& paths, bool require_authentication)
    : paths_(paths),
      users_(paths.RapiUsersFile()),
      require_authentication_(require_authentication) {
  AddClusterResources(router_);
  AddNodeResources(router_);
  AddNodeStorageResources(router_);
  AddInstanceResources(router_);
  AddInstanceDiskResources(router_);
  AddExportResources(router_);
  AddNetworkResources(router_);
}

net::HttpResponse RapiService::Handle(const net::HttpRequest& http) {
  try {
    // Who is asking: no credentials are fine for reading, wrong ones never.
    std::optional<RapiUser> user;
    bool gave_credentials = false;
    if (auto it = http.headers.find("authorization"); it != http.headers.end()) {
      gave_credentials = true;
      const std::string& value = it->second;
      if (value.rfind("Basic ", 0) != 0) {
        return ErrorResponse(401, "Only HTTP basic authentication is supported");
      }
      if (auto credentials = net::ParseBasicAuthorization(value)) {
        user = users_.Authenticate(credentials->first, credentials->second);
      }
      if (!user) return ErrorResponse(401, "Invalid username or password");
    }
    if (require_authentication_ && !gave_credentials) {
      return ErrorResponse(401, "Authentication required");
    }

    RapiRequest req;
    req.method = http.method;
    req.paths = &paths_;
    std::string path = http.target;
    if (auto q = path.find('?'); q != std::string::npos) {
      req.query = ParseQuery(path.substr(q + 1));
      path.resize(q);
    }
    path = UrlDecode(path);
    const Resource* resource = router_.Match(path, req.items);
    if (!resource) return ErrorResponse(404, "", "No resource at " + path);
    auto method = resource->methods.find(http.method);
    if (method == resource->methods.end()) {
      std::string allowed;
      for (const auto& [m, h] : resource->methods) allowed += (allowed.empty() ? "" : ", ") + m;
      auto res = ErrorResponse(405, "Method " + http.method + " is not supported by " + path +
                                        " (allowed: " + allowed + ")");
      res.headers["Allow"] = allowed;
      return res;
    }
    if (method->second.needs_write || http.method != "GET") {
      if (!gave_credentials) return ErrorResponse(401, "Authentication required");
      if (!user->can_write()) {
        return ErrorResponse(403, "User " + user->name + " has no write access");
      }
    }
    if (!http.body.empty()) {
      try {
        req.body = json::parse(http.body);
      } catch (const std::exception& e) {
        return ErrorResponse(400, std::string("Unable to parse JSON data: ") + e.what());
      }
    }
    json::value result = method->second.handle(req);
    net::HttpResponse res;
    res.body = SerializeJson(result);
    return res;
  } catch (const HttpError& e) {
    return ErrorResponse(e.code(), e.what(), e.explain());
  } catch (const GanetiError& e) {
    return ErrorResponse(500, e.args().empty() ? e.what() : e.args()[0]);
  } catch (const std::exception& e) {
    spdlog::error("RAPI {} {} failed: {}", http.method, http.target, e.what());
    return ErrorResponse(500, std::string("Internal error: ") + e.what());
  }
}

}  // namespace herd::rapi
