// gnt-instance: instance administration with Ganeti's commands, options and
// output. This file holds the table, the queries and the state changes;
// creation, disks and placement are in instance_*_commands.cc.
#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <iostream>

#include "base/errors.h"
#include "base/json.h"
#include "cli/command.h"
#include "cli/format.h"
#include "cli/jobs.h"
#include "cli/key_values.h"
#include "common_options.h"
#include "instance_commands.h"
#include "list_options.h"
#include "program.h"
#include "tag_commands.h"

using namespace herd;
using namespace herd::cli;
namespace json = boost::json;

namespace {

void PrintParams(const char* title, const json::object& actual, const json::object& own) {
  std::cout << "    " << title << ":\n";
  for (const auto& kv : actual) {
    std::cout << "      " << kv.key() << ": ";
    if (own.contains(kv.key())) {
      std::cout << ValueText(kv.value()) << "\n";
    } else {
      std::cout << "default (" << ValueText(kv.value()) << ")\n";
    }
  }
}

void PrintInfo(const json::object& i) {
  std::cout << "Instance name: " << ValueText(i.at("name")) << "\n"
            << "UUID: " << ValueText(i.at("uuid")) << "\n"
            << "Serial number: " << ValueText(i.at("serial_no")) << "\n"
            << "Creation time: " << ValueText(i.at("ctime")) << "\n"
            << "Modification time: " << ValueText(i.at("mtime")) << "\n"
            << "State: configured to be " << ValueText(i.at("config_state"));
  if (!i.at("run_state").is_null())
    std::cout << ", actual state is " << ValueText(i.at("run_state"));
  std::cout << "\n  Nodes:\n"
            << "    - primary: " << ValueText(i.at("pnode")) << "\n"
            << "      group: " << ValueText(i.at("pnode_group_name")) << " ("
            << ValueText(i.at("pnode_group_uuid")) << ")\n"
            << "    - secondaries: ";
  std::string snodes;
  for (const auto& s : i.at("snodes").as_array())
    snodes += (snodes.empty() ? "" : ", ") + ValueText(s);
  std::cout << snodes << "\n"
            << "  Operating system: " << ValueText(i.at("os")) << "\n"
            << "  Disk template: " << ValueText(i.at("disk_template")) << "\n"
            << "  Hypervisor: " << ValueText(i.at("hypervisor")) << "\n";
  PrintParams("Hypervisor parameters", i.at("hv_actual").as_object(),
              i.at("hv_instance").as_object());
  std::cout << "  Hardware:\n";
  PrintParams("Backend parameters", i.at("be_actual").as_object(), i.at("be_instance").as_object());
  std::cout << "    NICs:\n";
  int n = 0;
  for (const auto& nic : i.at("nics").as_array()) {
    const auto& a = nic.as_array();
    std::cout << "      - nic/" << n++ << ":\n"
              << "        MAC: " << ValueText(a[3]) << "\n"
              << "        IP: " << ValueText(a[2]) << "\n"
              << "        mode: " << ValueText(a[4]) << "\n"
              << "        link: " << ValueText(a[5]) << "\n";
  }
  std::cout << "  Disks:\n";
  for (const auto& disk : i.at("disks").as_array()) {
    const auto& d = disk.as_object();
    std::cout << "    - " << ValueText(d.at("iv_name")) << ": " << ValueText(d.at("dev_type"))
              << ", size " << FormatUnit(d.at("size").to_number<double>(), "h") << "\n"
              << "      access mode: " << ValueText(d.at("mode")) << "\n";
    const auto& lid = d.at("logical_id").as_array();
    if (lid.size() == 2) std::cout << "      logical_id: " << ValueText(lid[1]) << "\n";
  }
  std::cout << "  OS parameters:\n";
  for (const auto& kv : i.at("os_actual").as_object()) {
    std::cout << "    " << kv.key() << ": " << ValueText(kv.value()) << "\n";
  }
  std::string tags;
  for (const auto& t : i.at("tags").as_array()) tags += (tags.empty() ? "" : ", ") + ValueText(t);
  std::cout << "  Tags: " << (tags.empty() ? "-" : tags) << "\n";
}

class ListInstances : public Command {
 public:
  void Declare(CLI::App& app) override {
    AddListOptions(&app, list_);
    app.add_option("instances", names_, "Instances (default: all)");
  }
  int Run() override {
    return GenericList("instance", names_,
                       {"name", "hypervisor", "os", "pnode", "status", "oper_ram"}, list_);
  }

 private:
  ListOptions list_;
  std::vector<std::string> names_;
};

class ShowInstance : public Command {
 public:
  void Declare(CLI::App& app) override {
    app.add_option("instances", names_, "Instances (default: all)");
    app.add_flag("-s,--static", static_only_, "Only show configuration data, not runtime data");
    app.add_flag("--all", all_, "Show info on all instances on the cluster");
  }
  int Run() override {
    if (all_ && !names_.empty()) {
      throw OpPrereqError("Cannot use --all if you specify instance names", kEcodeInval);
    }
    const json::value result =
        SubmitAndWait(json::array{json::object{{"OP_ID", "OP_INSTANCE_QUERY_DATA"},
                                               {"instances", StringArray(names_)},
                                               {"static", static_only_}}},
                      false);
    bool first = true;
    for (const auto& kv : result.as_array().at(0).as_object()) {
      if (!first) std::cout << "\n";
      first = false;
      PrintInfo(kv.value().as_object());
    }
    return kExitSuccess;
  }

