// gnt-instance add, batch-create, modify and reinstall: the commands that
// give an instance its parameters (-B, -H, -O, --disk, --net).
#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <iostream>
#include <map>

#include "base/errors.h"
#include "base/files.h"
#include "base/json.h"
#include "base/python_repr.h"
#include "cli/command.h"
#include "cli/jobs.h"
#include "cli/key_values.h"
#include "common_options.h"
#include "instance_commands.h"

namespace herd::cli {
namespace json = boost::json;
namespace {

// -B, -H and -O, as add, modify and reinstall take them.
struct InstanceParamOptions {
  std::string beparams, osparams;
  std::vector<std::string> hvparams;
  void Declare(CLI::App& app, const char* hv_help) {
    app.add_option("-B,--backend-parameters", beparams, "Backend parameters");
    app.add_option("-H,--hypervisor-parameters", hvparams, hv_help);
    app.add_option("-O,--os-parameters", osparams, "OS parameters");
  }
};

// Repeated "N:k=v,..." options (--disk, --net) in index order; indices
// must run from 0 without gaps.
json::array IndexedList(const std::vector<std::string>& values, const std::string& option,
                        const char* what) {
  std::map<int, json::object> by_index;
  for (const auto& v : values) {
    auto [index, params] = ParseIndexedKeyValues(v, option);
    by_index[index] = params;
  }
  json::array list;
  int expected = 0;
  for (auto& [index, params] : by_index) {
    if (index != expected++) {
      throw ParameterError(std::string(what) + " indices must be consecutive from 0 (missing " +
                           what + " " + std::to_string(expected - 1) + ")");
    }
    list.push_back(params);
  }
  return list;
}

// gnt-instance add and gnt-backup import (Ganeti's GenericInstanceCreate):
// an import takes its OS, disks and NICs from the export unless given.
class CreateInstance : public Command {
 public:
  explicit CreateInstance(bool importing) : importing_(importing) {}
  void Declare(CLI::App& app) override {
    app.add_option("instance", instance_, "Instance name")->required();
    auto* tmpl = app.add_option("-t,--disk-template", disk_template_, "Custom disk setup");
    if (!importing_) {
      tmpl->required();
      app.add_option("-o,--os-type", os_, "What OS to run");
      app.add_flag("--no-start", no_start_, "Don't start the instance after creation");
      app.add_flag("--no-install", no_install_, "Do not install the OS (will enable no-start)");
    } else {
      app.add_option("--src-node", src_node_, "Source node");
      app.add_option("--src-dir", src_dir_, "Source directory");
      app.add_option("--compress", compress_, "Compression tool for the transfer");
      app.add_flag("--identify-defaults", identify_defaults_,
                   "Identify which saved instance parameters are equal to the current cluster "
                   "defaults and set them as such, instead of marking them as overridden");
    }
    app.add_option("--disk", disks_, "Disk parameters (N:size=SIZE[,mode=rw|ro][,name=NAME])")
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    app.add_option("-s,--os-size", single_disk_, "Disk size, as in --disk 0:size=SIZE");
    params_.Declare(app, "Hypervisor and parameters");
    app.add_option("-n,--node", node_, "Target node and optional secondary node (pnode:snode)");
    app.add_option("-I,--iallocator", iallocator_, "Select nodes for the instance automatically");
    app.add_option("--net", nics_, "NIC parameters (N:ip=IP,mac=MAC,mode=MODE,link=LINK,...)")
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    app.add_flag("--no-nics", no_nics_, "Do not create any network cards for the instance");
    app.add_flag("--no-name-check", no_name_check_, "Don't check that the name resolves");
    app.add_flag("--no-ip-check", no_ip_check_, "Don't check that the IP is not in use");
    app.add_option("--tags", tags_, "Comma-separated tags");
    app.add_option("--file-driver", file_driver_, "Driver to use for image files")
        ->check(CLI::IsMember({"loop", "blktap", "blktap2"}));
    app.add_option("--file-storage-dir", file_storage_dir_,
                   "Relative path under the default file storage directory");
    app.add_flag("--ignore-ipolicy", ignore_ipolicy_, "Ignore instance policy violations");
    app.add_flag("--wait-for-sync,!--no-wait-for-sync", wait_for_sync_,
                 "Wait for the disks to synchronize");
    AddSubmitOptions(app, job_);
  }
  int Run() override {
    json::object op{{"OP_ID", "OP_INSTANCE_CREATE"},
                    {"instance_name", instance_},
                    {"mode", importing_ ? "import" : "create"},
                    {"start", !importing_ && !no_start_ && !no_install_},
                    {"name_check", !no_name_check_},
                    {"ip_check", !no_ip_check_ && !no_name_check_},
                    {"file_driver", file_driver_},
                    {"ignore_ipolicy", ignore_ipolicy_},
                    {"wait_for_sync", wait_for_sync_}};
    if (!disk_template_.empty()) op["disk_template"] = disk_template_;
    if (importing_) {
      if (!src_node_.empty()) op["src_node"] = src_node_;
      if (!src_dir_.empty()) op["src_path"] = src_dir_;
      op["compress"] = compress_;
      op["identify_defaults"] = identify_defaults_;
    } else {
      op["no_install"] = no_install_;
      if (!os_.empty()) op["os_type"] = os_;
    }
    if (!file_storage_dir_.empty()) op["file_storage_dir"] = file_storage_dir_;
    if (disk_template_ == "diskless" && (!disks_.empty() || !single_disk_.empty())) {
      throw ParameterError("Diskless instance but disk information passed");
    }
    if (!single_disk_.empty()) {
      if (!disks_.empty()) throw ParameterError("Please use either the '--disk' or '-s' option");
      op["disks"] = json::array{json::object{{"size", single_disk_}}};
    } else {
      op["disks"] = IndexedList(disks_, "--disk", "disk");
    }
    if (no_nics_ && !nics_.empty()) {
      throw ParameterError("Give either --net or --no-nics, not both");
    }
    json::array nics = no_nics_ ? json::array{} : IndexedList(nics_, "--net", "NIC");
    // A new instance gets one NIC by default; an import, the export's.
    if (!importing_ && !no_nics_ && nics.empty()) nics.push_back(json::object{});
    op["nics"] = nics;
    if (!params_.beparams.empty()) op["beparams"] = ParseKeyValues(params_.beparams, "-B");
    if (!params_.osparams.empty()) op["osparams"] = ParseKeyValues(params_.osparams, "-O");
    if (!params_.hvparams.empty()) {
      auto [hv, params] = ParseNamedKeyValues(params_.hvparams.front(), "-H");
      op["hypervisor"] = hv;
      op["hvparams"] = params;
    }
    if (!node_.empty()) {
      auto colon = node_.find(':');
      op["pnode"] = node_.substr(0, colon);
      if (colon != std::string::npos) op["snode"] = node_.substr(colon + 1);
    }
    if (!iallocator_.empty()) op["iallocator"] = iallocator_;
    if (!tags_.empty()) op["tags"] = StringArray(SplitComma(tags_));
    SendJob(job_, json::array{op});
    return kExitSuccess;
  }

