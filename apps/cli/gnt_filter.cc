// gnt-filter: job filter rules (add, list, list-fields, info, replace,
// delete), with Ganeti's options and output.
#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <iostream>

#include "base/errors.h"
#include "base/json.h"
#include "base/python_repr.h"
#include "cli/command.h"
#include "cli/listing.h"
#include "common_options.h"
#include "list_options.h"
#include "luxi/client.h"
#include "program.h"

using namespace herd;
using namespace herd::cli;
namespace json = boost::json;

namespace {

// What add and replace share: --priority, --predicates, --action, --reason.
struct RuleOptions {
  int priority = 0;
  std::string predicates = "[]", action = "CONTINUE", reason;

  void Declare(CLI::App& app) {
    app.add_option("--priority", priority, "Priority for filter processing");
    app.add_option("--predicates", predicates,
                   "List of predicates in the Ganeti query language, given as a JSON list.");
    app.add_option("--action", action,
                   "The effect of the filter. Can be one of 'ACCEPT', 'PAUSE', 'REJECT', "
                   "'CONTINUE' and '[RATE_LIMIT, n]', where n is a positive integer.");
    app.add_option("--reason", reason, "The reason for executing the command");
  }
  // ReplaceFilter's arguments after the uuid.
  json::array Args() const {
    json::value parsed_predicates = ParseJson(predicates, "--predicates");
    json::value parsed_action;
    if (action == "ACCEPT" || action == "PAUSE" || action == "REJECT" || action == "CONTINUE") {
      parsed_action = json::value(action);
    } else if (action.rfind("RATE_LIMIT", 0) == 0 || action.rfind("[RATE_LIMIT", 0) == 0) {
      // Ganeti's "filteraction" option type: "RATE_LIMIT n" or a JSON list.
      std::string number = action.substr(action.find("RATE_LIMIT") + 10);
      for (char c : {'[', ']', ',', '"', ' '})
        number.erase(std::remove(number.begin(), number.end(), c), number.end());
      try {
        parsed_action = json::array{"RATE_LIMIT", std::stoll(number)};
      } catch (const std::exception&) {
        throw ParameterError("Invalid --action '" + action + "'");
      }
    } else {
      throw ParameterError("Invalid --action '" + action +
                           "': ACCEPT, PAUSE, REJECT, CONTINUE or RATE_LIMIT n");
    }
    json::array trail;
    if (!reason.empty()) {
      const int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
      trail.push_back(json::array{"gnt:user", json::value(reason), now});
    }
    return json::array{priority, std::move(parsed_predicates), std::move(parsed_action),
                       std::move(trail)};
  }
};

json::array WithUuid(json::value uuid, json::array rest) {
  rest.insert(rest.begin(), std::move(uuid));
  return rest;
}

class AddFilter : public Command {
 public:
  void Declare(CLI::App& app) override { rule_.Declare(app); }
  int Run() override {
    const json::value uuid = Master().Call("ReplaceFilter", WithUuid(nullptr, rule_.Args()));
    std::cout << std::string(uuid.as_string()) << "\n";
    return kExitSuccess;
  }

 private:
  RuleOptions rule_;
};

class ReplaceFilter : public Command {
 public:
  void Declare(CLI::App& app) override {
    app.add_option("uuid", uuid_, "Filter UUID")->required();
    rule_.Declare(app);
  }
  int Run() override {
    const json::value uuid =
        Master().Call("ReplaceFilter", WithUuid(json::value(uuid_), rule_.Args()));
    std::cout << std::string(uuid.as_string()) << "\n";
    return kExitSuccess;
  }

 private:
  std::string uuid_;
  RuleOptions rule_;
};

class ListFilters : public Command {
 public:
  void Declare(CLI::App& app) override {
    AddListOptions(&app, list_);
    app.add_option("uuids", uuids_, "Filters (default: all)");
  }
  int Run() override {
    return GenericList("filter", uuids_,
                       {"uuid", "watermark", "priority", "predicates", "action", "reason_trail"},
                       list_, "uuid");
  }

 private:
  ListOptions list_;
  std::vector<std::string> uuids_;
};

class ShowFilter : public Command {
 public:
  void Declare(CLI::App& app) override { app.add_option("uuids", uuids_, "Filters"); }
  int Run() override {
    const std::vector<std::string> fields{"uuid",       "watermark", "priority",
                                          "predicates", "action",    "reason_trail"};
    for (const auto& row : QueryValues("filter", fields, uuids_, "uuid")) {
      std::cout << "UUID: " << PythonStr(row[0]) << "\n"
                << "  Watermark: " << PythonStr(row[1]) << "\n"
                << "  Priority: " << PythonStr(row[2]) << "\n"
                << "  Predicates: " << PythonStr(row[3]) << "\n"
                << "  Action: " << PythonStr(row[4]) << "\n"
                << "  Reason trail: " << PythonStr(row[5]) << "\n";
    }
    return kExitSuccess;
  }

 private:
  std::vector<std::string> uuids_;
};

class DeleteFilter : public Command {
 public:
  void Declare(CLI::App& app) override { app.add_option("uuid", uuid_, "Filter UUID")->required(); }
  int Run() override {
    Master().Call("DeleteFilter", json::array{json::value(uuid_)});
    return kExitSuccess;
  }

 private:
  std::string uuid_;
};

}  // namespace

int main(int argc, char** argv) {
  return RunProgram(
      argc, argv, "gnt-filter", "Job filter rule administration (Herd)",
      {Entry<AddFilter>("add", "Adds a new filter to the cluster"),
       Entry<ListFilters>("list", "Lists the job filter rules"),
       ListFieldsEntry("filter", "Lists all available fields for filters"),
       Entry<ShowFilter>("info", "Shows information about the filter(s)"),
       Entry<ReplaceFilter>("replace", "Replaces a filter, creating it if it does not exist"),
       Entry<DeleteFilter>("delete", "Removes a filter")});
}
