// gnt-job: list, info, watch, cancel, archive, list-fields.
#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <iostream>

#include "base/errors.h"
#include "base/json.h"
#include "cli/command.h"
#include "cli/jobs.h"
#include "list_options.h"

using namespace herd;
using namespace herd::cli;

namespace {
int64_t JobIdOf(const std::string& text) {
  try {
    size_t used = 0;
    int64_t id = std::stoll(text, &used);
    if (used == text.size() && id >= 0) return id;
  } catch (const std::exception&) {
  }
  throw OpPrereqError("Invalid job ID '" + text + "'", kEcodeInval);
}

std::string Text(const json::value& v) {
  return v.is_string() ? std::string(v.get_string()) : v.is_null() ? "None" : SerializeJson(v);
}
}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Ganeti job queue administration (Herd)", "gnt-job"};
  app.require_subcommand(1);
  ListOptions list;
  std::vector<std::string> ids;
  auto* ls = app.add_subcommand("list", "List jobs");
  AddListOptions(ls, list);
  ls->add_option("ids", ids, "Job ids (default: all)");
  auto* fields = app.add_subcommand("list-fields", "List available job fields");
  fields->add_option("fields", ids, "Fields");
  auto* info = app.add_subcommand("info", "Show job details");
  info->add_option("ids", ids, "Job ids")->required();
  auto* watch = app.add_subcommand("watch", "Follow a job's progress");
  watch->add_option("id", ids, "Job id")->required()->expected(1);
  auto* cancel = app.add_subcommand("cancel", "Cancel jobs");
  cancel->add_option("ids", ids, "Job ids")->required();
  auto* archive = app.add_subcommand("archive", "Archive jobs");
  archive->add_option("ids", ids, "Job ids")->required();
  CLI11_PARSE(app, argc, argv);

  return RunCommand([&]() -> int {
    const std::string cmd = app.get_subcommands().front()->get_name();
    if (cmd == "list") return GenericList("job", ids, {"id", "status", "summary"}, list, "id");
    if (cmd == "list-fields") return ListFields("job", ids, list);
    if (cmd == "watch") {
      int64_t id = JobIdOf(ids[0]);
      std::cout << "Output from job " << id << " follows\n-----" << std::endl;
      json::value r = WaitJob(id);
      return r.as_array()[0].as_bool() ? kExitSuccess : kExitFailure;
    }
    if (cmd == "cancel" || cmd == "archive") {
      int rc = kExitSuccess;
      for (const auto& text : ids) {
        int64_t id = JobIdOf(text);
        if (cmd == "cancel") {
          json::value r = Master().Call("CancelJob", json::array{id, false});
          std::cout << Text(r.as_array()[1]) << "\n";
          if (!r.as_array()[0].as_bool()) rc = kExitFailure;
        } else {
          json::value r = Master().Call("ArchiveJob", json::array{id});
          if (!r.as_bool()) {
            std::cout << "Job " << id << " could not be archived (not found or not finished)\n";
            rc = kExitFailure;
          }
        }
      }
      return rc;
    }
    if (cmd == "info") {
      json::array id_list;
      for (const auto& t : ids) id_list.push_back(JobIdOf(t));
      json::array fields{"id",       "ops",   "status",   "received_ts", "start_ts", "end_ts",
                         "opstatus", "oplog", "opresult", "opstart",     "opexec",   "opend"};
      json::value rows = Master().Call("QueryJobs", json::array{id_list, fields});
      int rc = kExitSuccess;
      for (size_t k = 0; k < rows.as_array().size(); ++k) {
        const auto& row = rows.as_array()[k];
        if (row.is_null()) {
          std::cout << "Job ID " << ids[k] << " not found\n";
          rc = kExitFailure;
          continue;
        }
        const auto& r = row.as_array();
        std::cout << "Job ID: " << Text(r[0]) << "\n"
                  << "  Status: " << Text(r[2]) << "\n"
                  << "  Received:         " << FormatTimestamp(r[3]) << "\n"
                  << "  Processing start: " << FormatTimestamp(r[4]) << "\n"
                  << "  Processing end:   " << FormatTimestamp(r[5]) << "\n"
                  << "  Opcodes:\n";
        const auto& ops = r[1].as_array();
        for (size_t i = 0; i < ops.size(); ++i) {
          const auto& op = ops[i].as_object();
          std::cout << "    OP_ID: " << Text(op.contains("OP_ID") ? op.at("OP_ID") : json::value())
                    << "\n"
                    << "      Status: " << Text(r[6].as_array()[i]) << "\n"
                    << "      Processing start: " << FormatTimestamp(r[9].as_array()[i]) << "\n"
                    << "      Execution start:  " << FormatTimestamp(r[10].as_array()[i]) << "\n"
                    << "      Processing end:   " << FormatTimestamp(r[11].as_array()[i]) << "\n"
                    << "      Input fields:\n";
          for (const auto& kv : op) {
            if (kv.key() != "OP_ID")
              std::cout << "        " << kv.key() << ": " << Text(kv.value()) << "\n";
          }
          std::cout << "      Result: " << Text(r[8].as_array()[i]) << "\n"
                    << "      Execution log:\n";
          for (const auto& e : r[7].as_array()[i].as_array()) {
            const auto& entry = e.as_array();
            std::cout << "        " << FormatTimestamp(entry[1]) << ":" << Text(entry[2]) << "  "
                      << Text(entry[3]) << "\n";
          }
        }
      }
      return rc;
    }
    return kExitFailure;
  });
}
