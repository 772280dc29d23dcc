// gnt-group: node group administration, with Ganeti's commands and output.
#include <boost/json.hpp>
#include <iostream>

#include "base/errors.h"
#include "base/python_repr.h"
#include "cli/command.h"
#include "cli/key_values.h"
#include "cli/listing.h"
#include "common_options.h"
#include "list_options.h"
#include "program.h"
#include "tag_commands.h"

using namespace herd;
using namespace herd::cli;
namespace json = boost::json;

namespace {

json::object Op(const char* id, const std::string& group) {
  return json::object{{"OP_ID", id}, {"group_name", group}};
}

// What add and modify share: the group's parameters.
struct GroupParams {
  std::string alloc_policy, node_params;
  std::vector<std::string> disk_params, hv_state, disk_state;  // repeated options
  IPolicyOptions ipolicy;

  void Declare(CLI::App& app) {
    AddAllocPolicyOption(app, alloc_policy);
    AddNodeParamsOption(app, node_params);
    AddDiskParamsOption(app, disk_params);
    AddHvStateOption(app, hv_state);
    AddDiskStateOption(app, disk_state);
    AddIPolicyOptions(app, ipolicy);
  }
  bool Empty() const {
    return alloc_policy.empty() && node_params.empty() && disk_params.empty() && hv_state.empty() &&
           disk_state.empty() && IPolicyFrom(ipolicy).empty();
  }
  void Into(json::object& op) const {
    if (!alloc_policy.empty()) op["alloc_policy"] = alloc_policy;
    if (!node_params.empty()) op["ndparams"] = ParseKeyValues(node_params, "--node-parameters");
    op["diskparams"] = NamedParams(disk_params, "--disk-parameters");
    op["hv_state"] = NamedParams(hv_state, "--hypervisor-state");
    op["disk_state"] = DiskStateFrom(disk_state);
    op["ipolicy"] = IPolicyFrom(ipolicy);
  }
};

class AddGroup : public Command {
 public:
  void Declare(CLI::App& app) override {
    app.add_option("group", name_, "Group name")->required();
    params_.Declare(app);
    AddSubmitOptions(app, job_);
  }
  int Run() override {
    json::object op = Op("OP_GROUP_ADD", name_);
    params_.Into(op);
    SendJob(job_, {op});
    return kExitSuccess;
  }

 private:
  std::string name_;
  GroupParams params_;
  JobOptions job_;
};

class AssignNodes : public Command {
 public:
  void Declare(CLI::App& app) override {
    app.add_option("group", name_, "Group name")->required();
    app.add_option("nodes", nodes_, "Nodes to assign")->required();
    app.add_flag("-f,--force", force_, "Force the operation (split mirrored instances)");
    AddSubmitOptions(app, job_);
  }
  int Run() override {
    json::object op = Op("OP_GROUP_ASSIGN_NODES", name_);
    json::array nodes;
    for (const auto& n : nodes_) nodes.emplace_back(n);
    op["nodes"] = std::move(nodes);
    op["force"] = force_;
    SendJob(job_, {op});
    return kExitSuccess;
  }

 private:
  std::string name_;
  std::vector<std::string> nodes_;
  bool force_ = false;
  JobOptions job_;
};

// Ganeti's _FmtDict: "key=value, ..." or "(empty)".
std::string FormatDict(const json::value& value) {
  if (!value.is_object() || value.get_object().empty()) return "(empty)";
  std::string out;
  for (const auto& kv : value.get_object()) {
    out += (out.empty() ? "" : ", ") + std::string(kv.key()) + "=" + PythonStr(kv.value());
  }
  return out;
}

class ListGroups : public Command {
 public:
  void Declare(CLI::App& app) override {
    AddListOptions(&app, list_);
    app.add_option("groups", names_, "Groups (default: all)");
  }
  int Run() override {
    list_.format_override["ndparams"] = FormatDict;
    return GenericList("group", names_,
                       {"name", "node_cnt", "pinst_cnt", "alloc_policy", "ndparams"}, list_);
  }