 private:
  bool importing_;
  std::string instance_, disk_template_, os_, single_disk_, node_, iallocator_, tags_,
      file_driver_ = "loop", file_storage_dir_, src_node_, src_dir_, compress_ = "none";
  std::vector<std::string> disks_, nics_;
  InstanceParamOptions params_;
  bool no_nics_ = false, no_start_ = false, no_install_ = false, no_name_check_ = false,
       no_ip_check_ = false, ignore_ipolicy_ = false, wait_for_sync_ = true,
       identify_defaults_ = false;
  JobOptions job_;
};

class BatchCreate : public Command {
 public:
  void Declare(CLI::App& app) override {
    app.add_option("file", spec_file_, "Instance definitions (JSON list)")->required();
    app.add_option("-I,--iallocator", iallocator_, "Allocator for the whole batch");
    AddSubmitOptions(app, job_);
  }
  int Run() override {
    json::value spec = ParseJson(ReadFile(spec_file_), spec_file_);
    if (!spec.is_array()) {
      throw ParameterError(
          "The instance definition file is not a list of instance creation dictionaries");
    }
    json::object op{{"OP_ID", "OP_INSTANCE_MULTI_ALLOC"}, {"instances", spec}};
    if (!iallocator_.empty()) op["iallocator"] = iallocator_;
    const json::value result = SendJob(job_, json::array{op});
    if (job_.submit || job_.dry_run) return kExitSuccess;
    const auto& r = result.as_array().at(0).as_object();
    int bad = static_cast<int>(r.at("allocation_failed").as_array().size());
    for (const auto& f : r.at("allocation_failed").as_array()) {
      std::cerr << "Instance " << ValueText(f) << " could not be allocated\n";
    }
    bad += CountFailed(WaitForSubmittedJobs(r.at("jobs")));
    if (bad == 0) {
      std::cout << "All instances created successfully.\n";
      return kExitSuccess;
    }
    std::cout << "There were " << bad << " errors during the creation.\n";
    return kExitFailure;
  }

