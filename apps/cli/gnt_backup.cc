// gnt-backup: instance exports (list, list-fields, remove).
#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include "cli/command.h"
#include "common_options.h"
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

}  // namespace

int main(int argc, char** argv) {
  return RunProgram(
      argc, argv, "gnt-backup", "Instance export administration (Herd)",
      {
          Entry<ListExports>("list", "Lists instance exports available in the ganeti cluster"),
          ListFieldsEntry("export", "Lists all available fields for exports"),
          Entry<RemoveExport>("remove", "Remove exports of named instance from the filesystem."),
      });
}
