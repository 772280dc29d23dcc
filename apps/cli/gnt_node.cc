// gnt-node: node administration, with Ganeti's commands and output.
#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <iostream>
#include <sstream>

#include "base/errors.h"
#include "base/json.h"
#include "base/python_repr.h"
#include "cli/command.h"
#include "cli/format.h"
#include "cli/jobs.h"
#include "cli/key_values.h"
#include "cli/listing.h"
#include "common_options.h"
#include "confd_commands.h"
#include "list_options.h"
#include "node_commands.h"
#include "program.h"
#include "tag_commands.h"

using namespace herd;
using namespace herd::cli;
namespace json = boost::json;

namespace {

class AddNode : public Command {
 public:
  void Declare(CLI::App& app) override {
    app.add_option("node", node_, "Node name")->required();
    app.add_option("-g,--node-group", group_, "Node group");
    app.add_option("-s,--secondary-ip", secondary_ip_, "Secondary IP address");
    app.add_flag("--readd", readd_, "Readd an old node");
    app.add_option("--master-capable", master_capable_, "yes/no");
    app.add_option("--vm-capable", vm_capable_, "yes/no");
    app.add_flag("--submit", submit_, "Submit the job and return its id");
  }
  int Run() override {
    json::object op{{"OP_ID", "OP_NODE_ADD"}, {"node_name", node_}, {"readd", readd_}};
    if (!group_.empty()) op["group"] = group_;
    if (!secondary_ip_.empty()) op["secondary_ip"] = secondary_ip_;
    if (!master_capable_.empty()) {
      op["master_capable"] = ParseYesNo("--master-capable", master_capable_);
    }
    if (!vm_capable_.empty()) op["vm_capable"] = ParseYesNo("--vm-capable", vm_capable_);
    if (!submit_) {
      std::cout << "-- WARNING --\nPerforming this operation is going to add node " << node_
                << " to the cluster.\n";
    }
    SubmitAndWait(json::array{op}, submit_);
    return kExitSuccess;
  }

 private:
  std::string node_, group_, secondary_ip_, master_capable_, vm_capable_;
  bool readd_ = false, submit_ = false;
};

class ListNodes : public Command {
 public:
  void Declare(CLI::App& app) override {
    AddListOptions(&app, list_);
    app.add_option("nodes", names_, "Nodes (default: all)");
  }
  int Run() override {
    return GenericList(
        "node", names_,
        {"name", "dtotal", "dfree", "mtotal", "mnode", "mfree", "pinst_cnt", "sinst_cnt"}, list_);
  }

 private:
  ListOptions list_;
  std::vector<std::string> names_;
};

class ShowNode : public Command {
 public:
  void Declare(CLI::App& app) override { app.add_option("nodes", names_, "Nodes (default: all)"); }
  int Run() override {
    auto rows = QueryValues(
        "node",
        {"name", "pip", "sip", "master", "master_candidate", "drained", "offline", "master_capable",
         "vm_capable", "group", "pinst_list", "sinst_list", "ndparams"},
        names_);
    auto yes = [](const json::value& v) { return v.is_bool() && v.get_bool() ? "True" : "False"; };
    for (const auto& r : rows) {
      std::cout << "Node name: " << std::string(r[0].as_string()) << "\n"
                << "  primary ip: " << std::string(r[1].as_string()) << "\n"
                << "  secondary ip: " << std::string(r[2].as_string()) << "\n"
                << "  master: " << yes(r[3]) << "\n"
                << "  master candidate: " << yes(r[4]) << "\n"
                << "  drained: " << yes(r[5]) << "\n"
                << "  offline: " << yes(r[6]) << "\n"
                << "  master_capable: " << yes(r[7]) << "\n"
                << "  vm_capable: " << yes(r[8]) << "\n"
                << "  node group: " << std::string(r[9].as_string()) << "\n"
                << "  primary for instances:" << (r[10].as_array().empty() ? " none" : "") << "\n";
      for (const auto& i : r[10].as_array()) {
        std::cout << "    - " << std::string(i.as_string()) << "\n";
      }
      std::cout << "  secondary for instances:" << (r[11].as_array().empty() ? " none" : "")
                << "\n";
      std::cout << "  node parameters:\n";
      for (const auto& kv : r[12].as_object()) {
        std::cout << "    " << kv.key() << ": "
                  << (kv.value().is_string() ? std::string(kv.value().get_string())
                                             : SerializeJson(kv.value()))
                  << "\n";
      }
    }
    return kExitSuccess;
  }