 private:
  ListOptions list_;
  std::vector<std::string> names_;
};

class ModifyGroup : public Command {
 public:
  void Declare(CLI::App& app) override {
    app.add_option("group", name_, "Group name")->required();
    params_.Declare(app);
    AddSubmitOptions(app, job_);
  }
  int Run() override {
    if (params_.Empty()) {
      std::cerr << "Please give at least one of the parameters.\n";
      return kExitFailure;
    }
    json::object op = Op("OP_GROUP_SET_PARAMS", name_);
    params_.Into(op);
    json::value result = SendJob(job_, {op});
    if (!result.is_array() || result.as_array().empty()) return kExitSuccess;
    const auto& changes = result.as_array()[0];
    if (changes.is_array() && !changes.as_array().empty()) {
      std::cout << "Modified node group " << name_ << "\n";
      for (const auto& c : changes.as_array()) {
        const auto& pair = c.as_array();
        char line[64];
        std::snprintf(line, sizeof line, " - %-5s -> ", std::string(pair[0].as_string()).c_str());
        std::cout << line << PythonStr(pair[1]) << "\n";
      }
    }
    return kExitSuccess;
  }

 private:
  std::string name_;
  GroupParams params_;
  JobOptions job_;
};

class RemoveGroup : public Command {
 public:
  void Declare(CLI::App& app) override {
    app.add_option("group", name_, "Group name")->required();
    AddSubmitOptions(app, job_);
  }
  int Run() override {
    SendJob(job_, {Op("OP_GROUP_REMOVE", name_)});
    return kExitSuccess;
  }

 private:
  std::string name_;
  JobOptions job_;
};

class RenameGroup : public Command {
 public:
  void Declare(CLI::App& app) override {
    app.add_option("old_name", name_, "Current group name")->required();
    app.add_option("new_name", new_name_, "New group name")->required();
    AddSubmitOptions(app, job_);
  }
  int Run() override {
    json::object op = Op("OP_GROUP_RENAME", name_);
    op["new_name"] = new_name_;
    SendJob(job_, {op});
    return kExitSuccess;
  }

 private:
  std::string name_, new_name_;
  JobOptions job_;
};

// Ganeti's FormatParamsDictInfo: every effective parameter, marked
// "default (value)" where the object does not set its own.
void PrintParams(const json::object& custom, const json::object& effective, int indent) {
  const std::string pad(indent, ' ');
  for (const auto& kv : effective) {
    const auto* own = custom.if_contains(kv.key());
    if (kv.value().is_object() && !kv.value().get_object().empty()) {
      std::cout << pad << kv.key() << ": \n";
      PrintParams(own && own->is_object() ? own->get_object() : json::object{},
                  kv.value().get_object(), indent + 2);
    } else if (own) {
      std::cout << pad << kv.key() << ": " << PythonStr(*own) << "\n";
    } else {
      std::cout << pad << kv.key() << ": default (" << PythonStr(kv.value()) << ")\n";
    }
  }
}

std::string Joined(const json::value& list) {
  std::string out;
  if (!list.is_array()) return PythonStr(list);
  for (const auto& v : list.get_array()) out += (out.empty() ? "" : ", ") + PythonStr(v);
  return out;
}

// Ganeti's FormatPolicyInfo for a group: bounds, templates and ratios.
void PrintPolicy(const json::object& custom, const json::object& effective) {
  std::cout << "    bounds specs: \n";
  const auto* own_minmax = custom.if_contains("minmax");
  const auto* minmax = effective.if_contains("minmax");
  if (minmax && minmax->is_array()) {
    int index = 0;
    for (const auto& entry : minmax->get_array()) {
      bool first = true;
      for (const char* side : {"min", "max"}) {
        const auto* specs = entry.as_object().if_contains(side);
        if (!specs) continue;
        std::cout << (first ? "      - " : "        ") << side << "/" << index << ": \n";
        first = false;
        for (const auto& kv : specs->as_object()) {
          std::cout << "          " << kv.key() << ": "
                    << (own_minmax ? PythonStr(kv.value())
                                   : "default (" + PythonStr(kv.value()) + ")")
                    << "\n";
        }
      }
      ++index;
    }
  }
  auto line = [&](const char* key, const char* title, bool list) {
    const auto* value = effective.if_contains(key);
    if (!value) return;
    const std::string shown = list ? Joined(*value) : PythonStr(*value);
    std::cout << "    " << title << ": "
              << (custom.contains(key) ? shown : "default (" + shown + ")") << "\n";
  };
  line("disk-templates", "allowed disk templates", true);
  line("vcpu-ratio", "vcpu-ratio", false);
  line("spindle-ratio", "spindle-ratio", false);
}

class GroupInfo : public Command {
 public:
  void Declare(CLI::App& app) override {
    app.add_option("groups", names_, "Groups (default: all)");
  }
  int Run() override {
    auto rows = QueryValues("group",
                            {"name", "ndparams", "custom_ndparams", "diskparams",
                             "custom_diskparams", "ipolicy", "custom_ipolicy"},
                            names_);
    for (const auto& r : rows) {
      std::cout << "- Node group: " << std::string(r[0].as_string()) << "\n";
      std::cout << "  Node parameters: \n";
      PrintParams(r[2].as_object(), r[1].as_object(), 4);
      std::cout << "  Disk parameters: \n";
      PrintParams(r[4].as_object(), r[3].as_object(), 4);
      std::cout << "  Instance policy: \n";
      PrintPolicy(r[6].as_object(), r[5].as_object());
    }
    return kExitSuccess;
  }