 private:
  std::vector<std::string> names_;
  bool static_only_ = false, all_ = false;
};

// A state change on one or more instances (Ganeti's GenericManyOps): one
// job per instance, a confirmation when more than one is affected.
class ManyInstancesCommand : public Command {
 public:
  void Declare(CLI::App& app) override {
    app.add_option("instances", names_, "Instances")->required();
    app.add_flag("--force-multiple", force_multiple_,
                 "Do not ask for confirmation when more than one instance is affected");
    AddSubmitOptions(app, job_);
    DeclareOwn(app);
  }
  int Run() override {
    if (names_.size() > 1 && !force_multiple_) {
      std::string question = "The " + Verb() + " will operate on " + std::to_string(names_.size()) +
                             " instances.\nDo you want to continue?";
      if (!ConfirmInstanceOperation(question, false)) return kExitFailure;
    }
    int failed = 0;
    for (const auto& name : names_) {
      try {
        SendJob(job_, json::array{Opcode(name)});
      } catch (const GanetiError& e) {
        if (names_.size() == 1) throw;
        std::cerr << e.UserMessage() << "\n";
        ++failed;
      }
    }
    return failed ? kExitFailure : kExitSuccess;
  }

 protected:
  virtual void DeclareOwn(CLI::App& app) = 0;
  virtual std::string Verb() const = 0;
  virtual json::object Opcode(const std::string& instance) const = 0;

 private:
  std::vector<std::string> names_;
  bool force_multiple_ = false;
  JobOptions job_;
};

class StartupInstance : public ManyInstancesCommand {
  void DeclareOwn(CLI::App& app) override {
    app.add_flag("-f,--force", force_, "Force the operation");
    app.add_flag("--ignore-offline", ignore_offline_,
                 "Ignore offline nodes and do as much as possible");
    app.add_flag("--no-remember", no_remember_,
                 "Perform but do not record the change in the configuration");
    app.add_flag("--paused", paused_, "Pause instance at startup");
    app.add_option("-H,--hypervisor-parameters", hvparams_, "Temporary hypervisor parameters");
    app.add_option("-B,--backend-parameters", beparams_, "Temporary backend parameters");
  }
  std::string Verb() const override { return "startup"; }
  json::object Opcode(const std::string& instance) const override {
    json::object op{{"OP_ID", "OP_INSTANCE_STARTUP"},
                    {"instance_name", instance},
                    {"force", force_},
                    {"ignore_offline_nodes", ignore_offline_},
                    {"no_remember", no_remember_},
                    {"startup_paused", paused_}};
    if (!hvparams_.empty()) op["hvparams"] = ParseKeyValues(hvparams_, "-H");
    if (!beparams_.empty()) op["beparams"] = ParseKeyValues(beparams_, "-B");
    return op;
  }
  bool force_ = false, ignore_offline_ = false, no_remember_ = false, paused_ = false;
  std::string hvparams_, beparams_;
};

class ShutdownInstance : public ManyInstancesCommand {
  void DeclareOwn(CLI::App& app) override {
    app.add_option("--timeout", timeout_, "Maximum time to wait for instance shutdown (seconds)");
    app.add_flag("--ignore-offline", ignore_offline_,
                 "Ignore offline nodes and do as much as possible");
    app.add_flag("--no-remember", no_remember_,
                 "Perform but do not record the change in the configuration");
  }
  std::string Verb() const override { return "shutdown"; }
  json::object Opcode(const std::string& instance) const override {
    return {{"OP_ID", "OP_INSTANCE_SHUTDOWN"},
            {"instance_name", instance},
            {"timeout", timeout_},
            {"ignore_offline_nodes", ignore_offline_},
            {"no_remember", no_remember_}};
  }
  int timeout_ = 120;
  bool ignore_offline_ = false, no_remember_ = false;
};

class RebootInstance : public ManyInstancesCommand {
  void DeclareOwn(CLI::App& app) override {
    app.add_option("-t,--type", type_, "Type of reboot: soft/hard/full")
        ->check(CLI::IsMember({"soft", "hard", "full"}));
    app.add_flag("--ignore-secondaries", ignore_secondaries_, "Ignore errors from secondaries");
    app.add_option("--shutdown-timeout", shutdown_timeout_,
                   "Maximum time to wait for instance shutdown (seconds)");
  }
  std::string Verb() const override { return "reboot"; }
  json::object Opcode(const std::string& instance) const override {
    return {{"OP_ID", "OP_INSTANCE_REBOOT"},
            {"instance_name", instance},
            {"reboot_type", type_},
            {"ignore_secondaries", ignore_secondaries_},
            {"shutdown_timeout", shutdown_timeout_}};
  }
  std::string type_ = "hard";
  bool ignore_secondaries_ = false;
  int shutdown_timeout_ = 120;
};

class RemoveInstance : public Command {
 public:
  void Declare(CLI::App& app) override {
    app.add_option("instance", instance_, "Instance name")->required();
    app.add_flag("-f,--force", force_, "Do not ask for confirmation");
    app.add_flag("--ignore-failures", ignore_failures_,
                 "Remove the instance from the cluster configuration even if there are failures "
                 "during the removal process");
    app.add_option("--shutdown-timeout", shutdown_timeout_,
                   "Maximum time to wait for instance shutdown (seconds)");
    AddSubmitOptions(app, job_);
  }
  int Run() override {
    if (!ConfirmInstanceOperation(
            "This will remove the volumes of the instance " + instance_ +
                " (including mirrors), thus removing all the data of the instance. Continue?",
            force_)) {
      return kExitFailure;
    }
    SendJob(job_, json::array{json::object{{"OP_ID", "OP_INSTANCE_REMOVE"},
                                           {"instance_name", instance_},
                                           {"ignore_failures", ignore_failures_},
                                           {"shutdown_timeout", shutdown_timeout_}}});
    return kExitSuccess;
  }

