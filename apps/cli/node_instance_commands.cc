// gnt-node evacuate, migrate and failover: a node's instances moved elsewhere, as
// jobs the opcode submits.
#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <iostream>
#include <set>

#include "base/errors.h"
#include "base/nice_sort.h"
#include "cli/command.h"
#include "cli/listing.h"
#include "common_options.h"
#include "node_commands.h"

namespace herd::cli {
namespace json = boost::json;
namespace {

// The instances listed in the node's `fields` (pinst_list, sinst_list), sorted.
std::vector<std::string> InstancesOf(const std::string& node,
                                     const std::vector<std::string>& fields) {
  std::set<std::string> names;
  for (const auto& row : QueryValues("node", fields, {node})) {
    for (const auto& list : row) {
      for (const auto& name : list.as_array()) names.insert(std::string(name.as_string()));
    }
  }
  std::vector<std::string> sorted(names.begin(), names.end());
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return NiceLess(a, b); });
  return sorted;
}

std::string CommaJoin(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

class EvacuateNode : public Command {
 public:
  void Declare(CLI::App& app) override {
    app.add_option("node", node_, "Node name")->required();
    app.add_flag("-f,--force", force_, "Do not ask for confirmation");
    app.add_option("-I,--iallocator", iallocator_, "Allocator choosing the new nodes");
    app.add_option("-n,--new-secondary", new_secondary_, "New secondary node");
    app.add_flag("--ignore-soft-errors", ignore_soft_errors_,
                 "Tell htools to ignore 'soft' errors");
    app.add_flag("--early-release", early_release_, "Release the locks early");
    app.add_flag("-p,--primary-only", primary_only_, "Evacuate primary instances only");
    app.add_flag("-s,--secondary-only", secondary_only_, "Evacuate secondary instances only");
    AddSubmitOptions(app, job_, false);
  }
  int Run() override {
    if (!new_secondary_.empty()) {
      std::cerr << "New secondary node given (disabling iallocator), hence evacuating "
                   "secondary instances only.\n";
      secondary_only_ = true;
      primary_only_ = false;
    }
    if (primary_only_ && secondary_only_) {
      throw OpPrereqError(
          "Only one of the --primary-only and --secondary-only options can be "
          "passed",
          kEcodeInval);
    }
    const char* mode = primary_only_ ? "primary-only" : secondary_only_ ? "secondary-only" : "all";
    std::vector<std::string> fields;
    if (!secondary_only_) fields.push_back("pinst_list");
    if (!primary_only_) fields.push_back("sinst_list");
    const auto instances = InstancesOf(node_, fields);
    if (instances.empty()) {
      std::cerr << "No instances to evacuate on node(s) " << node_ << ", exiting.\n";
      return kExitSuccess;
    }
    if (!force_ &&
        !AskUser("Relocate instance(s) " + CommaJoin(instances) + " from node(s) " + node_ + "?",
                 false)) {
      return 2;  // Ganeti's EXIT_CONFIRMATION
    }
    json::object op{{"OP_ID", "OP_NODE_EVACUATE"},
                    {"node_name", node_},
                    {"mode", mode},
                    {"early_release", early_release_},
                    {"ignore_soft_errors", ignore_soft_errors_}};
    if (!new_secondary_.empty()) op["remote_node"] = new_secondary_;
    if (!iallocator_.empty()) op["iallocator"] = iallocator_;
    const json::value result = SendJob(job_, json::array{op});
    if (job_.submit) return kExitSuccess;
    return ReportEvacuation(result.as_array().at(0));
  }

 private:
  std::string node_, iallocator_, new_secondary_;
  bool force_ = false, ignore_soft_errors_ = false, early_release_ = false, primary_only_ = false,
       secondary_only_ = false;
  JobOptions job_;
};

class MigrateNode : public Command {
 public:
  void Declare(CLI::App& app) override {
    app.add_option("node", node_, "Node name")->required();
    app.add_flag("-f,--force", force_, "Do not ask for confirmation");
    app.add_flag("--non-live", non_live_, "Do a non-live migration");
    app.add_option("--migration-mode", mode_, "Migration mode (live or non-live)")
        ->check(CLI::IsMember({"live", "non-live"}));
    app.add_option("-n,--target-node", target_, "Target node");
    app.add_option("-I,--iallocator", iallocator_, "Allocator choosing the target nodes");
    app.add_flag("--ignore-ipolicy", ignore_ipolicy_, "Ignore instance policy violations");
    app.add_flag("--no-runtime-changes", no_runtime_changes_,
                 "Don't allow runtime changes (memory) during the migration");
    AddSubmitOptions(app, job_, false);
  }
  int Run() override {
    const auto instances = InstancesOf(node_, {"pinst_list"});
    if (instances.empty()) {
      std::cout << "No primary instances on node " << node_ << ", exiting.\n";
      return kExitSuccess;
    }
    if (!force_ && !AskUser("Migrate instance(s) " + CommaJoin(instances) + "?", false)) {
      return 2;  // Ganeti's EXIT_CONFIRMATION
    }
    if (non_live_ && !mode_.empty()) {
      throw OpPrereqError("Only one of the --non-live and --migration-mode options can be passed",
                          kEcodeInval);
    }
    json::object op{{"OP_ID", "OP_NODE_MIGRATE"},
                    {"node_name", node_},
                    {"allow_runtime_changes", !no_runtime_changes_},
                    {"ignore_ipolicy", ignore_ipolicy_}};
    if (non_live_) op["mode"] = "non-live";
    if (!mode_.empty()) op["mode"] = mode_;
    if (!target_.empty()) op["target_node"] = target_;
    if (!iallocator_.empty()) op["iallocator"] = iallocator_;
    const json::value result = SendJob(job_, json::array{op});
    if (job_.submit) return kExitSuccess;
    return ReportSubmittedJobs(
        result.as_array().at(0), "All instances migrated successfully.", [](int failed) {
          return "There were " + std::to_string(failed) + " errors during the node migration.";
        });
  }

 private:
  std::string node_, mode_, target_, iallocator_;
  bool force_ = false, non_live_ = false, ignore_ipolicy_ = false, no_runtime_changes_ = false;
  JobOptions job_;
};

class FailoverNode : public Command {
 public:
  void Declare(CLI::App& app) override {
    app.add_option("node", node_, "Node name")->required();
    app.add_flag("-f,--force", force_, "Do not ask for confirmation");
    app.add_flag("--ignore-consistency", ignore_consistency_,
                 "Ignore the consistency of the disks on the secondary");
    app.add_option("-I,--iallocator", iallocator_, "Allocator choosing the target nodes");
    app.add_option("--priority", priority_, "Priority for opcode processing")
        ->check(CLI::IsMember({"low", "normal", "high"}));
  }
  int Run() override {
    const auto instances = InstancesOf(node_, {"pinst_list"});
    if (instances.empty()) {
      std::cerr << "No primary instances on node " << node_ << ", exiting.\n";
      return kExitSuccess;
    }
    std::string quoted;
    for (const auto& name : instances) quoted += (quoted.empty() ? "'" : ",'") + name + "'";
    if (!force_ && !AskUser("Fail over instance(s) " + quoted + "?", false)) {
      return 2;  // Ganeti's EXIT_CONFIRMATION
    }
    // One job per instance, as Ganeti's JobExecutor submits them.
    JobOptions job;
    job.priority = priority_;
    json::array jobs;
    for (const auto& name : instances) {
      json::object op{{"OP_ID", "OP_INSTANCE_FAILOVER"},
                      {"instance_name", name},
                      {"ignore_consistency", ignore_consistency_}};
      if (!iallocator_.empty()) op["iallocator"] = iallocator_;
      ApplyJobOptions(job, op);
      jobs.push_back(json::array{op});
    }
    const int failed =
        CountFailed(WaitForSubmittedJobs(Master().Call("SubmitManyJobs", json::array{jobs})));
    if (failed == 0) {
      std::cout << "All " << instances.size() << " instance(s) failed over successfully.\n";
    } else {
      std::cout << "There were errors during the failover:\n"
                << failed << " error(s) out of " << instances.size() << " instance(s).\n";
    }
    return kExitSuccess;  // as Ganeti's gnt-node failover
  }

 private:
  std::string node_, iallocator_, priority_;
  bool force_ = false, ignore_consistency_ = false;
};

}  // namespace

std::vector<CommandEntry> NodeInstanceCommands() {
  return {
      Entry<EvacuateNode>("evacuate",
                          "Relocate the primary and/or secondary instances from a node"),
      Entry<MigrateNode>("migrate", "Migrate all the primary instance on a node away from it"),
      Entry<FailoverNode>("failover",
                          "Stops the primary instances on a node and start them on their "
                          "secondary node (only for instances with drbd disk template)"),
  };
}

}  // namespace herd::cli