 private:
  std::string spec_file_, iallocator_;
  JobOptions job_;
};

// Ganeti's --disk/--net of modify (_ConvertNicDiskModifications): "add:k=v"
// and "remove" act on the last item; "ID:k=v" modifies item ID (an index or
// a name), "ID:add,k=v" or "ID:remove" add or remove at ID.
json::array Modifications(const std::vector<std::string>& values, const std::string& option) {
  json::array changes;
  for (const auto& value : values) {
    const auto colon = value.find(':');
    const std::string identifier = value.substr(0, colon);
    json::object params;
    if (colon != std::string::npos) params = ParseKeyValues(value.substr(colon + 1), option);
    std::string action = "modify";
    json::value target(identifier);
    if (identifier == "add" || identifier == "remove") {
      action = identifier;
      target = -1;
    } else {
      int given = 0;
      for (const char* op : {"add", "remove", "modify"}) {
        if (params.erase(op)) {
          action = op;
          ++given;
        }
      }
      if (given > 1) {
        throw OpPrereqError(
            "Cannot do more than one of the following operations at the same time: add, remove, "
            "modify",
            kEcodeInval);
      }
    }
    if (action == "remove" && !params.empty()) {
      throw OpPrereqError("Not accepting parameters on removal/detach", kEcodeInval);
    }
    changes.push_back(json::array{action, target, params});
  }
  return changes;
}

class ModifyInstance : public Command {
 public:
  void Declare(CLI::App& app) override {
    app.add_option("instance", instance_, "Instance name")->required();
    params_.Declare(app, "Hypervisor parameters");
    app.add_option("-o,--os-type", os_type_, "Change the instance's OS without reinstalling");
    app.add_option("-m,--runtime-memory", runtime_mem_, "New runtime memory");
    app.add_option("--disk", disks_, "Disk changes (add:size=SIZE, remove, N:mode=ro)")
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    app.add_option("--net", nics_, "NIC changes (add:..., remove, N:link=...)")
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    app.add_flag("--offline", offline_, "Mark the instance as offline");
    app.add_flag("--online", online_, "Mark the instance as online");
    app.add_flag("-f,--force", force_, "Force the operation");
    app.add_flag("--ignore-ipolicy", ignore_ipolicy_, "Ignore instance policy violations");
    AddSubmitOptions(app, job_);
  }
  int Run() override {
    if (offline_ && online_) throw ParameterError("Give either --offline or --online");
    json::object op{{"OP_ID", "OP_INSTANCE_SET_PARAMS"},
                    {"instance_name", instance_},
                    {"force", force_},
                    {"ignore_ipolicy", ignore_ipolicy_}};
    if (!params_.beparams.empty()) op["beparams"] = ParseKeyValues(params_.beparams, "-B");
    if (!params_.osparams.empty()) op["osparams"] = ParseKeyValues(params_.osparams, "-O");
    if (!params_.hvparams.empty()) op["hvparams"] = ParseKeyValues(params_.hvparams.front(), "-H");
    if (!os_type_.empty()) op["os_name"] = os_type_;
    if (!runtime_mem_.empty()) op["runtime_mem"] = runtime_mem_;
    if (!disks_.empty()) op["disks"] = Modifications(disks_, "--disk");
    if (!nics_.empty()) op["nics"] = Modifications(nics_, "--net");
    if (offline_) op["offline"] = true;
    if (online_) op["offline"] = false;
    const json::value result = SendJob(job_, json::array{op});
    if (job_.submit || job_.dry_run || !result.is_array() || result.as_array().empty()) {
      return kExitSuccess;
    }
    const auto& changes = result.as_array()[0];
    if (changes.is_array() && !changes.as_array().empty()) {
      std::cout << "Modified instance " << instance_ << "\n";
      PrintChanges(changes.as_array());
      std::cout << "Please don't forget that most parameters take effect only at the next "
                   "(re)start of the instance initiated by ganeti; restarting from within the "
                   "instance will not be enough.\n";
      if (!params_.hvparams.empty()) {
        std::cout << "Note that changing hypervisor parameters without performing a restart "
                     "might lead to a crash while performing a live migration. This will be "
                     "addressed in future Ganeti versions.\n";
      }
    }
    return kExitSuccess;
  }

