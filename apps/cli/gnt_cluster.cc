// gnt-cluster: init, info, verify, getmaster, master-failover, master-ping, version,
// redist-conf, destroy, queue.
#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <iostream>

#include "base/errors.h"
#include "base/json.h"
#include "bootstrap/bootstrap.h"
#include "bootstrap/failover.h"
#include "cli/command.h"
#include "cli/format.h"
#include "cli/jobs.h"

using namespace herd;
using namespace herd::cli;

namespace {
std::vector<std::string> SplitComma(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

// "a=1,b=2" -> {a: 1, b: 2}
std::map<std::string, std::string> KeyValues(const std::string& s, const std::string& option) {
  std::map<std::string, std::string> out;
  for (const auto& item : SplitComma(s)) {
    auto eq = item.find('=');
    if (eq == std::string::npos) {
      throw OpPrereqError("Invalid value '" + item + "' for " + option + ": expected key=value",
                          kEcodeInval);
    }
    out[item.substr(0, eq)] = item.substr(eq + 1);
  }
  return out;
}

std::string Text(const json::value& v) {
  return v.is_string() ? std::string(v.get_string()) : SerializeJson(v);
}

void PrintDict(const json::object& o, int indent) {
  for (const auto& kv : o) {
    std::cout << std::string(static_cast<size_t>(indent), ' ') << kv.key() << ":";
    if (kv.value().is_object()) {
      std::cout << "\n";
      PrintDict(kv.value().get_object(), indent + 2);
    } else {
      std::cout << " " << Text(kv.value()) << "\n";
    }
  }
}
}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Ganeti cluster administration (Herd)", "gnt-cluster"};
  app.require_subcommand(1);
  bootstrap::InitOptions init;
  std::string hypervisors, templates, beparams, nicparams, ndparams, hvparams;
  bool no_etc_hosts = false, yes_do_it = false, submit = false;
  auto* init_cmd = app.add_subcommand("init", "Initialise a new cluster");
  init_cmd->add_option("name", init.cluster_name, "Cluster name")->required();
  init_cmd->add_option("--master-netdev", init.master_netdev, "Master network device");
  init_cmd->add_option("-I,--default-iallocator", init.default_iallocator,
                       "Default instance allocator (default: hail when available)");
  init_cmd->add_option("--enabled-hypervisors", hypervisors, "Hypervisors (fake)");
  init_cmd->add_option("--enabled-disk-templates", templates, "Disk templates");
  init_cmd->add_option("-H,--hypervisor-parameters", hvparams, "fake:key=value,...");
  init_cmd->add_option("-B,--backend-parameters", beparams, "Backend parameters");
  init_cmd->add_option("-N,--nic-parameters", nicparams, "NIC parameters");
  init_cmd->add_option("--node-parameters", ndparams, "Node parameters");
  init_cmd->add_option("--file-storage-dir", init.file_storage_dir, "File storage directory");
  init_cmd->add_option("--shared-file-storage-dir", init.shared_file_storage_dir,
                       "Shared file storage directory");
  init_cmd->add_option("-C,--candidate-pool-size", init.candidate_pool_size,
                       "Master candidate pool size");
  init_cmd->add_option("-s,--secondary-ip", init.secondary_ip, "Secondary IP");
  init_cmd->add_flag("--no-etc-hosts", no_etc_hosts,
                     "Don't modify /etc/hosts (never done by Herd)");
  app.add_subcommand("info", "Show cluster configuration");
  auto* verify = app.add_subcommand("verify", "Verify the cluster");
  app.add_subcommand("getmaster", "Show the master node");
  bool no_voting = false, ignore_offline_nodes = true;
  auto* failover = app.add_subcommand("master-failover", "Makes the current node the master");
  failover->alias("masterfailover");
  failover->add_flag("--no-voting", no_voting,
                     "Skip node agreement check (dangerous): use when most nodes are down");
  failover->add_flag("--yes-do-it", yes_do_it, "Don't ask for confirmation of --no-voting");
  failover->add_flag("--ignore-offline-nodes", ignore_offline_nodes,
                     "Ignore offline nodes in the vote (always the case, as in Ganeti)");
  app.add_subcommand("master-ping", "Checks if the master is alive");
  app.add_subcommand("version", "Show versions");
  auto* redist = app.add_subcommand("redist-conf", "Push the configuration to all nodes");
  redist->add_flag("--submit", submit, "Submit the job and return its id");
  auto* destroy = app.add_subcommand("destroy", "Destroy the cluster");
  destroy->add_flag("--yes-do-it", yes_do_it, "Really destroy the cluster");
  auto* queue = app.add_subcommand("queue", "Job queue control");
  std::string queue_action;
  queue->add_option("action", queue_action, "drain, undrain or info")
      ->required()
      ->check(CLI::IsMember({"drain", "undrain", "info"}));
  (void)verify;
  CLI11_PARSE(app, argc, argv);

