// gnt-backup: instance exports (export, import, list, list-fields, remove).
#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <optional>

#include "base/errors.h"
#include "cli/command.h"
#include "common_options.h"
#include "instance_commands.h"
#include "list_options.h"
#include "program.h"

using namespace herd;
using namespace herd::cli;
namespace json = boost::json;

namespace {

class ListExports : public Command {
 public:
  void Declare(CLI::App& app) override {
    AddListOptions(&app, list_);
    app.add_option("--node", nodes_, "Node(s) to list the exports of (repeatable)")
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  }
  int Run() override {
    if (!nodes_.empty()) {
      std::string selection;
      for (const auto& node : nodes_) {
        selection += (selection.empty() ? "" : " or ") + ("node == \"" + node + "\"");
      }
      list_.filter =
          list_.filter.empty() ? selection : "(" + selection + ") and (" + list_.filter + ")";
    }
    return GenericList("export", {}, {"node", "export"}, list_);
  }

 private:
  ListOptions list_;
  std::vector<std::string> nodes_;
};

class RemoveExport : public Command {
 public:
  void Declare(CLI::App& app) override {
    app.add_option("instance", instance_, "Instance whose export to remove")->required();
    AddSubmitOptions(app, job_);
  }
  int Run() override {
    SendJob(job_,
            json::array{json::object{{"OP_ID", "OP_BACKUP_REMOVE"}, {"instance_name", instance_}}});
    return kExitSuccess;
  }

 private:
  std::string instance_;
  JobOptions job_;
};

class ExportInstance : public Command {
 public:
  void Declare(CLI::App& app) override {
    app.add_option("instance", instance_, "Instance to export")->required();
    app.add_option("-n,--node", node_, "Target node");
    app.add_flag("-f,--force", force_, "Force the operation");
    app.add_option("--transport-compression", compress_,
                   "Compression tool to use for the transfer");
    app.add_flag("!--noshutdown", shutdown_, "Don't shutdown the instance (unsafe)");
    app.add_option("--shutdown-timeout", shutdown_timeout_,
                   "Maximum time to wait for the instance to shut down");
    app.add_flag("--remove-instance", remove_instance_, "Remove the instance from the cluster");
    app.add_flag("--ignore-remove-failures", ignore_remove_failures_,
                 "Remove the instance from the cluster configuration even if there are failures "
                 "during the removal process");
    app.add_flag("--zero-free-space", zero_free_space_,
                 "Whether to zero the free space on the disks of the instance");
    app.add_option("--zeroing-timeout-fixed", zeroing_fixed_,
                   "The fixed amount of time to wait before assuming that the zeroing failed");
    app.add_option("--zeroing-timeout-per-mib", zeroing_per_mib_,
                   "The amount of time to wait per MiB of data to zero");
    app.add_flag("--long-sleep", long_sleep_,
                 "Allow the instance to be shut down for a longer time to perform the export");
    AddSubmitOptions(app, job_);
  }
  int Run() override {
    if (node_.empty()) throw OpPrereqError("Target node must be specified", kEcodeInval);
    json::object op{{"OP_ID", "OP_BACKUP_EXPORT"},
                    {"instance_name", instance_},
                    {"target_node", node_},
                    {"compress", compress_},
                    {"shutdown", shutdown_},
                    {"shutdown_timeout", shutdown_timeout_},
                    {"remove_instance", remove_instance_},
                    {"ignore_remove_failures", ignore_remove_failures_},
                    {"zero_free_space", zero_free_space_},
                    {"long_sleep", long_sleep_}};
    if (zeroing_fixed_) op["zeroing_timeout_fixed"] = *zeroing_fixed_;
    if (zeroing_per_mib_) op["zeroing_timeout_per_mib"] = *zeroing_per_mib_;
    SendJob(job_, json::array{op});
    return kExitSuccess;
  }

 private:
  std::string instance_, node_, compress_ = "none";
  bool force_ = false, shutdown_ = true, remove_instance_ = false, ignore_remove_failures_ = false,
       zero_free_space_ = false, long_sleep_ = false;
  int shutdown_timeout_ = 120;
  std::optional<int> zeroing_fixed_;
  std::optional<double> zeroing_per_mib_;
  JobOptions job_;
};

}  // namespace

int main(int argc, char** argv) {
  return RunProgram(
      argc, argv, "gnt-backup", "Instance export administration (Herd)",
      {
          Entry<ExportInstance>("export", "Exports an instance to an image"),
          InstanceCreateEntry(true, "import", "Imports an instance from an exported image"),
          Entry<ListExports>("list", "Lists instance exports available in the ganeti cluster"),
          ListFieldsEntry("export", "Lists all available fields for exports"),
          Entry<RemoveExport>("remove", "Remove exports of named instance from the filesystem."),
      });
}