 private:
  std::string instance_, os_type_, runtime_mem_;
  std::vector<std::string> disks_, nics_;
  InstanceParamOptions params_;
  bool offline_ = false, online_ = false, force_ = false, ignore_ipolicy_ = false;
  JobOptions job_;
};

class ReinstallInstance : public Command {
 public:
  void Declare(CLI::App& app) override {
    app.add_option("instance", instance_, "Instance name")->required();
    app.add_option("-o,--os-type", os_, "Install this OS instead of the current one");
    app.add_option("-O,--os-parameters", params_.osparams, "OS parameters");
    app.add_flag("-f,--force", force_, "Do not ask for confirmation");
    AddSubmitOptions(app, job_);
  }
  int Run() override {
    const std::string os_message =
        os_.empty() ? "keep the same OS" : "change the OS to '" + os_ + "'";
    if (!ConfirmInstanceOperation("This will reinstall the instance '" + instance_ + "' (and " +
                                      os_message + ") which removes all data. Continue?",
                                  force_)) {
      return kExitFailure;
    }
    json::object op{{"OP_ID", "OP_INSTANCE_REINSTALL"}, {"instance_name", instance_}};
    if (!os_.empty()) op["os_type"] = os_;
    if (!params_.osparams.empty()) op["osparams"] = ParseKeyValues(params_.osparams, "-O");
    SendJob(job_, json::array{op});
    return kExitSuccess;
  }

 private:
  std::string instance_, os_;
  InstanceParamOptions params_;
  bool force_ = false;
  JobOptions job_;
};

}  // namespace

CommandEntry InstanceCreateEntry(bool importing, std::string name, std::string description) {
  return {std::move(name), std::move(description),
          [importing] { return std::make_unique<CreateInstance>(importing); }};
}

std::vector<CommandEntry> InstanceParamCommands() {
  return {
      InstanceCreateEntry(false, "add", "Creates and adds a new instance to the cluster"),
      Entry<BatchCreate>("batch-create", "Create a bunch of instances based on specs in the file"),
      Entry<ModifyInstance>("modify", "Change instance parameters"),
      Entry<ReinstallInstance>("reinstall", "Reinstall a stopped instance"),
  };
}

}  // namespace herd::cli
