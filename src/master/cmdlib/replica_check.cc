#include "master/cmdlib/replica_check.h"

#include <algorithm>
#include <iterator>

#include "master/cmdlib/common.h"
#include "master/cmdlib/lu_context.h"

namespace herd::master {
namespace {

std::set<std::string> Intersection(const std::set<std::string>& a, const std::set<std::string>& b) {
  std::set<std::string> both;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::inserter(both, both.end()));
  return both;
}

// The lowest-numbered job of the two sets ("job-9" before "job-10"): job
// file names differ only in their digits, so the shorter name is lower.
std::string FirstJob(const std::set<std::string>& a, const std::set<std::string>& b) {
  auto lower = [](const std::string& x, const std::string& y) {
    return x.size() != y.size() ? x.size() < y.size() : x < y;
  };
  std::optional<std::string> first;
  for (const auto* names : {&a, &b}) {
    for (const auto& name : *names) {
      if (!first || lower(name, *first)) first = name;
    }
  }
  return first.value_or("");
}

}  // namespace

ReplicaReport CompareReplicas(const ReplicaSummary& master,
                              const std::vector<ReplicaSummary>& candidates) {
  ReplicaReport report;
  if (!master.summary) {
    report[master.node].unreadable =
        "cannot read the master's own config and queue: " + master.error;
    return report;
  }
  const auto master_serial = master.summary->at("config_serial").to_number<int64_t>();
  const auto& master_jobs = master.summary->at("jobs").as_object();
  for (const auto& copy : candidates) {
    ReplicaFindings findings;
    if (!copy.summary) {
      findings.unreadable = "cannot read its copy of the config and queue: " + copy.error;
      report[copy.node] = std::move(findings);
      continue;
    }
    const auto serial = copy.summary->at("config_serial").to_number<int64_t>();
    if (serial != master_serial) findings.serials = std::make_pair(serial, master_serial);
    const auto& jobs = copy.summary->at("jobs").as_object();
    for (const auto& kv : master_jobs) {
      const auto& job = kv.value().as_object();
      if (!job.at("finished").as_bool()) continue;
      const std::string name(kv.key());
      auto it = jobs.find(kv.key());
      if (it == jobs.end()) {
        findings.missing.insert(name);
      } else if (it->value().as_object().at("sha1") != job.at("sha1")) {
        findings.different.insert(name);
      }
    }
    if (!findings.empty()) report[copy.node] = std::move(findings);
  }
  return report;
}

ReplicaReport ReadReplicaReport(LuContext& ctx) {
  std::vector<rpc::NodeAddress> nodes;
  std::string cluster_name;
  ctx.config.Read([&](const objects::ConfigData& d) {
    cluster_name = d.cluster.cluster_name;
    nodes.push_back(AddressOf(MasterNode(d)));
    for (const auto* n : MasterCandidates(d)) {
      if (!n->offline) nodes.push_back(AddressOf(*n));
    }
  });
  const auto results = ctx.rpc.CallParallel(
      nodes, rpc::procedures::kNodeVerify,
      json::array{json::object{{"herd_replica", nullptr}}, cluster_name, json::object{}});
  auto summary_of = [](const rpc::RpcResult& r) {
    ReplicaSummary s{r.node, nullptr, r.error};
    if (r.ok && r.payload.is_object()) {
      auto it = r.payload.as_object().find("herd_replica");
      if (it != r.payload.as_object().end()) s.summary = it->value().if_object();
    }
    return s;
  };
  std::vector<ReplicaSummary> candidates;
  for (size_t i = 1; i < results.size(); ++i) candidates.push_back(summary_of(results[i]));
  return CompareReplicas(summary_of(results[0]), candidates);
}

ReplicaReport PersistentFindings(const ReplicaReport& earlier, const ReplicaReport& later) {
  ReplicaReport both;
  for (const auto& [node, now] : later) {
    auto before = earlier.find(node);
    if (before == earlier.end()) continue;
    ReplicaFindings kept;
    if (!before->second.unreadable.empty()) kept.unreadable = now.unreadable;
    if (before->second.serials) kept.serials = now.serials;
    kept.missing = Intersection(before->second.missing, now.missing);
    kept.different = Intersection(before->second.different, now.different);
    if (!kept.empty()) both[node] = std::move(kept);
  }
  return both;
}

std::vector<std::pair<std::string, std::string>> DescribeFindings(const ReplicaReport& report) {
  std::vector<std::pair<std::string, std::string>> lines;
  for (const auto& [node, f] : report) {
    if (!f.unreadable.empty()) lines.emplace_back(node, f.unreadable);
    if (f.serials) {
      lines.emplace_back(node, "its configuration copy has serial number " +
                                   std::to_string(f.serials->first) + ", the master's " +
                                   std::to_string(f.serials->second) +
                                   " (gnt-cluster redist-conf sends a full copy)");
    }
    if (!f.missing.empty() || !f.different.empty()) {
      lines.emplace_back(node, "its job queue copy lacks " + std::to_string(f.missing.size()) +
                                   " and differs on " + std::to_string(f.different.size()) +
                                   " of the master's finished jobs (first: " +
                                   FirstJob(f.missing, f.different) + ")");
    }
  }
  return lines;
}

}  // namespace herd::master
