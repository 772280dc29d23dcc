// gnt-debug wconfd and metad. Ganeti's WConfD holds the configuration and
// the locks; in Herd the master daemon does, so what has an equivalent is
// answered from it over LUXI (liveness, lock listings) and the rest fails
// saying what Herd does instead. Herd has no metadata daemon at all.
#include <algorithm>
#include <boost/json.hpp>
#include <iostream>

#include "base/errors.h"
#include "base/json.h"
#include "base/python_repr.h"
#include "cli/command.h"
#include "debug_commands.h"

namespace herd::cli {
namespace {

namespace json = boost::json;

struct LockRow {
  std::string name;
  json::value mode;
  std::vector<std::string> owners;
};

// The master daemon's locks (the "lock" query resource).
std::vector<LockRow> Locks() {
  const json::value result =
      Master().Call("Query", json::array{"lock", json::array{"name", "mode", "owner"}, nullptr});
  std::vector<LockRow> rows;
  for (const auto& row : result.as_object().at("data").as_array()) {
    auto value = [&](size_t i) -> const json::value& { return row.as_array()[i].as_array()[1]; };
    LockRow lock{std::string(value(0).as_string()), value(1), {}};
    if (value(2).is_array()) {
      for (const auto& owner : value(2).as_array()) lock.owners.push_back(PythonStr(owner));
    }
    rows.push_back(std::move(lock));
  }
  return rows;
}

void PrintAnswer(const json::value& answer) {
  std::cout << "Answer: " << PythonStr(answer) << "\n";
}

bool WrongArguments(const std::vector<std::string>& args, size_t expected,
                    const std::string& text) {
  if (args.size() == expected) return false;
  std::cerr << text << "\n";
  return true;
}

class Wconfd : public Command {
 public:
  void Declare(CLI::App& app) override {
    app.add_option("args", args_, "The command and its arguments")->required();
    app.footer(
        "Herd has no separate WConfD: the master daemon holds the configuration and the locks. "
        "echo checks that it answers; listlocks JOB, listalllocks and listalllocksowners list "
        "its locks (as 'gnt-debug locks' does); cleanuplocks and flushconfig have nothing to "
        "do in Herd and say why.");
  }
  int Run() override {
    const std::string& command = args_[0];
    if (command == "echo") {
      if (WrongArguments(args_, 2, "Command 'echo' takes only precisely argument.")) return 1;
      // The master daemon is what answers for WConfD here: it must be alive.
      Master().Call("QueryConfigValues", json::array{json::array{"cluster_name"}});
      PrintAnswer(json::value(args_[1]));
    } else if (command == "cleanuplocks") {
      if (WrongArguments(args_, 1, "Command 'cleanuplocks' takes no arguments.")) return 1;
      throw OpPrereqError(
          "Herd has no WConfD and no stale locks to clean up: the master daemon's lock manager "
          "releases a job's locks when the job ends, and a restarted master daemon starts with "
          "none ('gnt-debug locks' shows who holds what)",
          kEcodeEnviron);
    } else if (command == "listlocks") {
      if (WrongArguments(args_, 2, "Command 'listlocks' takes precisely one argument.")) return 1;
      const std::string owner = "job/" + args_[1];
      json::array held;
      for (const auto& lock : Locks()) {
        if (std::find(lock.owners.begin(), lock.owners.end(), owner) != lock.owners.end()) {
          held.push_back(json::array{json::value(lock.name), lock.mode});
        }
      }
      PrintAnswer(held);
    } else if (command == "listalllocks") {
      if (WrongArguments(args_, 1, "Command 'listalllocks' takes no arguments.")) return 1;
      json::array held;
      for (const auto& lock : Locks()) {
        if (!lock.owners.empty()) held.emplace_back(lock.name);
      }
      PrintAnswer(held);
    } else if (command == "listalllocksowners") {
      if (WrongArguments(args_, 1, "Command 'listalllocks' takes no arguments.")) return 1;
      json::array held;
      for (const auto& lock : Locks()) {
        if (lock.owners.empty()) continue;
        json::array owners;
        for (const auto& o : lock.owners) owners.push_back(json::array{json::value(o), lock.mode});
        held.push_back(json::array{json::value(lock.name), std::move(owners)});
      }
      PrintAnswer(held);
    } else if (command == "flushconfig") {
      if (WrongArguments(args_, 1, "Command 'flushconfig' takes no arguments.")) return 1;
      throw OpPrereqError(
          "Herd has no WConfD holding configuration changes back: the master daemon writes "
          "every change to its journal (fsync'd) before the job goes on, so there is nothing "
          "to flush; 'gnt-cluster redist-conf' pushes the configuration to the nodes",
          kEcodeEnviron);
    } else {
      std::cerr << "Command '" << command << "' not supported\n";
      return kExitFailure;
    }
    return kExitSuccess;
  }

 private:
  std::vector<std::string> args_;
};

class Metad : public Command {
 public:
  void Declare(CLI::App& app) override {
    app.add_option("args", args_, "The command and its arguments")->required();
    app.footer("Herd has no metadata daemon (ganeti-metad); this command says so.");
  }
  int Run() override {
    const std::string& command = args_[0];
    if (command != "echo") {
      std::cerr << "Command '" << command << "' not supported\n";
      return kExitFailure;
    }
    if (WrongArguments(args_, 2, "Command 'echo' takes only precisely argument.")) return 1;
    throw OpPrereqError(
        "Herd has no metadata daemon (ganeti-metad): there is no instance communication network "
        "serving metadata to instances; OS parameters reach the OS scripts through their "
        "environment instead (gnt-instance add -O, gnt-os modify -O)",
        kEcodeEnviron);
  }

 private:
  std::vector<std::string> args_;
};

}  // namespace

std::vector<CommandEntry> DebugDaemonCommands() {
  return {Entry<Wconfd>("wconfd", "Directly talk to WConfD (Herd: the master daemon)"),
          Entry<Metad>("metad", "Directly talk to Metad (Herd has none)")};
}

}  // namespace herd::cli
