// The master candidates' copies of the configuration and the job queue,
// compared with the master's (gnt-cluster verify). Copies are shipped in the
// background, so one comparison also sees jobs that finished a moment ago:
// only what two comparisons, a flush apart, both find is a fault.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "base/json.h"

namespace herd::master {

struct LuContext;

// What one node's copies lack against the master's.
struct ReplicaFindings {
  std::string unreadable;  // why its copies could not be read; "" if they could
  // Its config's serial number and the master's, when they differ.
  std::optional<std::pair<int64_t, int64_t>> serials;
  std::set<std::string> missing;    // master's finished jobs it lacks
  std::set<std::string> different;  // ... and those whose file differs

  bool empty() const {
    return unreadable.empty() && !serials && missing.empty() && different.empty();
  }
};
using ReplicaReport = std::map<std::string, ReplicaFindings>;  // by node name

// One node's answer to the node_verify "herd_replica" check: the summary of
// its copies (config serial, job file checksums), or why there is none.
struct ReplicaSummary {
  std::string node;
  const json::object* summary = nullptr;
  std::string error;
};

// Compares every candidate's summary with the master's.
ReplicaReport CompareReplicas(const ReplicaSummary& master,
                              const std::vector<ReplicaSummary>& candidates);
// Asks the master and its online candidates for their summaries and compares them.
ReplicaReport ReadReplicaReport(LuContext& ctx);
// The findings both reports hold (the later one's wording).
ReplicaReport PersistentFindings(const ReplicaReport& earlier, const ReplicaReport& later);
// One line per node and kind of fault, for the verify's output.
std::vector<std::pair<std::string, std::string>> DescribeFindings(const ReplicaReport& report);

}  // namespace herd::master
