#include "master/filters.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <regex>

#include "base/errors.h"
#include "base/json.h"
#include "master/cmdlib/common.h"
#include "master/query/resource_queries.h"
#include "query/query_result.h"

namespace herd::master {
namespace {
namespace q = herd::query;
using q::FieldTable;
using q::FieldValue;
using q::ResultStatus;

const json::value& Arg(const json::array& args, size_t i, const char* method) {
  if (i >= args.size()) {
    throw LuxiError(std::string("Invalid arguments for ") + method + ": expected at least " +
                    std::to_string(i + 1) + " argument(s)");
  }
  return args[i];
}

bool IsUuid(const std::string& text) {
  static const std::regex kUuid("^[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}$");
  return std::regex_match(text, kUuid);
}

int64_t NanosecondsNow() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The queue schedules by what the config now holds.
void TellQueue(const ConfigStore& config, jobs::JobQueue& queue) {
  queue.SetFilters(config.Read([](const objects::ConfigData& d) { return FilterRulesOf(d); }));
}

using Row = json::object;

const FieldTable<Row>& Fields() {
  static const FieldTable<Row> table = [] {
    FieldTable<Row> t;
    auto field = [](const char* key) {
      return [key](const Row& r) {
        auto it = r.find(key);
        return it == r.end() ? FieldValue::Status(ResultStatus::kUnavail)
                             : FieldValue::Of(it->value());
      };
    };
    t.Add("watermark", "Watermark", q::kNumber, "Watermark", field("watermark"));
    t.Add("priority", "Priority", q::kNumber, "Priority", field("priority"));
    t.Add("predicates", "Predicates", q::kOther, "Predicates", field("predicates"));
    t.Add("action", "Action", q::kOther, "Action", field("action"));
    t.Add("reason_trail", "ReasonTrail", q::kOther, "Reason trail", field("reason_trail"));
    t.Add("uuid", "UUID", q::kText, "Network UUID", field("uuid"));
    return t;
  }();
  return table;
}

}  // namespace

std::vector<jobs::FilterRule> FilterRulesOf(const objects::ConfigData& config) {
  std::vector<jobs::FilterRule> rules;
  const auto* stored = config.extra.if_contains("filters");
  if (!stored || !stored->is_object()) return rules;
  for (const auto& kv : stored->get_object()) {
    try {
      rules.push_back(jobs::ParseFilterRule(kv.value()));
    } catch (const GanetiError& e) {
      spdlog::error("Ignoring unreadable filter rule {}: {}", std::string(kv.key()),
                    e.args().empty() ? e.what() : e.args()[0]);
    }
  }
  return rules;
}

json::value ReplaceFilter(ConfigStore& config, jobs::JobQueue& queue, const json::array& args) {
  const json::value& given_uuid = Arg(args, 0, "ReplaceFilter");
  std::string uuid;
  if (given_uuid.is_null()) {
    uuid = NewUuid();
  } else if (given_uuid.is_string() && IsUuid(std::string(given_uuid.get_string()))) {
    uuid = std::string(given_uuid.get_string());
  } else {
    throw OpPrereqError("Unable to parse UUID", kEcodeInval);
  }
  const json::value& priority = Arg(args, 1, "ReplaceFilter");
  if (!priority.is_int64() || priority.get_int64() < 0) {
    throw OpPrereqError("The filter priority must be a non-negative integer", kEcodeInval);
  }
  const json::value& predicates = Arg(args, 2, "ReplaceFilter");
  jobs::CheckFilterPredicates(predicates);
  const json::value& action = Arg(args, 3, "ReplaceFilter");
  jobs::CheckFilterAction(action);
  const json::value& reason = Arg(args, 4, "ReplaceFilter");
  if (!reason.is_array()) throw OpPrereqError("The reason trail must be a list", kEcodeInval);
  json::array trail = reason.get_array();
  trail.push_back(json::array{"luxid", "", NanosecondsNow()});
  config.Update([&](ConfigTxn& txn) {
    txn.MutableFilters()[uuid] =
        json::object{{"watermark", queue.LastJobId()},   {"priority", priority},
                     {"predicates", predicates},         {"action", action},
                     {"reason_trail", std::move(trail)}, {"uuid", uuid}};
  });
  TellQueue(config, queue);
  return json::value(uuid);
}

json::value DeleteFilter(ConfigStore& config, jobs::JobQueue& queue, const json::array& args) {
  const json::value& uuid = Arg(args, 0, "DeleteFilter");
  if (!uuid.is_string()) throw OpPrereqError("DeleteFilter needs a filter UUID", kEcodeInval);
  const std::string id(uuid.get_string());
  config.Update([&](ConfigTxn& txn) {
    const auto* filters = txn.data().extra.if_contains("filters");
    if (!filters || !filters->is_object() || !filters->get_object().contains(id)) {
      throw OpPrereqError("Filter rule with UUID " + id + " does not exist", kEcodeNoEnt);
    }
    txn.MutableFilters().erase(id);
  });
  TellQueue(config, queue);
  return nullptr;
}

json::value QueryFilters(const QueryRequest& request, const ConfigStore& config) {
  std::vector<Row> rows = config.Read([](const objects::ConfigData& d) {
    std::vector<Row> out;
    if (const auto* stored = d.extra.if_contains("filters"); stored && stored->is_object()) {
      for (const auto& kv : stored->get_object()) {
        if (kv.value().is_object()) out.push_back(kv.value().get_object());
      }
    }
    std::sort(out.begin(), out.end(), [](const Row& a, const Row& b) {
      return GetStringOr(a, "uuid", "") < GetStringOr(b, "uuid", "");
    });
    return out;
  });
  return q::RunQuery(Fields(), request.fields, rows, request.filter);
}

json::value FilterFields(const std::vector<std::string>& fields) {
  return q::FieldsOf(Fields(), fields);
}

}  // namespace herd::master
