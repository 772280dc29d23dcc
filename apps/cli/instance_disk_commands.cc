// gnt-instance activate-disks, deactivate-disks, recreate-disks,
// replace-disks and grow-disk.
#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <iostream>

#include "base/errors.h"
#include "cli/command.h"
#include "cli/key_values.h"
#include "common_options.h"
#include "instance_commands.h"

namespace herd::cli {
namespace json = boost::json;
namespace {

int DiskIndex(const std::string& text) {
  try {
    size_t used = 0;
    const int index = std::stoi(text, &used);
    if (used == text.size() && index >= 0) return index;
  } catch (const std::exception&) {
  }
  throw OpPrereqError("Invalid disk index '" + text + "'", kEcodeInval);
}

class ActivateDisks : public Command {
 public:
  void Declare(CLI::App& app) override {
    app.add_option("instance", instance_, "Instance name")->required();
    app.add_flag("--ignore-size", ignore_size_,
                 "Ignore the current recorded size (useful for forcing activation when the "
                 "recorded size is wrong)");
    app.add_flag("--wait-for-sync", wait_for_sync_, "Wait for the disks to synchronize");
    AddSubmitOptions(app, job_);
  }
  int Run() override {
    const json::value result =
        SendJob(job_, json::array{json::object{{"OP_ID", "OP_INSTANCE_ACTIVATE_DISKS"},
                                               {"instance_name", instance_},
                                               {"ignore_size", ignore_size_},
                                               {"wait_for_sync", wait_for_sync_}}});
    if (job_.submit || job_.dry_run || !result.is_array() || result.as_array().empty()) {
      return kExitSuccess;
    }
    // Ganeti prints node:disk:device for each disk on the primary node.
    for (const auto& disk : result.as_array()[0].as_array()) {
      const auto& triple = disk.as_array();
      std::cout << ValueText(triple[0]) << ":" << ValueText(triple[1]) << ":"
                << ValueText(triple[2]) << "\n";
    }
    return kExitSuccess;
  }

 private:
  std::string instance_;
  bool ignore_size_ = false, wait_for_sync_ = false;
  JobOptions job_;
};

class DeactivateDisks : public Command {
 public:
  void Declare(CLI::App& app) override {
    app.add_option("instance", instance_, "Instance name")->required();
    app.add_flag("-f,--force", force_, "Deactivate the disks even if the instance is running");
    AddSubmitOptions(app, job_);
  }
  int Run() override {
    SendJob(job_, json::array{json::object{{"OP_ID", "OP_INSTANCE_DEACTIVATE_DISKS"},
                                           {"instance_name", instance_},
                                           {"force", force_}}});
    return kExitSuccess;
  }

 private:
  std::string instance_;
  bool force_ = false;
  JobOptions job_;
};

class RecreateDisks : public Command {
 public:
  void Declare(CLI::App& app) override {
    app.add_option("instance", instance_, "Instance name")->required();
    app.add_option("--disk", disks_, "Disk to recreate (N[:size=SIZE,...]); default: all")
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    app.add_option("-n,--node", nodes_, "New node(s) for the instance (comma-separated)");
    app.add_option("-I,--iallocator", iallocator_, "Select new nodes automatically");
    AddSubmitOptions(app, job_);
  }
  int Run() override {
    if (!nodes_.empty() && !iallocator_.empty()) {
      throw OpPrereqError("Give either -n or -I, not both", kEcodeInval);
    }
    json::array disks;
    for (const auto& d : disks_) {
      const auto colon = d.find(':');
      json::object params;
      if (colon != std::string::npos) params = ParseKeyValues(d.substr(colon + 1), "--disk");
      disks.push_back(json::array{DiskIndex(d.substr(0, colon)), params});
    }
    json::object op{
        {"OP_ID", "OP_INSTANCE_RECREATE_DISKS"}, {"instance_name", instance_}, {"disks", disks}};
    if (!nodes_.empty()) op["nodes"] = StringArray(SplitComma(nodes_));
    if (!iallocator_.empty()) op["iallocator"] = iallocator_;
    SendJob(job_, json::array{op});
    return kExitSuccess;
  }

