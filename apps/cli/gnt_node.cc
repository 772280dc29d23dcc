// gnt-node: add, list, info, modify, remove, list-fields.
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

int main(int argc, char** argv) {
  CLI::App app{"Ganeti node administration (Herd)", "gnt-node"};
  app.require_subcommand(1);
  ListOptions list;
  std::vector<std::string> names;
  std::string node, group, secondary_ip, candidate, drained, offline, master_capable, vm_capable;
  bool submit = false, readd = false, force = false, auto_promote = false;

  auto* add = app.add_subcommand("add", "Add a node to the cluster");
  add->add_option("node", node, "Node name")->required();
  add->add_option("-g,--node-group", group, "Node group");
  add->add_option("-s,--secondary-ip", secondary_ip, "Secondary IP address");
  add->add_flag("--readd", readd, "Readd an old node");
  add->add_option("--master-capable", master_capable, "yes/no");
  add->add_option("--vm-capable", vm_capable, "yes/no");
  add->add_flag("--submit", submit, "Submit the job and return its id");

  auto* ls = app.add_subcommand("list", "List nodes");
  AddListOptions(ls, list);
  ls->add_option("nodes", names, "Nodes (default: all)");

  auto* fields = app.add_subcommand("list-fields", "List available node fields");
  fields->add_option("fields", names, "Fields");
  fields->add_flag("--no-headers", list.no_headers, "Don't display column headers");
  fields->add_option("--separator", list.separator, "Separator");

  auto* info = app.add_subcommand("info", "Show node details");
  info->add_option("nodes", names, "Nodes (default: all)");

  auto* modify = app.add_subcommand("modify", "Change a node's parameters");
  modify->add_option("node", node, "Node name")->required();
  modify->add_option("-C,--master-candidate", candidate, "yes/no");
  modify->add_option("-D,--drained", drained, "yes/no");
  modify->add_option("-O,--offline", offline, "yes/no");
  modify->add_option("--master-capable", master_capable, "yes/no");
  modify->add_option("--vm-capable", vm_capable, "yes/no");
  modify->add_flag("--auto-promote", auto_promote, "Promote other nodes if needed");
  modify->add_flag("-f,--force", force, "Force the operation");
  modify->add_flag("--submit", submit, "Submit the job and return its id");

  auto* remove = app.add_subcommand("remove", "Remove a node from the cluster");
  remove->add_option("node", node, "Node name")->required();
  remove->add_flag("--submit", submit, "Submit the job and return its id");
  CLI11_PARSE(app, argc, argv);

  return RunCommand([&]() -> int {
    const std::string cmd = app.get_subcommands().front()->get_name();
    if (cmd == "list") {
      return GenericList(
          "node", names,
          {"name", "dtotal", "dfree", "mtotal", "mnode", "mfree", "pinst_cnt", "sinst_cnt"}, list);
    }
    if (cmd == "list-fields") return ListFields("node", names, list);
    if (cmd == "info") {
      auto rows = QueryValues(
          "node",
          {"name", "pip", "sip", "master", "master_candidate", "drained", "offline",
           "master_capable", "vm_capable", "group", "pinst_list", "sinst_list", "ndparams"},
          names);
      for (const auto& r : rows) {
        auto yes = [](const json::value& v) {
          return v.is_bool() && v.get_bool() ? "True" : "False";
        };
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
                  << "  primary for instances:" << (r[10].as_array().empty() ? " none" : "")
                  << "\n";
        for (const auto& i : r[10].as_array())
          std::cout << "    - " << std::string(i.as_string()) << "\n";
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
    if (cmd == "add") {
      json::object op{{"OP_ID", "OP_NODE_ADD"}, {"node_name", node}, {"readd", readd}};
      if (!group.empty()) op["group"] = group;
      if (!secondary_ip.empty()) op["secondary_ip"] = secondary_ip;
      if (!master_capable.empty())
        op["master_capable"] = ParseYesNo("--master-capable", master_capable);
      if (!vm_capable.empty()) op["vm_capable"] = ParseYesNo("--vm-capable", vm_capable);
      if (!submit)
        std::cout << "-- WARNING --\nPerforming this operation is going to add node " << node
                  << " to the cluster.\n";
      SubmitAndWait(json::array{op}, submit);
      return kExitSuccess;
    }
    if (cmd == "modify") {
      json::object op{{"OP_ID", "OP_NODE_SET_PARAMS"},
                      {"node_name", node},
                      {"force", force},
                      {"auto_promote", auto_promote}};
      if (!candidate.empty()) op["master_candidate"] = ParseYesNo("--master-candidate", candidate);
      if (!drained.empty()) op["drained"] = ParseYesNo("--drained", drained);
      if (!offline.empty()) op["offline"] = ParseYesNo("--offline", offline);
      if (!master_capable.empty())
        op["master_capable"] = ParseYesNo("--master-capable", master_capable);
      if (!vm_capable.empty()) op["vm_capable"] = ParseYesNo("--vm-capable", vm_capable);
      if (op.size() == 4)
        throw OpPrereqError("Please give at least one of the parameters.", kEcodeInval);
      json::value result = SubmitAndWait(json::array{op}, submit);
      if (!submit && result.is_array() && !result.as_array().empty()) {
        const auto& changes = result.as_array()[0];
        if (changes.is_array() && !changes.as_array().empty()) {
          std::cout << "Modified node " << node << "\n";
          for (const auto& c : changes.as_array()) {
            std::cout << " - " << std::string(c.as_array()[0].as_string()) << " -> "
                      << std::string(c.as_array()[1].as_string()) << "\n";
          }
        }
      }
      return kExitSuccess;
    }
    if (cmd == "remove") {
      SubmitAndWait(json::array{json::object{{"OP_ID", "OP_NODE_REMOVE"}, {"node_name", node}}},
                    submit);
      return kExitSuccess;
    }
    return kExitFailure;
  });
}