 private:
  std::vector<std::string> names_;
};

class ModifyNode : public Command {
 public:
  void Declare(CLI::App& app) override {
    app.add_option("node", node_, "Node name")->required();
    app.add_option("-C,--master-candidate", candidate_, "yes/no");
    app.add_option("-D,--drained", drained_, "yes/no");
    app.add_option("-O,--offline", offline_, "yes/no");
    app.add_option("--master-capable", master_capable_, "yes/no");
    app.add_option("--vm-capable", vm_capable_, "yes/no");
    app.add_flag("--auto-promote", auto_promote_, "Promote other nodes if needed");
    app.add_flag("-f,--force", force_, "Force the operation");
    app.add_option("-s,--secondary-ip", secondary_ip_, "Secondary IP address");
    AddNodeParamsOption(app, ndparams_);
    AddSubmitOptions(app, job_);
  }
  int Run() override {
    if (offline_ == "no" && !force_ &&
        !AskUser("You are setting this node online manually. If the configuration has changed, "
                 "this can cause issues such as split brain. To safely bring a node back online, "
                 "please use --readd instead. If you are confident that the configuration "
                 "hasn't changed, continue?",
                 false)) {
      return kExitFailure;
    }
    json::object op{{"OP_ID", "OP_NODE_SET_PARAMS"},
                    {"node_name", node_},
                    {"force", force_},
                    {"auto_promote", auto_promote_}};
    if (!candidate_.empty()) op["master_candidate"] = ParseYesNo("--master-candidate", candidate_);
    if (!drained_.empty()) op["drained"] = ParseYesNo("--drained", drained_);
    if (!offline_.empty()) op["offline"] = ParseYesNo("--offline", offline_);
    if (!master_capable_.empty()) {
      op["master_capable"] = ParseYesNo("--master-capable", master_capable_);
    }
    if (!vm_capable_.empty()) op["vm_capable"] = ParseYesNo("--vm-capable", vm_capable_);
    if (!secondary_ip_.empty()) op["secondary_ip"] = secondary_ip_;
    if (!ndparams_.empty()) op["ndparams"] = ParseKeyValues(ndparams_, "--node-parameters");
    if (op.size() == 4) {
      std::cerr << "Please give at least one of the parameters.\n";
      return kExitFailure;
    }
    const json::value result = SendJob(job_, json::array{op});
    if (!job_.submit && result.is_array() && !result.as_array().empty()) {
      const auto& changes = result.as_array()[0];
      if (changes.is_array() && !changes.as_array().empty()) {
        std::cout << "Modified node " << node_ << "\n";
        PrintChanges(changes.as_array());
      }
    }
    return kExitSuccess;
  }

 private:
  std::string node_, candidate_, drained_, offline_, master_capable_, vm_capable_, secondary_ip_,
      ndparams_;
  bool auto_promote_ = false, force_ = false;
  JobOptions job_;
};

class RemoveNode : public Command {
 public:
  void Declare(CLI::App& app) override {
    app.add_option("node", node_, "Node name")->required();
    app.add_flag("--submit", submit_, "Submit the job and return its id");
  }
  int Run() override {
    SubmitAndWait(json::array{json::object{{"OP_ID", "OP_NODE_REMOVE"}, {"node_name", node_}}},
                  submit_);
    return kExitSuccess;
  }

