// gnt-job: the job queue, with Ganeti's commands (list, list-fields, info,
// watch, wait, cancel, change-priority, archive, autoarchive).
#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <iostream>
#include <set>

#include "base/errors.h"
#include "base/json.h"
#include "cli/command.h"
#include "cli/format.h"
#include "cli/jobs.h"
#include "common_options.h"
#include "list_options.h"
#include "program.h"

using namespace herd;
using namespace herd::cli;
namespace json = boost::json;

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

// Ganeti's job status selections (--pending, --running, ...).
struct StatusFilter {
  std::set<std::string> statuses;
  void Declare(CLI::App& app, bool listing) {
    auto select = [this](CLI::App& a, const char* flag, std::set<std::string> chosen,
                         const char* help) {
      a.add_flag_callback(
          flag, [this, chosen] { statuses = chosen; }, help);
    };
    select(app, "--pending", {"queued", "waiting", "canceling"},
           "Select jobs pending execution or being cancelled");
    if (listing) {
      select(app, "--running", {"running"}, "Show jobs currently running only");
      select(app, "--error", {"error"}, "Show failed jobs only");
      select(app, "--finished", {"canceled", "success", "error"}, "Show finished jobs only");
    } else {
      select(app, "--queued", {"queued"}, "Select queued jobs only");
      select(app, "--waiting", {"waiting"}, "Select waiting jobs only");
    }
  }
  // The selection in Ganeti's filter language ("" for none).
  std::string Expression() const {
    std::string expr;
    for (const auto& s : statuses)
      expr += (expr.empty() ? "" : " or ") + ("status == \"" + s + "\"");
    return expr;
  }
};

class ListJobs : public Command {
 public:
  void Declare(CLI::App& app) override {
    AddListOptions(&app, list_);
    status_.Declare(app, true);
    app.add_option("ids", ids_, "Job ids (default: all)");
  }
  int Run() override {
    if (!status_.statuses.empty()) {
      const std::string selection = status_.Expression();
      list_.filter =
          list_.filter.empty() ? selection : "(" + selection + ") and (" + list_.filter + ")";
    }
    return GenericList("job", ids_, {"id", "status", "summary"}, list_, "id");
  }

 private:
  ListOptions list_;
  StatusFilter status_;
  std::vector<std::string> ids_;
};

// Ganeti's _MultiJobAction: job ids, or a status selection shown and confirmed.
class MultiJobCommand : public Command {
 public:
  void Declare(CLI::App& app) override {
    app.add_option("ids", ids_, "Job ids");
    app.add_flag("-f,--force", force_, "Do not ask for confirmation");
    status_.Declare(app, false);
    DeclareOwn(app);
  }
  int Run() override {
    Check();
    if (ids_.empty() == status_.statuses.empty()) {
      throw OpPrereqError("Either a status filter or job ID(s) must be specified and never both",
                          kEcodeInval);
    }
    std::vector<int64_t> jobs;
    if (!status_.statuses.empty()) {
      std::vector<std::string> selected;
      for (const auto& row : QueryValues("job", {"id", "status"}, {}, "id")) {
        if (status_.statuses.count(Text(row[1]))) {
          jobs.push_back(row[0].to_number<int64_t>());
          selected.push_back(std::to_string(jobs.back()));
        }
      }
      if (jobs.empty()) {
        throw OpPrereqError("No jobs with the requested status have been found", kEcodeState);
      }
      if (!force_) {
        GenericList("job", selected, {"id", "status", "summary"}, ListOptions{}, "id");
        if (!AskUser(Question(), false)) return 2;  // Ganeti's EXIT_CONFIRMATION
      }
    } else {
      for (const auto& text : ids_) jobs.push_back(JobIdOf(text));
    }
    int rc = kExitSuccess;
    for (int64_t id : jobs) {
      const json::value r = Act(id);
      std::cout << Text(r.as_array()[1]) << "\n";
      if (!r.as_array()[0].as_bool()) rc = kExitFailure;
    }
    return rc;
  }

 protected:
  virtual void DeclareOwn(CLI::App&) {}
  virtual void Check() const {}
  virtual std::string Question() const = 0;
  virtual json::value Act(int64_t id) const = 0;

 private:
  std::vector<std::string> ids_;
  bool force_ = false;
  StatusFilter status_;
};

class CancelJobs : public MultiJobCommand {
  void DeclareOwn(CLI::App& app) override {
    app.add_flag("--kill", kill_, "Kill running jobs with SIGKILL");
    app.add_flag("--yes-do-it,--ya-rly", yes_do_it_, "Really use --kill");
  }
  void Check() const override {
    if (kill_ && !yes_do_it_) {
      throw OpPrereqError("The --kill option must be confirmed with --yes-do-it", kEcodeInval);
    }
  }
  std::string Question() const override {
    return std::string(kill_ ? "KILL" : "Cancel") + " job(s) listed above?";
  }
  json::value Act(int64_t id) const override {
    return Master().Call("CancelJob", json::array{id, kill_});
  }
  bool kill_ = false, yes_do_it_ = false;
};

