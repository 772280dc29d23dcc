#include "htools/execute.h"

#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <thread>

#include "base/errors.h"
#include "luxi/client.h"

namespace herd::htools {
namespace json = boost::json;

std::vector<JobOpcode> MoveOpcodes(const Cluster& cluster, const InstanceState& inst, Move move) {
  const std::string& name = inst.name;
  auto node = [&](int n) { return cluster.nodes[n].name(); };
  const JobOpcode migrate = FailoverStep(name, inst.forthcoming);
  switch (move.kind) {
    case MoveKind::kFailover:
      return {migrate};
    case MoveKind::kFailoverToAny:
      return {FailoverStep(name, inst.forthcoming, node(move.target))};
    case MoveKind::kReplacePrimary:
      return {migrate, ReplaceSecondaryStep(name, node(move.target)), migrate};
    case MoveKind::kReplaceSecondary:
      return {ReplaceSecondaryStep(name, node(move.target))};
    case MoveKind::kReplaceAndFailover:
      return {ReplaceSecondaryStep(name, node(move.target)), migrate};
    case MoveKind::kFailoverAndReplace:
      return {migrate, ReplaceSecondaryStep(name, node(move.target))};
  }
  return {};
}

namespace {

bool Finished(const std::string& status) {
  return status == "success" || status == "error" || status == "canceled";
}

}  // namespace

void ExecuteJobSets(const std::string& socket, const Cluster& before,
                    const std::vector<std::vector<const MoveJob*>>& job_sets) {
  for (const auto& set : job_sets) {
    std::string names;
    json::array jobs;
    for (const MoveJob* job : set) {
      const InstanceState& inst = before.instances[job->instance];
      names += (names.empty() ? "" : ", ") + inst.name;
      json::array ops;
      for (const auto& op : MoveOpcodes(before, inst, job->move)) {
        json::object o = json::parse(SerializeJobOpcode(op)).as_object();
        o["comment"] = "rebalancing via hbal";
        ops.push_back(std::move(o));
      }
      jobs.push_back(std::move(ops));
    }
    std::printf("Executing jobset for instances %s\n", names.c_str());
    luxi::Client client(socket);
    json::value submitted = client.Call("SubmitManyJobs", json::array{jobs});
    json::array ids;
    std::string id_text;
    for (const auto& entry : submitted.as_array()) {
      const auto& pair = entry.as_array();
      if (!pair.at(0).as_bool()) {
        throw GanetiError("OpExecError", {"Job submission error: " + json::serialize(pair.at(1))});
      }
      ids.push_back(pair.at(1));
      id_text += (id_text.empty() ? "" : ",") + json::serialize(pair.at(1));
    }
    std::printf("Got job IDs %s\n", id_text.c_str());
    std::fflush(stdout);
    // Ganeti polls at a doubling interval, from half a second up to 15 s.
    auto delay = std::chrono::milliseconds(500);
    json::array statuses;
    for (;;) {
      std::this_thread::sleep_for(delay);
      statuses = client.Call("QueryJobs", json::array{ids, json::array{"status"}}).as_array();
      bool all_done = true;
      for (const auto& row : statuses) {
        all_done =
            all_done && !row.is_null() && Finished(std::string(row.as_array().at(0).as_string()));
      }
      if (all_done) break;
      delay = std::min(delay * 2, std::chrono::milliseconds(15000));
    }
    std::string failures;
    for (size_t i = 0; i < statuses.size(); ++i) {
      const std::string status(statuses[i].as_array().at(0).as_string());
      if (status != "success") {
        failures += (failures.empty() ? "" : ",") +
                    ("(" + json::serialize(ids[i]) + ",JOB_STATUS_" +
                     (status == "error" ? std::string("ERROR") : std::string("CANCELED")) + ")");
      }
    }
    if (!failures.empty()) {
      throw GanetiError("OpExecError",
                        {"Not all jobs completed successfully: [" + failures + "]\nAborting."});
    }
  }
}

}  // namespace herd::htools