 private:
  std::string node_;
  bool submit_ = false;
};

// Ganeti's cli.FormatResultError for a value's status.
std::string StatusText(int64_t status) {
  switch (status) {
    case 1:
      return "(unknown)";
    case 2:
      return "(nodata)";
    case 3:
      return "(unavail)";
    case 4:
      return "(offline)";
    default:
      return "(?)";
  }
}

// power on|off|cycle|status: OP_OOB_COMMAND; power off offlines the nodes first.
class PowerNode : public Command {
 public:
  void Declare(CLI::App& app) override {
    app.add_option("command", command_, "on, off, cycle or status")
        ->required()
        ->check(CLI::IsMember({"on", "off", "cycle", "status"}));
    app.add_option("nodes", nodes_, "Nodes");
    app.add_flag("-f,--force", force_, "Do not ask for confirmation");
    app.add_flag("--ignore-status", ignore_status_, "Ignore the node's offline status");
    app.add_flag("--auto-promote", auto_promote_,
                 "Automatically promote master candidates when offlining nodes");
    app.add_option("--oob-timeout", timeout_, "Seconds to wait for the out-of-band program");
    app.add_option("--power-delay", power_delay_, "Seconds between powering on nodes");
    app.add_flag("--no-headers", no_headers_, "Don't display column headers");
    app.add_option("--separator", table_.separator, "Separator between output fields");
  }
  int Run() override {
    const std::string oob = "power-" + command_;
    if (oob == "power-off" || oob == "power-cycle") {
      if (nodes_.empty()) {
        std::cerr << "Please provide at least one node for this command\n";
        return kExitFailure;
      }
      std::string list;
      for (const auto& n : nodes_) list += (list.empty() ? "" : ", ") + n;
      if (!force_ && !AskUser("The following nodes will be powered " + command_ + ":\n  " + list +
                              "\nDo you want to continue?")) {
        return kExitFailure;
      }
    }
    json::array ops;
    if (!ignore_status_ && oob == "power-off") {
      for (const auto& n : nodes_) {
        ops.push_back(json::object{{"OP_ID", "OP_NODE_SET_PARAMS"},
                                   {"node_name", n},
                                   {"offline", true},
                                   {"auto_promote", auto_promote_}});
      }
    }
    ops.push_back(json::object{{"OP_ID", "OP_OOB_COMMAND"},
                               {"node_names", StringArray(nodes_)},
                               {"command", oob},
                               {"ignore_status", ignore_status_},
                               {"timeout", timeout_},
                               {"power_delay", power_delay_}});
    const json::value results = SubmitAndWait(ops, false);
    int errors = 0;
    std::vector<std::vector<std::string>> rows;
    for (const auto& entry : results.as_array().back().as_array()) {
      const auto& node = entry.as_array()[0].as_array();
      const auto& data = entry.as_array()[1].as_array();
      std::string text;
      if (data[0].to_number<int64_t>() == 0) {
        const bool powered =
            oob == "power-status" && data[1].as_object().at("powered") == json::value(true);
        text = oob != "power-status" ? "invoked" : powered ? "powered" : "unpowered";
      } else {
        ++errors;
        text = StatusText(data[0].to_number<int64_t>());
      }
      rows.push_back({std::string(node[1].as_string()), text});
    }
    table_.headers = !no_headers_;
    std::cout << FormatTable({"Node", "Status"}, rows, {false, false}, table_);
    return errors ? kExitFailure : kExitSuccess;
  }

 private:
  std::string command_;
  std::vector<std::string> nodes_;
  bool force_ = false, ignore_status_ = false, no_headers_ = false, auto_promote_ = false;
  int timeout_ = 60;
  double power_delay_ = 2.0;
  TableOptions table_;
};

class PowercycleNode : public Command {
 public:
  void Declare(CLI::App& app) override {
    app.add_option("node", node_, "Node name")->required();
    app.add_flag("--yes", confirmed_, "Do not require confirmation");
    app.add_flag("-f,--force", force_, "Force the operation (also on the master)");
    AddSubmitOptions(app, job_);
  }
  int Run() override {
    if (!confirmed_ &&
        !AskUser("Are you sure you want to hard powercycle node " + node_ + "?", false)) {
      return 2;  // Ganeti's EXIT_CONFIRMATION
    }
    const json::value result = SendJob(
        job_, json::array{json::object{
                  {"OP_ID", "OP_NODE_POWERCYCLE"}, {"node_name", node_}, {"force", force_}}});
    if (result.is_array() && !result.as_array().empty() && !result.as_array()[0].is_null()) {
      std::cerr << ValueText(result.as_array()[0]) << "\n";
    }
    return kExitSuccess;
  }