class ChangePriority : public MultiJobCommand {
  void DeclareOwn(CLI::App& app) override {
    app.add_option("--priority", priority_, "Priority for opcode processing")
        ->check(CLI::IsMember({"low", "normal", "high"}));
  }
  void Check() const override {
    if (priority_.empty()) throw OpPrereqError("--priority option must be given.", kEcodeInval);
  }
  std::string Question() const override { return "Change priority of job(s) listed above?"; }
  json::value Act(int64_t id) const override {
    const int priority = priority_ == "low" ? 10 : priority_ == "high" ? -10 : 0;
    return Master().Call("ChangeJobPriority", json::array{id, priority});
  }
  std::string priority_;
};

class ArchiveJobs : public Command {
 public:
  void Declare(CLI::App& app) override { app.add_option("ids", ids_, "Job ids")->required(); }
  int Run() override {
    int rc = kExitSuccess;
    for (const auto& text : ids_) {
      if (!Master().Call("ArchiveJob", json::array{JobIdOf(text)}).as_bool()) {
        std::cerr << "Failed to archive job with ID '" << text << "'\n";
        rc = kExitFailure;
      }
    }
    return rc;
  }

 private:
  std::vector<std::string> ids_;
};

class AutoArchiveJobs : public Command {
 public:
  void Declare(CLI::App& app) override {
    app.add_option("age", age_, "Archive jobs older than this (1d, 1w, 4w, all, or N[smhdw])")
        ->required();
  }
  int Run() override {
    const json::value r =
        Master().Call("AutoArchiveJobs", json::array{age_ == "all" ? -1 : Timespec(age_), 60});
    std::cout << "Archived " << Text(r.as_array()[0]) << " jobs, " << Text(r.as_array()[1])
              << " unchecked left\n";
    return kExitSuccess;
  }

 private:
  // Ganeti's ParseTimespec: a number with an optional s, m, h, d or w suffix.
  static int64_t Timespec(const std::string& text) {
    static const std::map<char, int64_t> kUnits{
        {'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}, {'w', 604800}};
    if (text.empty()) throw OpPrereqError("Empty time specification passed", kEcodeInval);
    int64_t unit = 1;
    std::string number = text;
    if (auto u = kUnits.find(text.back()); u != kUnits.end()) {
      unit = u->second;
      number.pop_back();
    }
    try {
      size_t used = 0;
      const int64_t value = std::stoll(number, &used);
      if (used == number.size()) return value * unit;
    } catch (const std::exception&) {
    }
    throw OpPrereqError("Invalid time specification '" + text + "'", kEcodeInval);
  }
  std::string age_;
};

class WatchJob : public Command {
 public:
  void Declare(CLI::App& app) override { app.add_option("id", id_, "Job id")->required(); }
  int Run() override {
    const int64_t id = JobIdOf(id_);
    std::cout << "Output from job " << id << " follows\n-----" << std::endl;
    return WaitJob(id).as_array()[0].as_bool() ? kExitSuccess : kExitFailure;
  }

 private:
  std::string id_;
};

class WaitForJob : public Command {
 public:
  void Declare(CLI::App& app) override { app.add_option("id", id_, "Job id")->required(); }
  int Run() override {
    const int64_t id = JobIdOf(id_);
    const json::value r = WaitJob(id, false);
    if (r.as_array()[0].as_bool()) return kExitSuccess;
    const json::value& why = r.as_array()[1];
    std::string message = Text(why);
    if (why.is_array()) {
      for (const auto& opresult : why.as_array()) {
        if (opresult.is_array() && opresult.as_array().size() == 2 &&
            opresult.as_array()[0].is_string()) {
          message = DecodeError(opresult).UserMessage();
          break;
        }
      }
    }
    std::cerr << "Job " << id << " failed: " << message << "\n";
    return kExitFailure;
  }

 private:
  std::string id_;
};

class ShowJobs : public Command {
 public:
  void Declare(CLI::App& app) override { app.add_option("ids", ids, "Job ids")->required(); }
  int Run() override {
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

 private:
  std::vector<std::string> ids;
};

}  // namespace

int main(int argc, char** argv) {
  return RunProgram(
      argc, argv, "gnt-job", "Job queue administration (Herd)",
      {
          Entry<ListJobs>("list", "Lists the jobs and their status"),
          ListFieldsEntry("job", "Lists all available fields for jobs"),
          Entry<ArchiveJobs>("archive", "Archive specified jobs"),
          Entry<AutoArchiveJobs>("autoarchive", "Auto archive jobs older than the given age"),
          Entry<CancelJobs>("cancel", "Cancel jobs"),
          Entry<ShowJobs>("info", "Show detailed information about the specified jobs", {"show"}),
          Entry<WaitForJob>("wait", "Wait for a job to finish"),
          Entry<WatchJob>("watch", "Follows a job and prints its output as it arrives"),
          Entry<ChangePriority>("change-priority", "Change the priority of jobs"),
      });
}
