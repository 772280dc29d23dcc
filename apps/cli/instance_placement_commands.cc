// gnt-instance migrate, failover, move and change-group: where an instance runs.
#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <iostream>

#include "base/errors.h"
#include "cli/command.h"
#include "common_options.h"
#include "instance_commands.h"

namespace herd::cli {
namespace json = boost::json;
namespace {

// -n/-I and the other options migrate and failover share.
struct TargetOptions {
  std::string node, iallocator;
  bool cleanup = false, ignore_ipolicy = false, force = false;
  void Declare(CLI::App& app) {
    app.add_option("-n,--target-node", node, "Target node");
    app.add_option("-I,--iallocator", iallocator, "Select the target node automatically");
    app.add_flag("--cleanup", cleanup, "Clean up after a failed operation");
    app.add_flag("--ignore-ipolicy", ignore_ipolicy, "Ignore instance policy violations");
    app.add_flag("-f,--force", force, "Do not ask for confirmation");
  }
  void Apply(json::object& op) const {
    if (!node.empty() && !iallocator.empty()) {
      throw OpPrereqError("Give either -n or -I, not both", kEcodeInval);
    }
    if (!node.empty()) op["target_node"] = node;
    if (!iallocator.empty()) op["iallocator"] = iallocator;
    op["cleanup"] = cleanup;
    op["ignore_ipolicy"] = ignore_ipolicy;
  }
};

class MigrateInstance : public Command {
 public:
  void Declare(CLI::App& app) override {
    app.add_option("instance", instance_, "Instance name")->required();
    target_.Declare(app);
    app.add_flag("--non-live", non_live_, "Do a non-live migration (shut down, then restart)");
    app.add_option("--migration-mode", mode_, "Migration mode (live or non-live)")
        ->check(CLI::IsMember({"live", "non-live"}));
    app.add_flag("--allow-failover", allow_failover_,
                 "Fail over if the instance cannot be migrated");
    app.add_flag("--no-runtime-changes", no_runtime_changes_,
                 "Don't allow runtime changes (memory) during the migration");
    AddSubmitOptions(app, job_, false);
  }
  int Run() override {
    if (non_live_ && !mode_.empty()) {
      throw OpPrereqError("Only one of the --non-live and --migration-mode options can be passed",
                          kEcodeInval);
    }
    const std::string question =
        target_.cleanup
            ? "Instance " + instance_ +
                  " will be recovered from a failed migration. Note that the migration procedure "
                  "(including cleanup) might impact the instance if anything goes wrong (e.g. due "
                  "to bugs in the hypervisor). Continue?"
            : "Instance " + instance_ +
                  " will be migrated. Note that migration might impact the instance if anything "
                  "goes wrong (e.g. due to bugs in the hypervisor). Continue?";
    if (!ConfirmInstanceOperation(question, target_.force)) {
      return kExitFailure;
    }
    json::object op{{"OP_ID", "OP_INSTANCE_MIGRATE"},
                    {"instance_name", instance_},
                    {"allow_failover", allow_failover_},
                    {"allow_runtime_changes", !no_runtime_changes_}};
    if (non_live_) op["mode"] = "non-live";
    if (!mode_.empty()) op["mode"] = mode_;
    target_.Apply(op);
    SendJob(job_, json::array{op});
    return kExitSuccess;
  }

 private:
  std::string instance_, mode_;
  TargetOptions target_;
  bool non_live_ = false, allow_failover_ = false, no_runtime_changes_ = false;
  JobOptions job_;
};

class FailoverInstance : public Command {
 public:
  void Declare(CLI::App& app) override {
    app.add_option("instance", instance_, "Instance name")->required();
    target_.Declare(app);
    app.add_flag("--ignore-consistency", ignore_consistency_,
                 "Ignore the consistency of the disks on the secondary");
    app.add_option("--shutdown-timeout", shutdown_timeout_,
                   "Maximum time to wait for instance shutdown (seconds)");
    AddSubmitOptions(app, job_);
  }
  int Run() override {
    if (!ConfirmInstanceOperation("Failover will happen to image " + instance_ +
                                      ". This requires a shutdown of the instance. Continue?",
                                  target_.force)) {
      return kExitFailure;
    }
    if (ignore_consistency_ &&
        !ConfirmInstanceOperation("To failover instance " + instance_ +
                                      ", the source node must be marked offline first. Is this "
                                      "already the case?",
                                  false)) {
      return kExitFailure;
    }
    json::object op{{"OP_ID", "OP_INSTANCE_FAILOVER"},
                    {"instance_name", instance_},
                    {"ignore_consistency", ignore_consistency_},
                    {"shutdown_timeout", shutdown_timeout_}};
    target_.Apply(op);
    SendJob(job_, json::array{op});
    return kExitSuccess;
  }

