// One RAPI request as the resource handlers see it, the HTTP errors they
// raise, and the helpers every handler shares (opcode submission, queries).
#pragma once

#include <boost/json/value.hpp>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "base/paths.h"

namespace herd::rapi {

// An answer other than 200: Ganeti's JSON error body {code, message, explain}.
class HttpError : public std::runtime_error {
 public:
  HttpError(int code, std::string message, std::string explain = "")
      : std::runtime_error(message), code_(code), explain_(std::move(explain)) {}
  int code() const { return code_; }
  const std::string& explain() const { return explain_; }

 private:
  int code_;
  std::string explain_;
};

struct RapiRequest {
  std::string method;
  std::vector<std::string> items;  // the path's variable parts (names, ids)
  std::map<std::string, std::vector<std::string>> query;
  boost::json::value body;  // null when the request had none
  const Paths* paths = nullptr;

  // Ganeti's _checkIntVariable: ?name=N (400 unless an integer).
  int64_t QueryInt(const std::string& name, int64_t fallback = 0) const;
  std::string QueryString(const std::string& name, const std::string& fallback = "") const;
  bool Bulk() const { return QueryInt("bulk") != 0; }
  bool DryRun() const { return QueryInt("dry-run") != 0; }
  bool Force() const { return QueryInt("force") != 0; }
  // The body as a dictionary (400 otherwise); empty for no body.
  const boost::json::object& BodyObject() const;
};

// A LUXI call to the master daemon; its errors become HTTP errors
// (404 for an unknown object, 400 for a wrong request, 500 otherwise).
boost::json::value Luxi(const RapiRequest& req, const char* method, boost::json::array args);

// Submits one job of `opcodes` and returns its id.
boost::json::value SubmitJob(const RapiRequest& req, boost::json::array opcodes);

// Builds an opcode from request parameters as Ganeti's FillOpcode: `body`
// (renamed keys applied), then `fixed` values the client may not set; keys
// the opcode does not take, values of the wrong type and required
// parameters missing or null are a 400.
boost::json::object FillOpcode(const std::string& op_id, const boost::json::object& body,
                               const boost::json::object& fixed,
                               const std::map<std::string, std::string>& rename = {});

// "a,b,c" as the list ["a", "b", "c"] (Python's str.split(",")).
boost::json::array CommaList(const std::string& text);

// Query (query2) rows as plain values (null where a field has no value).
std::vector<std::vector<boost::json::value>> QueryRows(const RapiRequest& req,
                                                       const std::string& resource,
                                                       const std::vector<std::string>& fields,
                                                       boost::json::value filter = nullptr);
boost::json::object ZipFields(const std::vector<std::string>& fields,
                              const std::vector<boost::json::value>& row);
// [{"id": name, "uri": "/2/<kind>/name"}, ...] as Ganeti's BuildUriList.
boost::json::array UriList(const std::vector<std::string>& names, const std::string& pattern,
                           const char* id_key = "id");
// GET of a collection: with ?bulk=1 every item's `fields`, else the URI
// list of the items named by `name_field` (the first of `fields` need not be it).
boost::json::value CollectionGet(const RapiRequest& req, const std::string& resource,
                                 const std::vector<std::string>& fields,
                                 const std::string& name_field, const std::string& pattern,
                                 const char* id_key = "id");

}  // namespace herd::rapi