 private:
  std::string node_;
  bool confirmed_ = false, force_ = false;
  JobOptions job_;
};

// health: OP_OOB_COMMAND health, one line per reported item.
class NodeHealth : public Command {
 public:
  void Declare(CLI::App& app) override {
    app.add_option("nodes", nodes_, "Nodes (default: all)");
    app.add_flag("--no-headers", no_headers_, "Don't display column headers");
    app.add_option("--separator", table_.separator, "Separator between output fields");
    app.add_option("--oob-timeout", timeout_, "Seconds to wait for the out-of-band program");
  }
  int Run() override {
    const json::value results =
        SubmitAndWait(json::array{json::object{{"OP_ID", "OP_OOB_COMMAND"},
                                               {"node_names", StringArray(nodes_)},
                                               {"command", "health"},
                                               {"timeout", timeout_}}},
                      false);
    int errors = 0;
    std::vector<std::vector<std::string>> rows;
    for (const auto& entry : results.as_array().back().as_array()) {
      const std::string node(entry.as_array()[0].as_array()[1].as_string());
      const auto& data = entry.as_array()[1].as_array();
      if (data[0].to_number<int64_t>() != 0) {
        ++errors;
        rows.push_back({node, StatusText(data[0].to_number<int64_t>())});
        continue;
      }
      bool first = true;
      for (const auto& item : data[1].as_array()) {
        const auto& pair = item.as_array();
        rows.push_back({first ? node : "", PythonStr(pair[0]) + "=" + PythonStr(pair[1])});
        first = false;
      }
    }
    table_.headers = !no_headers_;
    std::cout << FormatTable({"Node", "Status"}, rows, {false, false}, table_);
    return errors ? kExitFailure : kExitSuccess;
  }

 private:
  std::vector<std::string> nodes_;
  bool no_headers_ = false;
  int timeout_ = 60;
  TableOptions table_;
};

// restricted-command: OP_RESTRICTED_COMMAND, each node's output under a rule.
class RestrictedCommand : public Command {
 public:
  void Declare(CLI::App& app) override {
    app.add_option("command", command_, "Command name")->required();
    app.add_option("nodes", nodes_, "Nodes")->required();
    app.add_flag("--sync", sync_, "Take the nodes' locks");
  }
  int Run() override {
    const json::value result =
        SubmitAndWait(json::array{json::object{{"OP_ID", "OP_RESTRICTED_COMMAND"},
                                               {"command", command_},
                                               {"nodes", StringArray(nodes_)},
                                               {"use_locking", sync_}}},
                      false);
    int rc = kExitSuccess;
    const auto& answers = result.as_array()[0].as_array();
    for (size_t i = 0; i < answers.size() && i < nodes_.size(); ++i) {
      const auto& pair = answers[i].as_array();
      std::cout << "------------------------------------------------\n";
      if (pair[0].as_bool()) {
        std::cout << "Node: " << nodes_[i] << "\n" << std::string(pair[1].as_string()) << "\n";
      } else {
        std::cout << std::string(pair[1].as_string()) << "\n";
        rc = kExitFailure;
      }
    }
    return rc;
  }

 private:
  std::string command_;
  std::vector<std::string> nodes_;
  bool sync_ = false;
};

}  // namespace

int main(int argc, char** argv) {
  std::vector<CommandEntry> commands{
      Entry<AddNode>("add", "Add a node to the cluster"),
      Entry<ListNodes>("list", "List nodes"),
      ListFieldsEntry("node", "List available node fields"),
      Entry<ShowNode>("info", "Show node details"),
      Entry<ModifyNode>("modify", "Change a node's parameters"),
      Entry<RemoveNode>("remove", "Remove a node from the cluster"),
      Entry<PowerNode>("power", "Change power state of node by calling out-of-band helper"),
      Entry<NodeHealth>("health", "List health of node(s) using out-of-band"),
      Entry<PowercycleNode>("powercycle", "Tries to forcefully powercycle a node"),
      Entry<RestrictedCommand>("restricted-command", "Executes a restricted command on nodes"),
  };
  for (auto* group : {&NodeStorageCommands, &NodeInstanceCommands, &NodeConfdCommands}) {
    for (auto& entry : (*group)()) commands.push_back(std::move(entry));
  }
  for (auto& entry : TagCommands("node", "node")) commands.push_back(std::move(entry));
  return RunProgram(argc, argv, "gnt-node", "Node administration (Herd)", commands);
}