 private:
  std::string instance_, nodes_, iallocator_;
  std::vector<std::string> disks_;
  JobOptions job_;
};

class ReplaceDisks : public Command {
 public:
  void Declare(CLI::App& app) override {
    app.add_option("instance", instance_, "Instance name")->required();
    app.add_flag("-p,--on-primary", on_primary_, "Replace the disk(s) on the primary node");
    app.add_flag("-s,--on-secondary", on_secondary_, "Replace the disk(s) on the secondary node");
    app.add_flag("-a,--auto", auto_, "Automatically replace faulty disks");
    app.add_option("-n,--new-secondary", new_secondary_, "New secondary node");
    app.add_option("-I,--iallocator", iallocator_, "Select the new secondary automatically");
    app.add_option("--disks", disks_, "Comma-separated list of disk indices to replace");
    app.add_flag("--early-release", early_release_, "Release the locks early");
    app.add_flag("--ignore-ipolicy", ignore_ipolicy_, "Ignore instance policy violations");
    AddSubmitOptions(app, job_, false);
  }
  int Run() override {
    const int given = int(on_primary_) + int(on_secondary_) + int(auto_) +
                      int(!new_secondary_.empty()) + int(!iallocator_.empty());
    if (given != 1) {
      throw OpPrereqError("One and only one of the -p, -s, -a, -n and -I options must be passed",
                          kEcodeInval);
    }
    const char* mode = on_primary_     ? "replace_on_primary"
                       : on_secondary_ ? "replace_on_secondary"
                       : auto_         ? "replace_auto"
                                       : "replace_new_secondary";
    json::array disks;
    for (const auto& d : SplitComma(disks_)) disks.push_back(DiskIndex(d));
    json::object op{{"OP_ID", "OP_INSTANCE_REPLACE_DISKS"},
                    {"instance_name", instance_},
                    {"mode", mode},
                    {"disks", disks},
                    {"early_release", early_release_},
                    {"ignore_ipolicy", ignore_ipolicy_}};
    if (!new_secondary_.empty()) op["remote_node"] = new_secondary_;
    if (!iallocator_.empty()) op["iallocator"] = iallocator_;
    SendJob(job_, json::array{op});
    return kExitSuccess;
  }

 private:
  std::string instance_, new_secondary_, iallocator_, disks_;
  bool on_primary_ = false, on_secondary_ = false, auto_ = false, early_release_ = false,
       ignore_ipolicy_ = false;
  JobOptions job_;
};

class GrowDisk : public Command {
 public:
  void Declare(CLI::App& app) override {
    app.add_option("instance", instance_, "Instance name")->required();
    app.add_option("disk", disk_, "Disk index")->required();
    app.add_option("amount", amount_, "Amount to grow by (or the new size with --absolute)")
        ->required();
    app.add_flag("--absolute", absolute_, "Grow the disk to this size instead of by it");
    app.add_flag("--no-wait-for-sync", no_wait_for_sync_, "Don't wait for the disks to sync");
    AddSubmitOptions(app, job_);
  }
  int Run() override {
    SendJob(job_, json::array{json::object{{"OP_ID", "OP_INSTANCE_GROW_DISK"},
                                           {"instance_name", instance_},
                                           {"disk", DiskIndex(disk_)},
                                           {"amount", amount_},
                                           {"absolute", absolute_},
                                           {"wait_for_sync", !no_wait_for_sync_}}});
    return kExitSuccess;
  }

 private:
  std::string instance_, disk_, amount_;
  bool absolute_ = false, no_wait_for_sync_ = false;
  JobOptions job_;
};

}  // namespace

std::vector<CommandEntry> InstanceDiskCommands() {
  return {
      Entry<ActivateDisks>("activate-disks", "Activate an instance's disks"),
      Entry<DeactivateDisks>("deactivate-disks", "Deactivate an instance's disks"),
      Entry<RecreateDisks>("recreate-disks", "Recreate an instance's disks"),
      Entry<ReplaceDisks>("replace-disks", "Replace the disks of an instance"),
      Entry<GrowDisk>("grow-disk", "Grow an instance's disk"),
  };
}

}  // namespace herd::cli
