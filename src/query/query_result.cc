#include "query/query_result.h"

namespace herd::query {

boost::json::object ToJson(const FieldDefinition& d) {
  return {{"name", d.name}, {"title", d.title}, {"kind", d.kind}, {"doc", d.doc}};
}

FieldDefinition UnknownField(const std::string& name) {
  return {name, name, kUnknown, "Unknown field '" + name + "'"};
}

}  // namespace herd::query
