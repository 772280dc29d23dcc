// gnt-cluster command and copyfile (Ganeti's RunClusterCommand and
// ClusterCopyFile): through the node shell, root SSH on a real cluster, the
// nodes' own environments on a virtual one.
#include <boost/json.hpp>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "base/errors.h"
#include "base/json.h"
#include "cli/command.h"
#include "cli/node_shell.h"
#include "cluster_commands.h"
#include "common_options.h"

namespace herd::cli {
namespace {

namespace json = boost::json;

// Ganeti's GetOnlineNodes: the online nodes (of `names`, of `group`, not
// the master if asked), in the master's order, offline ones noted on stderr.
std::vector<NodeTarget> OnlineNodes(const std::vector<std::string>& names, const std::string& group,
                                    bool filter_master, bool secondary_ips) {
  json::array filters;
  if (!names.empty()) {
    json::array any{"|"};
    for (const auto& n : names) any.push_back(json::array{"=", "name", n});
    filters.push_back(std::move(any));
  }
  if (!group.empty()) {
    filters.push_back(
        json::array{"|", json::array{"=", "group", group}, json::array{"=", "group.uuid", group}});
  }
  if (filter_master) filters.push_back(json::array{"!", json::array{"?", "master"}});
  json::value filter;
  if (filters.size() == 1) {
    filter = filters[0];
  } else if (!filters.empty()) {
    json::array all{"&"};
    for (auto& f : filters) all.push_back(std::move(f));
    filter = std::move(all);
  }
  const json::value result = Master().Call(
      "Query", json::array{"node", json::array{"name", "offline", "sip", "ndp/ssh_port"}, filter});
  std::vector<NodeTarget> online;
  std::string offline;
  for (const auto& row : result.as_object().at("data").as_array()) {
    auto value = [&](size_t i) -> const json::value& { return row.as_array()[i].as_array()[1]; };
    const std::string name(value(0).as_string());
    if (value(1).is_bool() && value(1).get_bool()) {
      offline += (offline.empty() ? "" : ", ") + name;
      continue;
    }
    NodeTarget node{name, name, 22};
    if (secondary_ips && value(2).is_string()) node.address = std::string(value(2).get_string());
    if (value(3).is_number()) node.ssh_port = static_cast<int>(value(3).to_number<int64_t>());
    online.push_back(std::move(node));
  }
  if (!offline.empty()) std::cerr << "Note: skipping offline node(s): " << offline << "\n";
  return online;
}

class RunClusterCommand : public Command {
 public:
  void Declare(CLI::App& app) override {
    app.add_option("-n,--node", nodes_,
                   "Use only this node (can be used multiple times, if not given defaults to "
                   "all nodes)")
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
        ->allow_extra_args(false);  // one node per -n: what follows is the command
    app.add_option("-g,--node-group", group_, "Node group (name or uuid)");
    app.add_flag("-M,--show-machine-names", show_machine_names_,
                 "Show machine name for every line in output");
    app.add_flag("--failure-only", failure_only_,
                 "Hide successful results and show failures only (determined by the exit code)");
    // As Ganeti's parser: options end where the command begins.
    app.prefix_command();
    app_ = &app;
    app.footer(
        "Runs the command as root on each node: over SSH on a real cluster; on a virtual "
        "cluster on this machine with the node's GANETI_ROOTDIR and GANETI_HOSTNAME, in its "
        "root directory.");
  }
  int Run() override {
    const std::vector<std::string> words = app_->remaining();
    if (words.empty()) {
      std::cerr << "Error: Command command expects at least 1 argument(s)\n";
      return kExitFailure;
    }
    std::string command;
    for (const auto& w : words) command += (command.empty() ? "" : " ") + w;
    std::vector<NodeTarget> nodes = OnlineNodes(nodes_, group_, false, false);
    const json::value config =
        Master().Call("QueryConfigValues", json::array{json::array{"cluster_name", "master_node"}});
    const std::string master(config.as_array()[1].as_string());
    // The master last: a command that breaks it leaves the others done.
    std::stable_partition(nodes.begin(), nodes.end(),
                          [&](const NodeTarget& n) { return n.name != master; });
    const auto shell = MakeNodeShell(NodePaths());
    for (const auto& node : nodes) {
      const CommandResult result = shell->Run(node, command);
      if (failure_only_ && result.exit_code == 0) continue;
      std::cout << "------------------------------------------------\n";
      if (show_machine_names_) {
        std::istringstream lines(result.output);
        for (std::string line; std::getline(lines, line);) {
          std::cout << node.name << ": " << line << "\n";
        }
      } else {
        std::cout << "node: " << node.name << "\n" << result.output << "\n";
      }
      std::cout << "return code = "
                << (result.exit_code < 0 ? std::string("None") : std::to_string(result.exit_code))
                << std::endl;
    }
    return kExitSuccess;
  }

 private:
  CLI::App* app_ = nullptr;
  std::vector<std::string> nodes_;
  std::string group_;
  bool show_machine_names_ = false, failure_only_ = false;
};

class ClusterCopyFile : public Command {
 public:
  void Declare(CLI::App& app) override {
    app.add_option("file", file_, "File to copy")->required();
    app.add_option("-n,--node", nodes_,
                   "Use only this node (can be used multiple times, if not given defaults to "
                   "all nodes)")
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
        ->allow_extra_args(false);  // one node per -n: what follows is the command
    app.add_flag("--use-replication-network", replication_network_,
                 "Whether to use the replication network for talking to the nodes");
    app.add_option("-g,--node-group", group_, "Node group (name or uuid)");
    app.footer(
        "Copies the file to the same path on the other nodes (not the master): with scp on a "
        "real cluster; on a virtual cluster the file must be under this node's root and is "
        "copied to the same place under each other node's root.");
  }
  int Run() override {
    namespace fs = std::filesystem;
    std::error_code ec;
    const std::string path = fs::absolute(file_, ec).lexically_normal().string();
    if (ec || !fs::exists(path, ec)) {
      throw OpPrereqError("No such filename '" + path + "'", kEcodeInval);
    }
    const auto shell = MakeNodeShell(NodePaths());
    shell->CheckCopyable(path);
    for (const auto& node : OnlineNodes(nodes_, group_, true, replication_network_)) {
      std::string why;
      if (!shell->CopyFile(node, path, &why)) {
        std::cerr << "Copy of file " << path << " to node " << node.address << ":" << node.ssh_port
                  << " failed\n";
        if (!why.empty()) std::cerr << "  " << why << (why.back() == '\n' ? "" : "\n");
      }
    }
    return kExitSuccess;
  }

 private:
  std::string file_, group_;
  std::vector<std::string> nodes_;
  bool replication_network_ = false;
};

}  // namespace

std::vector<CommandEntry> ClusterRemoteCommands() {
  return {Entry<ClusterCopyFile>("copyfile", "Copies a file to all (or only some) nodes"),
          Entry<RunClusterCommand>("command", "Runs a command on all (or only some) nodes")};
}

}  // namespace herd::cli
