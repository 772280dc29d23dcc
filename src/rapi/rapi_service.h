// Answers one RAPI HTTP request: authentication (HTTP basic, users file),
// routing, access checks and Ganeti's JSON error bodies.
#pragma once

#include <memory>

#include "base/paths.h"
#include "net/http_types.h"
#include "rapi/router.h"
#include "rapi/users.h"

namespace herd::rapi {

class RapiService {
 public:
  // `require_authentication`: reading needs valid credentials too (Ganeti's
  // ganeti-rapi --require-authentication).
  explicit RapiService(const Paths& paths, bool require_authentication = false);
  net::HttpResponse Handle(const net::HttpRequest& request);

 private:
  Paths paths_;
  Router router_;
  UsersFile users_;
  bool require_authentication_;
};

// "a%20b+c" -> "a b c" (URL query decoding).
std::string UrlDecode(const std::string& text);

}  // namespace herd::rapi
