#include "master/cmdlib/query_ops.h"

#include <boost/json.hpp>
#include <set>

#include "base/errors.h"
#include "base/json.h"
#include "master/cmdlib/common.h"
#include "master/query/resource_queries.h"

namespace herd::master {
namespace {

// Ganeti's QR_VIA_OP: the resources an opcode may query.
const std::set<std::string> kViaOpcode{"cluster", "instance", "node",    "group",
                                       "os",      "export",   "network", "extstorage"};

std::string Resource(const json::object& op) {
  const std::string what = RequiredString(op, "what");
  if (!kViaOpcode.count(what)) {
    throw OpPrereqError("Resource type '" + what + "' cannot be queried through an opcode",
                        kEcodeInval);
  }
  return what;
}

json::value RunQuery(LuContext& ctx, const std::string& resource,
                     const std::vector<std::string>& fields, const json::value& filter) {
  const QuerySources sources{ctx.paths, ctx.config, ctx.rpc, nullptr, ctx.locks};
  return RunResourceQuery(QueryRequest{resource, fields, filter}, sources);
}

// Ganeti's old-style answer: rows of plain values; unknown fields refused.
json::array OldStyleRows(LuContext& ctx, const std::string& resource,
                         const std::vector<std::string>& fields, const json::value& filter) {
  if (fields.empty()) throw OpPrereqError("No output fields requested", kEcodeInval);
  CheckKnownFields(resource, fields);
  return PlainRows(RunQuery(ctx, resource, fields, filter));
}

}  // namespace

json::value Query(LuContext& ctx, const json::object& op) {
  const std::string what = Resource(op);
  const auto fields = StringListParam(op, "fields");
  auto filter = op.find("qfilter");
  ctx.op.NotifyStart();
  return RunQuery(ctx, what, fields, filter == op.end() ? json::value() : filter->value());
}

json::value QueryFields(LuContext& ctx, const json::object& op) {
  const std::string what = Resource(op);
  const auto fields = StringListParam(op, "fields");
  ctx.op.NotifyStart();
  return RunFieldsQuery(what, fields);
}

json::value ClusterConfigQuery(LuContext& ctx, const json::object& op) {
  const auto fields = StringListParam(op, "output_fields");
  ctx.op.NotifyStart();
  json::array rows = OldStyleRows(ctx, "cluster", fields, nullptr);
  return rows.empty() ? json::value(json::array{}) : rows.front();
}

json::value ExtStorageDiagnose(LuContext& ctx, const json::object& op) {
  const auto fields = StringListParam(op, "output_fields");
  const auto names = StringListParam(op, "names");
  ctx.op.NotifyStart();
  return OldStyleRows(ctx, "extstorage", fields, AnyNameFilter("name", names));
}

}  // namespace herd::master
