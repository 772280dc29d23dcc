#include "master/jobs/job_filters.h"

#include <algorithm>
#include <boost/json.hpp>

#include "base/errors.h"
#include "base/json.h"
#include "master/jobs/job.h"
#include "query/filter.h"

namespace herd::jobs {

struct FilterRule::Predicate {
  std::string kind;  // "jobid", "opcode" or "reason"
  query::Filter filter;
};

namespace {

// A jobid predicate may compare with the rule's watermark by name.
json::value WithWatermark(const json::value& filter, JobId watermark) {
  if (filter.is_string() && filter.get_string() == "watermark") return watermark;
  if (!filter.is_array()) return filter;
  json::array out;
  for (const auto& v : filter.get_array()) out.push_back(WithWatermark(v, watermark));
  return out;
}

std::pair<std::string, json::value> PredicateParts(const json::value& predicate) {
  const auto* parts = predicate.if_array();
  if (!parts || parts->empty() || !(*parts)[0].is_string()) {
    throw OpPrereqError(
        "malformed FilterPredicate: must be a list with the first entry being a "
        "string describing the predicate type",
        kEcodeInval);
  }
  const std::string kind((*parts)[0].get_string());
  if (kind != "jobid" && kind != "opcode" && kind != "reason") {
    throw OpPrereqError("malformed FilterPredicate: unknown predicate type '" + kind + "'",
                        kEcodeInval);
  }
  if (parts->size() != 2) {
    throw OpPrereqError("malformed FilterPredicate: bad parameter list for '" + kind +
                            "' predicate: " + SerializeJson(predicate),
                        kEcodeInval);
  }
  return {kind, (*parts)[1]};
}

// A field of an opcode by dotted name ("OP_ID", "beparams.memory").
const json::value* OpcodeField(const json::object& opcode, const std::string& dotted) {
  const json::value* at = nullptr;
  const json::object* in = &opcode;
  size_t start = 0;
  while (in) {
    const size_t dot = dotted.find('.', start);
    at = in->if_contains(dotted.substr(start, dot == std::string::npos ? dot : dot - start));
    if (!at || dot == std::string::npos) return at;
    in = at->if_object();
    start = dot + 1;
  }
  return nullptr;
}

bool PredicateMatches(const FilterRule::Predicate& p, const Job& job) {
  if (p.kind == "jobid") {
    return p.filter.Matches([&](const std::string& field) {
      return field == "id" ? json::value(job.id) : json::value();
    });
  }
  if (p.kind == "opcode") {
    return std::any_of(job.ops.begin(), job.ops.end(), [&](const QueuedOpCode& op) {
      bool missing = false;
      const bool matched = p.filter.Matches([&](const std::string& field) {
        const json::value* v = OpcodeField(op.input, field);
        if (!v) missing = true;
        return v ? *v : json::value();
      });
      return matched && !missing;  // as Ganeti: an opcode without the field does not match
    });
  }
  for (const auto& op : job.ops) {  // "reason": any entry of any opcode's trail
    const auto* trail = op.input.if_contains("reason");
    if (!trail || !trail->is_array()) continue;
    for (const auto& entry : trail->get_array()) {
      const auto* e = entry.if_array();
      if (!e || e->size() != 3) continue;
      const bool matched = p.filter.Matches([&](const std::string& field) {
        if (field == "source") return (*e)[0];
        if (field == "reason") return (*e)[1];
        if (field == "timestamp") return (*e)[2];
        return json::value();
      });
      if (matched) return true;
    }
  }
  return false;
}

}  // namespace

void CheckFilterPredicates(const json::value& predicates) {
  const auto* list = predicates.if_array();
  if (!list) throw OpPrereqError("Filter predicates must be a list", kEcodeInval);
  for (const auto& p : *list) {
    auto [kind, filter] = PredicateParts(p);
    try {
      query::Filter::Parse(filter);
    } catch (const GanetiError& e) {
      throw OpPrereqError("Invalid filter in '" + kind +
                              "' predicate: " + (e.args().empty() ? e.what() : e.args()[0]),
                          kEcodeInval);
    }
  }
}

void CheckFilterAction(const json::value& action) {
  if (action.is_string()) {
    const auto& a = action.get_string();
    if (a == "ACCEPT" || a == "PAUSE" || a == "REJECT" || a == "CONTINUE") return;
  } else if (const auto* list = action.if_array();
             list && !list->empty() && (*list)[0] == json::value("RATE_LIMIT")) {
    if (list->size() == 2 && (*list)[1].is_int64() && (*list)[1].get_int64() > 0) return;
    throw OpPrereqError("RATE_LIMIT argument must be a positive integer", kEcodeInval);
  }
  throw OpPrereqError("malformed FilterAction JSON: " + SerializeJson(action), kEcodeInval);
}

FilterRule ParseFilterRule(const json::value& stored) {
  const json::object& o = AsObject(stored, "filter rule");
  FilterRule rule;
  rule.uuid = GetString(o, "uuid", "filter rule");
  rule.watermark = GetInt(o, "watermark", "filter rule");
  rule.priority = GetInt(o, "priority", "filter rule");
  const json::value& action = o.contains("action") ? o.at("action") : json::value();
  CheckFilterAction(action);
  if (action.is_array()) {
    rule.action = FilterRule::Action::kRateLimit;
    rule.rate_limit = action.get_array()[1].get_int64();
  } else {
    const auto& a = action.get_string();
    rule.action = a == "ACCEPT"   ? FilterRule::Action::kAccept
                  : a == "PAUSE"  ? FilterRule::Action::kPause
                  : a == "REJECT" ? FilterRule::Action::kReject
                                  : FilterRule::Action::kContinue;
  }
  const json::value predicates = o.contains("predicates") ? o.at("predicates") : json::array{};
  CheckFilterPredicates(predicates);
  for (const auto& p : predicates.get_array()) {
    auto [kind, filter] = PredicateParts(p);
    auto parsed = std::make_shared<FilterRule::Predicate>();
    parsed->kind = kind;
    parsed->filter =
        query::Filter::Parse(kind == "jobid" ? WithWatermark(filter, rule.watermark) : filter);
    rule.predicates.push_back(std::move(parsed));
  }
  return rule;
}

void SortFilterRules(std::vector<FilterRule>& rules) {
  std::sort(rules.begin(), rules.end(), [](const FilterRule& a, const FilterRule& b) {
    return std::tie(a.priority, a.watermark, a.uuid) < std::tie(b.priority, b.watermark, b.uuid);
  });
}

const FilterRule* ApplyingFilter(const std::vector<FilterRule>& rules, const Job& job) {
  for (const auto& rule : rules) {
    if (rule.action == FilterRule::Action::kContinue) continue;
    const bool matches = std::all_of(rule.predicates.begin(), rule.predicates.end(),
                                     [&](const auto& p) { return PredicateMatches(*p, job); });
    if (matches) return &rule;
  }
  return nullptr;
}

}  // namespace herd::jobs