 private:
  std::string instance_;
  TargetOptions target_;
  bool ignore_consistency_ = false;
  int shutdown_timeout_ = 120;
  JobOptions job_;
};

class MoveInstance : public Command {
 public:
  void Declare(CLI::App& app) override {
    app.add_option("instance", instance_, "Instance name")->required();
    app.add_option("-n,--target-node", node_, "Target node")->required();
    app.add_flag("-f,--force", force_, "Do not ask for confirmation");
    app.add_option("--shutdown-timeout", shutdown_timeout_,
                   "Maximum time to wait for instance shutdown (seconds)");
    app.add_flag("--ignore-consistency", ignore_consistency_,
                 "Ignore the consistency of the disks on the source node");
    app.add_flag("--ignore-ipolicy", ignore_ipolicy_, "Ignore instance policy violations");
    AddSubmitOptions(app, job_, false);
  }
  int Run() override {
    if (!ConfirmInstanceOperation("Instance " + instance_ +
                                      " will be moved. This requires a shutdown of the "
                                      "instance. Continue?",
                                  force_)) {
      return kExitFailure;
    }
    SendJob(job_, json::array{json::object{{"OP_ID", "OP_INSTANCE_MOVE"},
                                           {"instance_name", instance_},
                                           {"target_node", node_},
                                           {"shutdown_timeout", shutdown_timeout_},
                                           {"ignore_consistency", ignore_consistency_},
                                           {"ignore_ipolicy", ignore_ipolicy_}}});
    return kExitSuccess;
  }

 private:
  std::string instance_, node_;
  bool force_ = false, ignore_consistency_ = false, ignore_ipolicy_ = false;
  int shutdown_timeout_ = 120;
  JobOptions job_;
};

class ChangeGroup : public Command {
 public:
  void Declare(CLI::App& app) override {
    app.add_option("instance", instance_, "Instance name")->required();
    app.add_option("--to", to_, "Group to move the instance to (repeatable)")
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    app.add_option("-I,--iallocator", iallocator_, "Allocator computing the moves");
    app.add_flag("--early-release", early_release_, "Release the locks early");
    AddSubmitOptions(app, job_, false);
  }
  int Run() override {
    json::object op{{"OP_ID", "OP_INSTANCE_CHANGE_GROUP"},
                    {"instance_name", instance_},
                    {"early_release", early_release_}};
    if (!to_.empty()) op["target_groups"] = StringArray(to_);
    if (!iallocator_.empty()) op["iallocator"] = iallocator_;
    const json::value result = SendJob(job_, json::array{op});
    if (job_.submit) return kExitSuccess;
    return ReportSubmittedJobs(
        result.as_array().at(0), "Instance '" + instance_ + "' changed group successfully.",
        [this](int failed) {
          return "There were " + std::to_string(failed) +
                 " errors while changing group of instance '" + instance_ + "'.";
        });
  }

 private:
  std::string instance_, iallocator_;
  std::vector<std::string> to_;
  bool early_release_ = false;
  JobOptions job_;
};

}  // namespace

std::vector<CommandEntry> InstancePlacementCommands() {
  return {
      Entry<MigrateInstance>("migrate", "Migrate instance to its secondary node"),
      Entry<FailoverInstance>("failover",
                              "Stops the instance, changes its primary node and "
                              "(if it was originally running) starts it on the new "
                              "node"),
      Entry<MoveInstance>("move",
                          "Move instance to an arbitrary node (only for instances of "
                          "type file and lv)"),
      Entry<ChangeGroup>("change-group", "Change group of instance"),
  };
}

}  // namespace herd::cli