  return RunCommand([&]() -> int {
    const std::string cmd = app.get_subcommands().front()->get_name();
    if (cmd == "init") {
      if (!hypervisors.empty()) init.enabled_hypervisors = SplitComma(hypervisors);
      if (!templates.empty()) init.enabled_disk_templates = SplitComma(templates);
      init.beparams = KeyValues(beparams, "-B");
      init.nicparams = KeyValues(nicparams, "-N");
      init.ndparams = KeyValues(ndparams, "--node-parameters");
      if (!hvparams.empty()) {
        auto colon = hvparams.find(':');
        if (colon == std::string::npos || hvparams.substr(0, colon) != "fake") {
          throw OpPrereqError("-H takes fake:key=value,... (only the fake hypervisor exists)",
                              kEcodeInval);
        }
        init.hvparams_fake = KeyValues(hvparams.substr(colon + 1), "-H");
      }
      bootstrap::InitCluster(NodePaths(), init);
      return kExitSuccess;
    }
    if (cmd == "getmaster") {
      // From ssconf, as Ganeti: it answers even when the master is down.
      const std::string master = NodePaths().SsconfMaster();
      if (master.empty()) {
        throw OpPrereqError("This node has no ssconf master_node; is it part of a cluster?",
                            kEcodeState);
      }
      std::cout << master << "\n";
      return kExitSuccess;
    }
    if (cmd == "master-ping") {
      try {
        Master().Call("QueryClusterInfo", json::array{});
        return kExitSuccess;
      } catch (const GanetiError&) {
        return kExitFailure;
      }
    }
    if (cmd == "master-failover") {
      if (no_voting && !yes_do_it &&
          !AskUser("This will perform the failover even if most other nodes are down, or if "
                   "this node is outdated. This is dangerous as it can lead to a non-consistent "
                   "cluster. Check the gnt-cluster(8) man page before proceeding. Continue?")) {
        return kExitFailure;
      }
      auto result = bootstrap::MasterFailover(NodePaths(), no_voting);
      for (const auto& warning : result.warnings) std::cerr << warning << "\n";
      return result.exit_code;
    }
    if (cmd == "version") {
      json::value info = Master().Call("QueryClusterInfo", json::array{});
      const auto& o = info.as_object();
      std::cout << "Software version: " << Text(o.at("software_version")) << "\n"
                << "Internode protocol: " << Text(o.at("protocol_version")) << "\n"
                << "Configuration format: " << Text(o.at("config_version")) << "\n"
                << "OS api version: " << Text(o.at("os_api_version")) << "\n"
                << "Export interface: " << Text(o.at("export_version")) << "\n"
                << "VCS version: " << Text(o.at("vcs_version")) << "\n";
      return kExitSuccess;
    }
    if (cmd == "info") {
      json::value info = Master().Call("QueryClusterInfo", json::array{});
      const auto& o = info.as_object();
      std::cout << "Cluster name: " << Text(o.at("name")) << "\n"
                << "Cluster UUID: " << Text(o.at("uuid")) << "\n"
                << "Creation time: " << FormatTimestamp(o.at("ctime")) << "\n"
                << "Modification time: " << FormatTimestamp(o.at("mtime")) << "\n"
                << "Master node: " << Text(o.at("master")) << "\n"
                << "Architecture (this node): " << Text(o.at("architecture")) << "\n"
                << "Cluster parameters:\n"
                << "  candidate pool size: " << Text(o.at("candidate_pool_size")) << "\n"
                << "  master netdev: " << Text(o.at("master_netdev")) << "\n"
                << "  file storage path: " << Text(o.at("file_storage_dir")) << "\n"
                << "  shared file storage path: " << Text(o.at("shared_file_storage_dir")) << "\n"
                << "  enabled hypervisors: " << Text(o.at("enabled_hypervisors")) << "\n"
                << "  enabled disk templates: " << Text(o.at("enabled_disk_templates")) << "\n"
                << "  default instance allocator: " << Text(o.at("default_iallocator")) << "\n"
                << "Default node parameters:\n";
      PrintDict(o.at("ndparams").as_object(), 2);
      std::cout << "Default instance parameters:\n";
      PrintDict(o.at("beparams").as_object(), 2);
      std::cout << "Instance policy - limits for instances:\n";
      PrintDict(o.at("ipolicy").as_object(), 2);
      return kExitSuccess;
    }
    if (cmd == "verify") {
      json::value result =
          SubmitAndWait(json::array{json::object{{"OP_ID", "OP_CLUSTER_VERIFY"}}}, false);
      int bad = 0;
      for (const auto& job : result.as_array()[0].as_object().at("jobs").as_array()) {
        const auto& pair = job.as_array();
        if (!pair[0].as_bool()) {
          std::cout << "Failed to submit a verification job: " << Text(pair[1]) << "\n";
          ++bad;
          continue;
        }
        json::value r = WaitJob(ToInt(pair[1], "job id"));
        const auto& res = r.as_array();
        if (!res[0].as_bool() || !res[1].is_array() || res[1].as_array().empty() ||
            !res[1].as_array()[0].is_bool() || !res[1].as_array()[0].get_bool()) {
          ++bad;
        }
      }
      return bad ? kExitFailure : kExitSuccess;
    }
    if (cmd == "redist-conf") {
      SubmitAndWait(json::array{json::object{{"OP_ID", "OP_CLUSTER_REDIST_CONF"}}}, submit);
      return kExitSuccess;
    }
    if (cmd == "destroy") {
      if (!yes_do_it) {
        std::cerr << "Destroying a cluster is irreversible. If you really want to destroy this "
                     "cluster, supply the --yes-do-it option.\n";
        return kExitFailure;
      }
      SubmitAndWait(json::array{json::object{{"OP_ID", "OP_CLUSTER_DESTROY"}}}, false);
      return kExitSuccess;
    }
    if (cmd == "queue") {
      if (queue_action == "info") {
        json::value v = Master().Call("QueryConfigValues", json::array{json::array{"drain_flag"}});
        std::cout << "The drain flag is " << (v.as_array()[0].as_bool() ? "set" : "unset") << "\n";
      } else {
        Master().Call("SetDrainFlag", json::array{queue_action == "drain"});
      }
      return kExitSuccess;
    }
    return kExitFailure;
  });
}
