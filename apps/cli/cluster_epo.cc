// gnt-cluster epo: Ganeti's emergency power-off (Epo, _EpoOff, _EpoOn):
// instances shut down without recording it, nodes powered off through their
// out-of-band program; with --on powered on again, and each instance started
// once all its nodes answer.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <iostream>
#include <map>
#include <set>
#include <thread>

#include "base/errors.h"
#include "base/json.h"
#include "cli/command.h"
#include "cli/job_executor.h"
#include "cli/jobs.h"
#include "cluster_commands.h"
#include "common_options.h"
#include "rpc/procedures.h"

namespace herd::cli {
namespace {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;

// Ganeti's _EPO_PING_INTERVAL, _EPO_PING_TIMEOUT, _EPO_REACHABLE_TIMEOUT.
constexpr std::chrono::seconds kPingInterval{30};
constexpr std::chrono::seconds kPingTimeout{1};
constexpr std::chrono::minutes kReachableTimeout{15};

struct EpoOptions {
  bool force = false, on = false, groups = false, all = false;
  int oob_timeout = 60, shutdown_timeout = 120;
  double power_delay = 2.0;
};

// Ganeti's TcpPing with live_port_needed: a TCP connection to the node
// daemon's port is accepted within `timeout`.
bool TcpPing(const std::string& address, int port, std::chrono::milliseconds timeout) {
  sockaddr_storage storage{};
  socklen_t length = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&storage);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
  if (::inet_pton(AF_INET, address.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    length = sizeof(sockaddr_in);
  } else if (::inet_pton(AF_INET6, address.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    length = sizeof(sockaddr_in6);
  } else {
    throw ProgrammerError("Family of IP address '" + address + "' can't be determined");
  }
  const int fd = ::socket(storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) throw SystemError("socket", errno);
  bool reached = ::connect(fd, reinterpret_cast<sockaddr*>(&storage), length) == 0;
  if (!reached && errno == EINPROGRESS) {
    pollfd p{fd, POLLOUT, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) > 0) {
      int error = 0;
      socklen_t size = sizeof(error);
      reached = ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size) == 0 && error == 0;
    }
  }
  ::close(fd);
  return reached;
}

int NodedPort() {
  if (const servent* entry = ::getservbyname("ganeti-noded", "tcp")) {
    return ntohs(static_cast<uint16_t>(entry->s_port));
  }
  return rpc::kDefaultNodedPort;
}

// Ganeti's _OobPower: true when every node's power changed.
bool OobPower(const EpoOptions& o, const std::vector<std::string>& nodes, bool power) {
  const json::value results =
      SubmitAndWait(json::array{json::object{{"OP_ID", "OP_OOB_COMMAND"},
                                             {"node_names", StringArray(nodes)},
                                             {"command", power ? "power-on" : "power-off"},
                                             {"ignore_status", true},
                                             {"timeout", o.oob_timeout},
                                             {"power_delay", o.power_delay}}},
                    false);
  int errors = 0;
  for (const auto& entry : results.as_array()[0].as_array()) {
    const auto& node = entry.as_array()[0].as_array();
    const auto& data = entry.as_array()[1].as_array();
    if (data[0].to_number<int64_t>() != 0) {
      ++errors;
      std::cerr << "There was a problem changing power for " << ValueText(node[1])
                << ", please investigate\n";
    }
  }
  return errors == 0;
}

// Ganeti's _InstanceStart: one job per instance; true when all succeeded.
bool InstanceStart(const EpoOptions& o, const std::vector<std::string>& instances, bool start,
                   bool no_remember = false) {
  const char* submit = start ? "startup" : "shutdown";
  const char* success = start ? "started" : "stopped";
  const char* failing = start ? "starting" : "stopping";
  JobExecutor executor;
  for (const auto& name : instances) {
    std::cout << "Submit " << submit << " of instance " << name << "\n";
    json::object op{{"OP_ID", start ? "OP_INSTANCE_STARTUP" : "OP_INSTANCE_SHUTDOWN"},
                    {"instance_name", name}};
    if (!start) {
      op["timeout"] = o.shutdown_timeout;
      op["no_remember"] = no_remember;
    }
    executor.QueueJob(name, json::array{std::move(op)});
  }
  const auto results = executor.GetResults();
  const auto bad =
      std::count_if(results.begin(), results.end(), [](const auto& r) { return !r.first; });
  if (bad == 0) {
    std::cout << "All instances have been " << success << " successfully\n";
    return true;
  }
  std::cerr << "There were errors while " << failing << " instances:\n"
            << bad << " error(s) out of " << results.size() << " instance(s)\n";
  return false;
}

using InstanceNodes = std::map<std::string, std::set<std::string>>;

// Ganeti's _MaybeInstanceStartup: starts (and forgets) the instances all of
// whose nodes are up.
bool MaybeInstanceStartup(const EpoOptions& o, InstanceNodes& instances,
                          const std::set<std::string>& nodes_up) {
  std::vector<std::string> startable;
  for (const auto& [instance, nodes] : instances) {
    if (std::includes(nodes_up.begin(), nodes_up.end(), nodes.begin(), nodes.end())) {
      startable.push_back(instance);
    }
  }
  for (const auto& name : startable) instances.erase(name);
  return startable.empty() || InstanceStart(o, startable, true);
}

// Ganeti's _RunWhenNodesReachable and its helper: after each node that
// answers, the instances that can start are started; gives up after 15
// minutes.
bool RunWhenNodesReachable(const EpoOptions& o, const std::vector<std::string>& nodes,
                           const std::map<std::string, std::string>& address,
                           InstanceNodes instances) {
  std::set<std::string> down(nodes.begin(), nodes.end()), up;
  const int port = NodedPort();
  bool success = true;
  const auto end = Clock::now() + kReachableTimeout;
  for (;;) {
    if (!MaybeInstanceStartup(o, instances, up)) success = false;
    if (down.empty()) return success;
    const auto start = Clock::now();
    if (start >= end) break;
    const auto wait = std::min<Clock::duration>(kPingInterval, end - start);
    bool found = false;
    for (const auto& node : down) {
      if (TcpPing(address.at(node), port, kPingTimeout)) {
        std::cout << "Node " << node << " became available" << std::endl;
        up.insert(node);
        down.erase(node);
        found = true;
        break;
      }
    }
    // A node that came up may let instances start: no waiting then.
    if (!found) std::this_thread::sleep_until(start + wait);
  }
  std::string pending;
  for (const auto& node : down) pending += (pending.empty() ? "" : "  - ") + node;
  std::cerr << "Time exceeded while waiting for nodes to become reachable again:\n  - " << pending
            << "\n";
  return false;
}

int EpoOn(const EpoOptions& o, const std::vector<std::string>& all_nodes,
          const std::vector<std::string>& nodes, const InstanceNodes& instances,
          const std::map<std::string, std::string>& address) {
  // Ganeti 3.0 passes False here and so powers the nodes off again; what it
  // means, and says, is powering them on.
  if (!nodes.empty() && !OobPower(o, nodes, true)) {
    std::cerr << "Not all nodes seem to get back up, investigate and start manually if needed\n";
  }
  std::cout << "Waiting until all nodes are available again" << std::endl;
  if (!RunWhenNodesReachable(o, all_nodes, address, instances)) {
    std::cerr << "Please investigate and start stopped instances manually\n";
    return kExitFailure;
  }
  return kExitSuccess;
}

int EpoOff(const EpoOptions& o, const std::vector<std::string>& nodes,
           const InstanceNodes& instances) {
  std::vector<std::string> names;
  for (const auto& [name, _] : instances) names.push_back(name);
  if (!InstanceStart(o, names, false, /*no_remember=*/true)) {
    std::cerr << "Please investigate and stop instances manually before continuing\n";
    return kExitFailure;
  }
  if (nodes.empty()) return kExitSuccess;
  return OobPower(o, nodes, false) ? kExitSuccess : kExitFailure;
}

class Epo : public Command {
 public:
  void Declare(CLI::App& app) override {
    app.add_option("names", names_, "Nodes (node groups with --groups)");
    app.add_flag("-f,--force,--force-multiple", o_.force, "Force the operation");
    app.add_flag("--on", o_.on, "Recover from an EPO");
    app.add_flag("--groups", o_.groups, "Arguments are node groups instead of nodes");
    app.add_flag("--all", o_.all,
                 "Show info on all instances on the cluster. This can take a long time to run, "
                 "use wisely");
    app.add_option("--oob-timeout", o_.oob_timeout, "Maximum time to wait for out-of-band helper");
    app.add_option("--shutdown-timeout", o_.shutdown_timeout,
                   "Maximum time (in minutes) to wait for instance shutdown");
    app.add_option("--power-delay", o_.power_delay, "Time in seconds to wait between power-ons");
    app.footer(
        "Nodes are powered through their oob_program node parameter (herd-oob drives virtual "
        "nodes: their power is the node daemon).");
  }
  int Run() override {
    if (o_.groups && o_.all) {
      std::cerr << "Only one of --groups or --all are allowed\n";
      return kExitFailure;
    }
    if (!names_.empty() && o_.all) {
      std::cerr << "Arguments in combination with --all are not allowed\n";
      return kExitFailure;
    }
    json::array node_names;
    if (o_.groups) {
      const json::value groups = Master().Call(
          "QueryGroups", json::array{StringArray(names_), json::array{"node_list"}, false});
      for (const auto& row : groups.as_array()) {
        for (const auto& node : row.as_array()[0].as_array()) node_names.push_back(node);
      }
    } else {
      node_names = StringArray(names_);
    }
    const json::value rows = Master().Call(
        "QueryNodes", json::array{node_names,
                                  json::array{"name", "master", "pinst_list", "sinst_list",
                                              "powered", "offline", "pip"},
                                  false});
    std::vector<std::string> all_nodes, nodes;
    std::map<std::string, std::string> address;
    InstanceNodes instances;
    for (const auto& row_value : rows.as_array()) {
      const auto& row = row_value.as_array();
      const std::string node(row[0].as_string());
      const bool master = row[1].is_bool() && row[1].get_bool();
      const json::value& powered = row[4];
      const bool offline = row[5].is_bool() && row[5].get_bool();
      all_nodes.push_back(node);
      if (row[6].is_string()) address[node] = std::string(row[6].get_string());
      if (!offline) {
        std::vector<std::string> on_node;
        for (const auto* list : {&row[2], &row[3]}) {
          for (const auto& i : list->as_array()) on_node.emplace_back(i.as_string());
        }
        // The master's instances wait for no node: it is up, running this.
        for (const auto& instance : on_node) {
          if (instances.count(instance)) {
            if (!master) instances[instance].insert(node);
          } else {
            instances[instance] = master ? std::set<std::string>{} : std::set<std::string>{node};
          }
        }
      }
      if (master && o_.on) continue;
      if (master && !o_.all) {
        std::cerr << node
                  << " is the master node, please do a master-failover to another node not "
                     "affected by the EPO or use --all if you intend to shutdown the whole "
                     "cluster\n";
        return kExitFailure;
      }
      if (powered.is_null()) {
        std::cout << "Node " << node
                  << " does not support out-of-band handling, it can not be handled in a fully "
                     "automated manner\n";
      } else if (powered.is_bool() && powered.get_bool() == o_.on) {
        std::cout << "Node " << node << " is already in desired power state, skipping\n";
      } else if (!offline || (powered.is_bool() && powered.get_bool())) {
        nodes.push_back(node);
      }
    }
    if (!(o_.force || ConfirmOperation(all_nodes, "nodes", "epo"))) return kExitFailure;
    if (o_.on) {
      for (const auto& node : all_nodes) {
        if (!address.count(node)) {
          throw OpPrereqError("Node " + node + " has no primary IP to ping", kEcodeState);
        }
      }
      return EpoOn(o_, all_nodes, nodes, instances, address);
    }
    return EpoOff(o_, nodes, instances);
  }

 private:
  std::vector<std::string> names_;
  EpoOptions o_;
};

}  // namespace

std::vector<CommandEntry> ClusterEpoCommands() {
  return {Entry<Epo>("epo", "Performs an emergency power-off on given args")};
}

}  // namespace herd::cli
