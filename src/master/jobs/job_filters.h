// Ganeti's job filter rules ("gnt-filter"): predicates over a job's id,
// opcodes and reason trail decide whether a queued job may start (ACCEPT,
// CONTINUE), waits (PAUSE), is canceled (REJECT) or runs only while fewer
// than n jobs of the same rule run (RATE_LIMIT n).
#pragma once

#include <boost/json/fwd.hpp>
#include <memory>
#include <string>
#include <vector>

#include "master/jobs/op_context.h"

namespace herd::jobs {

struct Job;

struct FilterRule {
  enum class Action { kAccept, kPause, kReject, kContinue, kRateLimit };
  std::string uuid;
  JobId watermark = 0;
  int64_t priority = 0;
  Action action = Action::kContinue;
  int64_t rate_limit = 0;  // for kRateLimit: how many matching jobs may run at once
  struct Predicate;
  std::vector<std::shared_ptr<const Predicate>> predicates;
};

// Reads a rule as config.data stores it ({watermark, priority, predicates,
// action, reason_trail, uuid}); throws GanetiError naming what is wrong.
FilterRule ParseFilterRule(const boost::json::value& stored);
// Ganeti's checks of ReplaceFilter's predicates and action (OpPrereqError).
void CheckFilterPredicates(const boost::json::value& predicates);
void CheckFilterAction(const boost::json::value& action);

// Rules in the order Ganeti applies them: priority, then watermark, then uuid.
void SortFilterRules(std::vector<FilterRule>& rules);
// The first rule (of sorted `rules`) that matches the job and is not CONTINUE;
// nullptr when none applies.
const FilterRule* ApplyingFilter(const std::vector<FilterRule>& rules, const Job& job);

}  // namespace herd::jobs
