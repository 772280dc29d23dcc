// gnt-instance: add, batch-create, list, list-fields, info, startup, shutdown,
// reboot, remove, reinstall, rename, migrate, failover, move, modify,
// grow-disk.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <iostream>
#include <map>

#include "base/errors.h"
#include "base/files.h"
#include "base/json.h"
#include "cli/command.h"
#include "cli/jobs.h"
#include "cli/key_values.h"
#include "list_options.h"

using namespace herd;
using namespace herd::cli;

namespace {

std::string Text(const json::value& v) {
  if (v.is_null()) return "-";
  if (v.is_string()) return std::string(v.get_string());
  if (v.is_bool()) return v.get_bool() ? "True" : "False";
  return SerializeJson(v);
}

// Ganeti asks before destroying data; without a terminal there is nobody to ask.
bool Confirm(const std::string& question, bool force) { return force || AskUser(question, true); }

void PrintParams(const char* title, const json::object& actual, const json::object& own) {
  std::cout << "    " << title << ":\n";
  for (const auto& kv : actual) {
    std::cout << "      " << kv.key() << ": ";
    if (own.contains(kv.key())) {
      std::cout << Text(kv.value()) << "\n";
    } else {
      std::cout << "default (" << Text(kv.value()) << ")\n";
    }
  }
}

void PrintInfo(const json::object& i) {
  std::cout << "Instance name: " << Text(i.at("name")) << "\n"
            << "UUID: " << Text(i.at("uuid")) << "\n"
            << "Serial number: " << Text(i.at("serial_no")) << "\n"
            << "Creation time: " << Text(i.at("ctime")) << "\n"
            << "Modification time: " << Text(i.at("mtime")) << "\n"
            << "State: configured to be " << Text(i.at("config_state"));
  if (!i.at("run_state").is_null()) std::cout << ", actual state is " << Text(i.at("run_state"));
  std::cout << "\n  Nodes:\n"
            << "    - primary: " << Text(i.at("pnode")) << "\n"
            << "      group: " << Text(i.at("pnode_group_name")) << " ("
            << Text(i.at("pnode_group_uuid")) << ")\n"
            << "    - secondaries: ";
  std::string snodes;
  for (const auto& s : i.at("snodes").as_array()) snodes += (snodes.empty() ? "" : ", ") + Text(s);
  std::cout << snodes << "\n"
            << "  Operating system: " << Text(i.at("os")) << "\n"
            << "  Disk template: " << Text(i.at("disk_template")) << "\n"
            << "  Hypervisor: " << Text(i.at("hypervisor")) << "\n";
  PrintParams("Hypervisor parameters", i.at("hv_actual").as_object(),
              i.at("hv_instance").as_object());
  std::cout << "  Hardware:\n";
  PrintParams("Backend parameters", i.at("be_actual").as_object(), i.at("be_instance").as_object());
  std::cout << "    NICs:\n";
  int n = 0;
  for (const auto& nic : i.at("nics").as_array()) {
    const auto& a = nic.as_array();
    std::cout << "      - nic/" << n++ << ":\n"
              << "        MAC: " << Text(a[3]) << "\n"
              << "        IP: " << Text(a[2]) << "\n"
              << "        mode: " << Text(a[4]) << "\n"
              << "        link: " << Text(a[5]) << "\n";
  }
  std::cout << "  Disks:\n";
  for (const auto& disk : i.at("disks").as_array()) {
    const auto& d = disk.as_object();
    std::cout << "    - " << Text(d.at("iv_name")) << ": " << Text(d.at("dev_type")) << ", size "
              << FormatUnit(d.at("size").to_number<double>(), "h") << "\n"
              << "      access mode: " << Text(d.at("mode")) << "\n";
    const auto& lid = d.at("logical_id").as_array();
    if (lid.size() == 2) std::cout << "      logical_id: " << Text(lid[1]) << "\n";
  }
  std::cout << "  OS parameters:\n";
  for (const auto& kv : i.at("os_actual").as_object()) {
    std::cout << "    " << kv.key() << ": " << Text(kv.value()) << "\n";
  }
  std::string tags;
  for (const auto& t : i.at("tags").as_array()) tags += (tags.empty() ? "" : ", ") + Text(t);
  std::cout << "  Tags: " << (tags.empty() ? "-" : tags) << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Ganeti instance administration (Herd)", "gnt-instance"};
  app.require_subcommand(1);
  ListOptions list;
  std::vector<std::string> names, disks_opt, nics_opt, hv_opt;
  std::string instance, disk_template, os, beparams, osparams, node, iallocator, single_disk, tags,
      file_driver = "loop", reboot_type = "hard", new_name, target, runtime_mem, os_type, spec_file;
  bool submit = false, no_start = false, no_install = false, no_name_check = false,
       no_ip_check = false, no_nics = false, force = false, no_remember = false,
       ignore_failures = false, ignore_consistency = false, allow_failover = false,
       non_live = false, absolute = false, ignore_ipolicy = false, static_only = false,
       offline = false, online = false, ignore_offline = false;
  int timeout = 120;

  auto submit_flag = [&](CLI::App* c) {
    c->add_flag("--submit", submit, "Submit the job and return its id");
  };
  auto instance_arg = [&](CLI::App* c) {
    c->add_option("instance", instance, "Instance name")->required();
  };

  auto* add = app.add_subcommand("add", "Create an instance");
  add->add_option("instance", instance, "Instance name")->required();
  add->add_option("-t,--disk-template", disk_template, "Disk template")->required();
  add->add_option("-o,--os-type", os, "Operating system (os+variant)");
  add->add_option("--disk", disks_opt, "Disk: N:size=SIZE[,mode=rw|ro][,name=NAME]");
  add->add_option("-s,--os-size", single_disk, "Size of the single disk");
  add->add_option("-B,--backend-parameters", beparams, "Backend parameters");
  add->add_option("-H,--hypervisor-parameters", hv_opt, "Hypervisor and parameters");
  add->add_option("-O,--os-parameters", osparams, "OS parameters");
  add->add_option("-n,--node", node, "Primary node");
  add->add_option("-I,--iallocator", iallocator, "Instance allocator");
  add->add_option("--net", nics_opt, "NIC: N:ip=IP,mac=MAC,mode=MODE,link=LINK");
  add->add_flag("--no-nics", no_nics, "Create the instance without NICs");
  add->add_flag("--no-start", no_start, "Don't start the instance after creation");
  add->add_flag("--no-install", no_install, "Don't install the OS");
  add->add_flag("--no-name-check", no_name_check, "Don't check the instance's name");
  add->add_flag("--no-ip-check", no_ip_check, "Don't check the instance's IP");
  add->add_option("--tags", tags, "Comma-separated tags");
  add->add_option("--file-driver", file_driver, "Driver for file-based disks");
  add->add_flag("--ignore-ipolicy", ignore_ipolicy, "Ignore instance policy violations");
  submit_flag(add);

  auto* batch = app.add_subcommand("batch-create", "Create instances from a JSON file");
  batch->add_option("file", spec_file, "Instance definitions (JSON list)")->required();
  batch->add_option("-I,--iallocator", iallocator, "Instance allocator for the whole batch");
  submit_flag(batch);

  auto* ls = app.add_subcommand("list", "List instances");
  AddListOptions(ls, list);
  ls->add_option("instances", names, "Instances (default: all)");

  auto* fields = app.add_subcommand("list-fields", "List available instance fields");
  fields->add_option("fields", names, "Fields");
  fields->add_flag("--no-headers", list.no_headers, "Don't display column headers");
  fields->add_option("--separator", list.separator, "Separator");

  auto* info = app.add_subcommand("info", "Show instance details");
  info->add_option("instances", names, "Instances (default: all)");
  info->add_flag("-s,--static", static_only, "Only show configuration data");

  auto* startup = app.add_subcommand("startup", "Start an instance");
  instance_arg(startup);
  startup->add_flag("--no-remember", no_remember, "Don't remember the state change");
  startup->add_flag("-f,--force", force, "Force");
  submit_flag(startup);

  auto* shutdown = app.add_subcommand("shutdown", "Stop an instance");
  instance_arg(shutdown);
  shutdown->add_option("--timeout", timeout, "Seconds to wait for a clean shutdown");
  shutdown->add_flag("--no-remember", no_remember, "Don't remember the state change");
  shutdown->add_flag("--ignore-offline", ignore_offline, "Mark down even if the node is offline");
  submit_flag(shutdown);

  auto* reboot = app.add_subcommand("reboot", "Reboot an instance");
  instance_arg(reboot);
  reboot->add_option("-t,--type", reboot_type, "soft, hard or full")
      ->check(CLI::IsMember({"soft", "hard", "full"}));
  submit_flag(reboot);

  auto* remove = app.add_subcommand("remove", "Remove an instance and its disks");
  instance_arg(remove);
  remove->add_flag("-f,--force", force, "Don't ask for confirmation");
  remove->add_flag("--ignore-failures", ignore_failures, "Remove even if some steps fail");
  submit_flag(remove);

  auto* reinstall = app.add_subcommand("reinstall", "Reinstall an instance's OS");
  instance_arg(reinstall);
  reinstall->add_option("-o,--os-type", os, "New OS (os+variant)");
  reinstall->add_option("-O,--os-parameters", osparams, "OS parameters");
  reinstall->add_flag("-f,--force", force, "Don't ask for confirmation");
  submit_flag(reinstall);

  auto* rename = app.add_subcommand("rename", "Rename an instance");
  instance_arg(rename);
  rename->add_option("new_name", new_name, "New name")->required();
  rename->add_flag("--no-name-check", no_name_check, "Don't check the new name");
  rename->add_flag("--no-ip-check", no_ip_check, "Don't check the new IP");
  submit_flag(rename);

  auto* migrate = app.add_subcommand("migrate", "Live-migrate an instance");
  instance_arg(migrate);
  migrate->add_option("-n,--target-node", target, "Target node");
  migrate->add_option("-I,--iallocator", iallocator, "Allocator choosing the target");
  migrate->add_flag("--non-live", non_live, "Non-live migration");
  migrate->add_flag("--allow-failover", allow_failover, "Fail over if migration is impossible");
  migrate->add_flag("-f,--force", force, "Don't ask for confirmation");
  submit_flag(migrate);

  auto* failover = app.add_subcommand("failover", "Fail an instance over to another node");
  instance_arg(failover);
  failover->add_option("-n,--target-node", target, "Target node");
  failover->add_option("-I,--iallocator", iallocator, "Allocator choosing the target");
  failover->add_flag("--ignore-consistency", ignore_consistency, "Ignore a failing source node");
  failover->add_flag("-f,--force", force, "Don't ask for confirmation");
  submit_flag(failover);

  auto* move = app.add_subcommand("move", "Move an instance (and its disks) to another node");
  instance_arg(move);
  move->add_option("-n,--target-node", target, "Target node")->required();
  move->add_flag("-f,--force", force, "Don't ask for confirmation");
  submit_flag(move);

  auto* modify = app.add_subcommand("modify", "Change an instance's parameters");
  instance_arg(modify);
  modify->add_option("-B,--backend-parameters", beparams, "Backend parameters");
  modify->add_option("-H,--hypervisor-parameters", hv_opt, "Hypervisor parameters");
  modify->add_option("-O,--os-parameters", osparams, "OS parameters");
  modify->add_option("-o,--os-type", os_type, "New OS");
  modify->add_option("-m,--runtime-memory", runtime_mem, "Memory of the running instance");
  modify->add_flag("--offline", offline, "Mark the instance offline");
  modify->add_flag("--online", online, "Mark the instance online");
  modify->add_flag("-f,--force", force, "Skip the memory check");
  submit_flag(modify);

  auto* grow = app.add_subcommand("grow-disk", "Grow an instance's disk");
  std::string grow_disk, grow_amount;
  instance_arg(grow);
  grow->add_option("disk", grow_disk, "Disk index")->required();
  grow->add_option("amount", grow_amount, "Amount to grow by (or new size with --absolute)")
      ->required();
  grow->add_flag("--absolute", absolute, "The amount is the new size");
  submit_flag(grow);
  CLI11_PARSE(app, argc, argv);

  return RunCommand([&]() -> int {
    const std::string cmd = app.get_subcommands().front()->get_name();
    auto run = [&](json::object op) { return SubmitAndWait(json::array{op}, submit); };
    if (cmd == "list") {
      return GenericList("instance", names,
                         {"name", "hypervisor", "os", "pnode", "status", "oper_ram"}, list);
    }
    if (cmd == "list-fields") return ListFields("instance", names, list);
    if (cmd == "info") {
      json::value result =
          SubmitAndWait(json::array{json::object{{"OP_ID", "OP_INSTANCE_QUERY_DATA"},
                                                 {"instances", json::value_from(names)},
                                                 {"static", static_only}}},
                        false);
      const auto& data = result.as_array().at(0).as_object();
      bool first = true;
      for (const auto& kv : data) {
        if (!first) std::cout << "\n";
        first = false;
        PrintInfo(kv.value().as_object());
      }
      return kExitSuccess;
    }
    if (cmd == "add") {
      json::object op{{"OP_ID", "OP_INSTANCE_CREATE"},
                      {"instance_name", instance},
                      {"disk_template", disk_template},
                      {"mode", "create"},
                      {"start", !no_start},
                      {"no_install", no_install},
                      {"name_check", !no_name_check},
                      {"ip_check", !no_ip_check && !no_name_check},
                      {"file_driver", file_driver},
                      {"ignore_ipolicy", ignore_ipolicy}};
      if (!os.empty()) op["os_type"] = os;
      std::map<int, json::object> disk_map;
      for (const auto& d : disks_opt) {
        auto [idx, params] = ParseIndexedKeyValues(d, "--disk");
        disk_map[idx] = params;
      }
      if (!single_disk.empty()) {
        if (!disk_map.empty()) throw ParameterError("Give either --disk or -s, not both");
        disk_map[0] = json::object{{"size", single_disk}};
      }
      json::array disks;
      int expected = 0;
      for (auto& [idx, params] : disk_map) {
        if (idx != expected++) {
          throw ParameterError("Disk indices must be consecutive from 0 (missing disk " +
                               std::to_string(expected - 1) + ")");
        }
        disks.push_back(params);
      }
      op["disks"] = disks;
      json::array nics;
      if (!no_nics) {
        std::map<int, json::object> nic_map;
        for (const auto& n : nics_opt) {
          auto [idx, params] = ParseIndexedKeyValues(n, "--net");
          nic_map[idx] = params;
        }
        if (nic_map.empty()) nic_map[0] = json::object();
        for (auto& [idx, params] : nic_map) nics.push_back(params);
      }
      op["nics"] = nics;
      if (!beparams.empty()) op["beparams"] = ParseKeyValues(beparams, "-B");
      if (!osparams.empty()) op["osparams"] = ParseKeyValues(osparams, "-O");
      if (!hv_opt.empty()) {
        auto [hv, params] = ParseNamedKeyValues(hv_opt.front(), "-H");
        op["hypervisor"] = hv;
        op["hvparams"] = params;
      }
      if (!node.empty()) {
        auto colon = node.find(':');
        op["pnode"] = node.substr(0, colon);
        if (colon != std::string::npos) op["snode"] = node.substr(colon + 1);
      }
      if (!iallocator.empty()) op["iallocator"] = iallocator;
      if (!tags.empty()) {
        json::array t;
        for (const auto& kv : ParseKeyValues(tags, "--tags")) t.push_back(json::value(kv.key()));
        op["tags"] = t;
      }
      run(op);
      return kExitSuccess;
    }
    if (cmd == "batch-create") {
      json::value spec = ParseJson(ReadFile(spec_file), spec_file);
      if (!spec.is_array()) {
        throw ParameterError(
            "The instance definition file is not a list of instance "
            "creation dictionaries");
      }
      json::object op{{"OP_ID", "OP_INSTANCE_MULTI_ALLOC"}, {"instances", spec}};
      if (!iallocator.empty()) op["iallocator"] = iallocator;
      json::value result = run(op);
      if (submit) return kExitSuccess;
      const auto& r = result.as_array().at(0).as_object();
      int bad = static_cast<int>(r.at("allocation_failed").as_array().size());
      for (const auto& f : r.at("allocation_failed").as_array()) {
        std::cerr << "Instance " << Text(f) << " could not be allocated\n";
      }
      for (const auto& j : r.at("jobs").as_array()) {
        const auto& pair = j.as_array();
        if (!pair[0].as_bool()) {
          ++bad;
          std::cerr << "Job submission failed: " << Text(pair[1]) << "\n";
          continue;
        }
        json::value outcome = WaitJob(pair[1].to_number<int64_t>(), true);
        if (!outcome.as_array()[0].as_bool()) ++bad;
      }
      if (bad == 0) {
        std::cout << "All instances created successfully.\n";
        return kExitSuccess;
      }
      std::cout << "There were " << bad << " errors during the creation.\n";
      return kExitFailure;
    }
    if (cmd == "startup") {
      run({{"OP_ID", "OP_INSTANCE_STARTUP"},
           {"instance_name", instance},
           {"force", force},
           {"no_remember", no_remember}});
      return kExitSuccess;
    }
    if (cmd == "shutdown") {
      run({{"OP_ID", "OP_INSTANCE_SHUTDOWN"},
           {"instance_name", instance},
           {"timeout", timeout},
           {"no_remember", no_remember},
           {"ignore_offline_nodes", ignore_offline}});
      return kExitSuccess;
    }
    if (cmd == "reboot") {
      run({{"OP_ID", "OP_INSTANCE_REBOOT"},
           {"instance_name", instance},
           {"reboot_type", reboot_type}});
      return kExitSuccess;
    }
    if (cmd == "remove") {
      if (!Confirm("This will remove the volumes of the instance " + instance +
                       " (including mirrors), thus removing all the data of the instance. "
                       "Continue?",
                   force)) {
        return kExitFailure;
      }
      run({{"OP_ID", "OP_INSTANCE_REMOVE"},
           {"instance_name", instance},
           {"ignore_failures", ignore_failures}});
      return kExitSuccess;
    }
    if (cmd == "reinstall") {
      if (!Confirm(
              "This will reinstall the instance " + instance + " and remove all data. Continue?",
              force)) {
        return kExitFailure;
      }
      json::object op{{"OP_ID", "OP_INSTANCE_REINSTALL"}, {"instance_name", instance}};
      if (!os.empty()) op["os_type"] = os;
      if (!osparams.empty()) op["osparams"] = ParseKeyValues(osparams, "-O");
      run(op);
      return kExitSuccess;
    }
    if (cmd == "rename") {
      json::value result = run({{"OP_ID", "OP_INSTANCE_RENAME"},
                                {"instance_name", instance},
                                {"new_name", new_name},
                                {"name_check", !no_name_check},
                                {"ip_check", !no_ip_check && !no_name_check}});
      if (!submit) std::cout << "Instance '" << instance << "' renamed to '" << new_name << "'\n";
      (void)result;
      return kExitSuccess;
    }
    if (cmd == "migrate" || cmd == "failover") {
      json::object op{{"instance_name", instance}};
      if (cmd == "migrate") {
        op["OP_ID"] = "OP_INSTANCE_MIGRATE";
        op["mode"] = non_live ? "non-live" : "live";
        op["allow_failover"] = allow_failover;
      } else {
        op["OP_ID"] = "OP_INSTANCE_FAILOVER";
        op["ignore_consistency"] = ignore_consistency;
      }
      if (!target.empty()) op["target_node"] = target;
      if (!iallocator.empty()) op["iallocator"] = iallocator;
      run(op);
      return kExitSuccess;
    }
    if (cmd == "move") {
      run({{"OP_ID", "OP_INSTANCE_MOVE"}, {"instance_name", instance}, {"target_node", target}});
      return kExitSuccess;
    }
    if (cmd == "modify") {
      json::object op{
          {"OP_ID", "OP_INSTANCE_SET_PARAMS"}, {"instance_name", instance}, {"force", force}};
      if (!beparams.empty()) op["beparams"] = ParseKeyValues(beparams, "-B");
      if (!osparams.empty()) op["osparams"] = ParseKeyValues(osparams, "-O");
      if (!hv_opt.empty()) op["hvparams"] = ParseKeyValues(hv_opt.front(), "-H");
      if (!os_type.empty()) op["os_name"] = os_type;
      if (!runtime_mem.empty()) op["runtime_mem"] = runtime_mem;
      if (offline && online) throw ParameterError("Give either --offline or --online");
      if (offline) op["offline"] = true;
      if (online) op["offline"] = false;
      json::value result = run(op);
      if (!submit && result.is_array() && !result.as_array().empty()) {
        const auto& changes = result.as_array()[0];
        if (changes.is_array() && !changes.as_array().empty()) {
          std::cout << "Modified instance " << instance << "\n";
          for (const auto& c : changes.as_array()) {
            std::cout << " - " << Text(c.as_array()[0]) << " -> " << Text(c.as_array()[1]) << "\n";
          }
          std::cout << "Please don't forget that most parameters take effect only at the next "
                       "(re)start of the instance initiated by ganeti; restarting from within "
                       "the instance will not be enough.\n";
        }
      }
      return kExitSuccess;
    }
    if (cmd == "grow-disk") {
      int index = 0;
      try {
        index = std::stoi(grow_disk);
      } catch (const std::exception&) {
        throw ParameterError("Invalid disk index '" + grow_disk + "'");
      }
      run({{"OP_ID", "OP_INSTANCE_GROW_DISK"},
           {"instance_name", instance},
           {"disk", index},
           {"amount", grow_amount},
           {"absolute", absolute}});
      return kExitSuccess;
    }
    return kExitFailure;
  });
}