 private:
  std::vector<std::string> names_;
};

// show-ispecs-cmd: the add commands that recreate the groups' policy specs.
class ShowIspecsCommand : public Command {
 public:
  void Declare(CLI::App& app) override {
    app.add_option("groups", groups_, "Node groups (default: all)");
    app.add_flag("--include-defaults", include_defaults_, "Include default values");
  }
  int Run() override {
    const std::string policy = include_defaults_ ? "ipolicy" : "custom_ipolicy";
    for (const auto& row : QueryValues("group", {"name", policy}, groups_)) {
      std::cout << "gnt-group add" << IPolicySpecsOptions(row[1].as_object(), true) << " "
                << ValueText(row[0]) << "\n";
    }
    return kExitSuccess;
  }

 private:
  std::vector<std::string> groups_;
  bool include_defaults_ = false;
};

class EvacuateGroup : public Command {
 public:
  void Declare(CLI::App& app) override {
    app.add_option("group", group_, "Node group")->required();
    app.add_option("-I,--iallocator", iallocator_, "Allocator computing the moves");
    app.add_option("--to", to_, "Group to move the instances to (repeatable)")
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    app.add_flag("--early-release", early_release_, "Release the locks early");
    app.add_flag("--sequential", sequential_, "Evacuate the instances one by one");
    app.add_flag("--force-failover", force_failover_, "Fail over instances instead of migrating");
    AddSubmitOptions(app, job_, false);
  }
  int Run() override {
    json::object op{{"OP_ID", "OP_GROUP_EVACUATE"},
                    {"group_name", group_},
                    {"early_release", early_release_},
                    {"sequential", sequential_},
                    {"force_failover", force_failover_}};
    if (!iallocator_.empty()) op["iallocator"] = iallocator_;
    if (!to_.empty()) op["target_groups"] = StringArray(to_);
    const json::value result = SendJob(job_, json::array{op});
    if (job_.submit) return kExitSuccess;
    return ReportEvacuation(result.as_array().at(0));
  }

 private:
  std::string group_, iallocator_;
  std::vector<std::string> to_;
  bool early_release_ = false, sequential_ = false, force_failover_ = false;
  JobOptions job_;
};

}  // namespace

int main(int argc, char** argv) {
  std::vector<CommandEntry> commands{
      Entry<AddGroup>("add", "Add a new node group to the cluster"),
      Entry<AssignNodes>("assign-nodes", "Assign nodes to a group"),
      Entry<ListGroups>("list",
                        "Lists the node groups in the cluster. The default list is (in order): "
                        "name, node_cnt, pinst_cnt, alloc_policy, ndparams."),
      ListFieldsEntry("group", "Lists all available fields for node groups"),
      Entry<ModifyGroup>("modify", "Alters the parameters of a node group"),
      Entry<RemoveGroup>("remove", "Remove an (empty) node group from the cluster"),
      Entry<RenameGroup>("rename", "Rename a node group"),
      Entry<GroupInfo>("info", "Show group information"),
      Entry<EvacuateGroup>("evacuate", "Evacuate all instances within a group"),
      Entry<ShowIspecsCommand>("show-ispecs-cmd", "Show the command line to re-create a group"),
  };
  for (auto& entry : TagCommands("nodegroup", "group")) commands.push_back(std::move(entry));
  return RunProgram(argc, argv, "gnt-group", "Ganeti node group administration (Herd)", commands);
}
