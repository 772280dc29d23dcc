// Job filter rules in the configuration: LUXI's ReplaceFilter and
// DeleteFilter change them, the "filter" query resource lists them, and the
// job queue is told the rules to schedule by after every change.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>
#include <string>
#include <vector>

#include "master/config/config_store.h"
#include "master/jobs/queue.h"

namespace herd::master {

struct QueryRequest;

// The rules of the config, parsed (unreadable ones are skipped, logged).
std::vector<jobs::FilterRule> FilterRulesOf(const objects::ConfigData& config);

// ReplaceFilter [uuid or null, priority, predicates, action, reason]: adds or
// replaces a rule, watermarked with the last job id; returns its uuid.
boost::json::value ReplaceFilter(ConfigStore& config, jobs::JobQueue& queue,
                                 const boost::json::array& args);
// DeleteFilter [uuid]; OpPrereqError for an unknown uuid.
boost::json::value DeleteFilter(ConfigStore& config, jobs::JobQueue& queue,
                                const boost::json::array& args);

boost::json::value QueryFilters(const QueryRequest& request, const ConfigStore& config);
boost::json::value FilterFields(const std::vector<std::string>& fields);

}  // namespace herd::master
