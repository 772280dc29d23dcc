// Plain HTTP request/response values shared by the server and client, free of
// Beast types so that callers need not include heavy headers.
#pragma once

#include <map>
#include <string>

namespace herd::net {

struct HttpRequest {
  std::string method;  // "GET", "PUT", ...
  std::string target;  // path and query
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string peer_address;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::map<std::string, std::string> headers;
};

}  // namespace herd::net