 private:
  std::string instance_;
  bool force_ = false, ignore_failures_ = false;
  int shutdown_timeout_ = 120;
  JobOptions job_;
};

class RenameInstance : public Command {
 public:
  void Declare(CLI::App& app) override {
    app.add_option("instance", instance_, "Instance name")->required();
    app.add_option("new_name", new_name_, "New name")->required();
    app.add_flag("-f,--force", force_, "Do not ask for confirmation");
    app.add_flag("--no-name-check", no_name_check_, "Don't check that the name resolves");
    app.add_flag("--no-ip-check", no_ip_check_, "Don't check that the IP is not in use");
    AddSubmitOptions(app, job_);
  }
  int Run() override {
    if (!force_ && no_name_check_ &&
        !ConfirmInstanceOperation("As you disabled the check of the DNS entry, please verify "
                                  "that '" +
                                      new_name_ + "' is a FQDN. Continue?",
                                  false)) {
      return kExitFailure;
    }
    const json::value result =
        SendJob(job_, json::array{json::object{{"OP_ID", "OP_INSTANCE_RENAME"},
                                               {"instance_name", instance_},
                                               {"new_name", new_name_},
                                               {"name_check", !no_name_check_},
                                               {"ip_check", !no_ip_check_}}});
    if (!job_.submit && !job_.dry_run && result.is_array() && !result.as_array().empty()) {
      std::cout << "Instance '" << instance_ << "' renamed to '" << ValueText(result.as_array()[0])
                << "'\n";
    }
    return kExitSuccess;
  }

 private:
  std::string instance_, new_name_;
  bool force_ = false, no_name_check_ = false, no_ip_check_ = false;
  JobOptions job_;
};

class ConsoleInstance : public Command {
 public:
  void Declare(CLI::App& app) override {
    app.add_option("instance", instance_, "Instance name")->required();
    app.add_flag("--show-cmd", show_cmd_,
                 "Show command instead of executing it (useful for remote SSH clients)");
  }
  int Run() override {
    const json::value result = SubmitAndWait(
        json::array{json::object{{"OP_ID", "OP_INSTANCE_CONSOLE"}, {"instance_name", instance_}}},
        false);
    const auto& console = result.as_array().at(0).as_object();
    const std::string kind = ValueText(console.at("kind"));
    if (kind == "msg") {
      std::cout << ValueText(console.at("message")) << "\n";
      return kExitSuccess;
    }
    throw OpExecError("Console of kind '" + kind + "' is not supported by this client");
  }

 private:
  std::string instance_;
  bool show_cmd_ = false;
};

}  // namespace

int main(int argc, char** argv) {
  std::vector<CommandEntry> commands{
      Entry<ListInstances>("list", "Lists the instances and their status"),
      ListFieldsEntry("instance", "Lists all available fields for instances"),
      Entry<ShowInstance>("info", "Show information on the specified instance(s)", {"show"}),
      Entry<StartupInstance>("startup", "Starts an instance", {"start"}),
      Entry<ShutdownInstance>("shutdown", "Stops an instance", {"stop"}),
      Entry<RebootInstance>("reboot", "Reboots an instance"),
      Entry<RemoveInstance>("remove", "Shuts down the instance and removes it", {"rm"}),
      Entry<RenameInstance>("rename", "Rename the instance"),
      Entry<ConsoleInstance>("console", "Connect to a running instance's console"),
  };
  for (auto* group : {&InstanceParamCommands, &InstanceDiskCommands, &InstancePlacementCommands}) {
    for (auto& entry : (*group)()) commands.push_back(std::move(entry));
  }
  for (auto& entry : TagCommands("instance", "instance")) commands.push_back(std::move(entry));
  return RunProgram(argc, argv, "gnt-instance", "Instance administration (Herd)", commands);
}
