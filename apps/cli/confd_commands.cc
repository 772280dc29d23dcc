// gnt-node list-drbd (Ganeti's ListDrbd) and gnt-debug confd, Herd's
// confd query tool: a signed request to this node's master candidates, the
// answer taken once enough of them agree.
#include "confd_commands.h"

#include <algorithm>
#include <boost/json.hpp>
#include <iostream>
#include <map>
#include <tuple>

#include "base/errors.h"
#include "base/json.h"
#include "base/python_repr.h"
#include "cli/command.h"
#include "cli/format.h"
#include "common_options.h"
#include "confd/client.h"

namespace herd::cli {
namespace {

namespace json = boost::json;
using confd::ConfdClient;
using confd::ConfdOutcome;
using confd::ReplyStatus;
using confd::RequestType;

std::string Text(const json::value& v) {
  return v.is_string() ? std::string(v.get_string()) : SerializeJson(v);
}

std::string Peers(const ConfdOutcome& outcome) {
  std::string out;
  for (const auto& r : outcome.replies) {
    out += (out.empty() ? "" : ", ") + r.peer.address + ":" + std::to_string(r.peer.port);
  }
  return out;
}

// Ganeti's HTNodeDrbd: [[node, minor, instance, disk, role, peer], ...].
bool IsNodeDrbd(const json::value& answer) {
  if (!answer.is_array()) return false;
  return std::all_of(answer.as_array().begin(), answer.as_array().end(), [](const auto& item) {
    const auto* row = item.if_array();
    if (!row || row->size() != 6) return false;
    for (size_t i = 0; i < 6; ++i) {
      if (i == 1 ? !(*row)[i].is_int64() : !(*row)[i].is_string()) return false;
    }
    return true;
  });
}

// Ganeti's list-drbd table, sorted as Python sorts the rows.
void PrintDrbdTable(const json::value& answer, const TableOptions& table) {
  using Row = std::tuple<std::string, int64_t, std::string, std::string, std::string, std::string>;
  std::vector<Row> sorted;
  for (const auto& item : answer.as_array()) {
    const auto& r = item.as_array();
    sorted.emplace_back(Text(r[0]), r[1].as_int64(), Text(r[2]), Text(r[3]), Text(r[4]),
                        Text(r[5]));
  }
  std::sort(sorted.begin(), sorted.end());
  std::vector<std::vector<std::string>> rows;
  for (const auto& [node, minor, instance, disk, role, peer] : sorted) {
    rows.push_back({node, std::to_string(minor), instance, disk, role, peer});
  }
  std::cout << FormatTable({"Node", "Minor", "Instance", "Disk", "Role", "PeerNode"}, rows,
                           {false, true, false, false, false, false}, table);
}

// gnt-node list-drbd NODE. Ganeti asks the confd on localhost; Herd's confd
// runs on the master candidates, so those are asked.
class ListDrbd : public Command {
 public:
  void Declare(CLI::App& app) override {
    app.add_option("node", node_, "Node name")->required();
    app.add_flag("--no-headers", no_headers_, "Don't display column headers");
    app.add_option("--separator", table_.separator, "Separator between output fields");
  }
  int Run() override {
    const ConfdClient client = ConfdClient::ForNode(NodePaths());
    const ConfdOutcome outcome = client.Ask(RequestType::kNodeDrbd, confd::TextQuery(node_));
    if (outcome.timed_out) std::cerr << "Did not receive all expected confd replies\n";
    if (!outcome.answer) return kExitFailure;
    const confd::Reply& reply = *outcome.answer;
    if (reply.status != ReplyStatus::kOk) {
      std::cerr << "Query gave non-ok status '" << static_cast<int>(reply.status)
                << "': " << PythonStr(reply.answer) << "\n";
      return kExitFailure;
    }
    if (!IsNodeDrbd(reply.answer)) {
      std::cerr << "Invalid response from server: expected a list of [node, minor, instance, "
                   "disk, role, peer], got "
                << PythonRepr(reply.answer) << "\n";
      return kExitFailure;
    }
    table_.headers = !no_headers_;
    PrintDrbdTable(reply.answer, table_);
    return kExitSuccess;
  }

 private:
  std::string node_;
  bool no_headers_ = false;
  TableOptions table_;
};

struct RequestKind {
  RequestType type;
  int min_args, max_args;  // -1: any number
  const char* args;
  const char* description;
};

const std::map<std::string, RequestKind>& Requests() {
  static const std::map<std::string, RequestKind> requests{
      {"ping", {RequestType::kPing, 0, 0, "", "the configuration version the candidates serve"}},
      {"master",
       {RequestType::kClusterMaster, 0, 3, "[FIELD...]",
        "the master node's name, or the FIELDs: name, ip (the cluster's master IP), mnode_pip "
        "(the master node's primary IP)"}},
      {"node-role",
       {RequestType::kNodeRoleByName, 1, 1, "NODE",
        "master, candidate, offline, drained or regular"}},
      {"node-pips", {RequestType::kNodePipList, 0, 0, "", "every node's primary IP"}},
      {"mc-pips", {RequestType::kMcPipList, 0, 0, "", "the master candidates' primary IPs"}},
      {"instance-ips",
       {RequestType::kInstancesIpsList, 0, 1, "[LINK]",
        "the instances' NIC IPs on LINK (default: the cluster's default NIC link)"}},
      {"node-pip-by-instance-ip",
       {RequestType::kNodePipByInstanceIp, 1, -1, "IP... [--link LINK]",
        "the primary IP of the node of the instance with each IP"}},
      {"instance-disks", {RequestType::kInstanceDisks, 1, 1, "INSTANCE", "the instance's disks"}},
      {"node-drbd",
       {RequestType::kNodeDrbd, 1, 1, "NODE", "the node's DRBD minors (as gnt-node list-drbd)"}},
      {"config",
       {RequestType::kConfigQuery, 1, 1, "PATH",
        "the value at a JSON pointer into config.data, e.g. /cluster/cluster_name"}},
      {"data-collectors",
       {RequestType::kDataCollectors, 0, 0, "", "the data collectors' state and interval"}},
  };
  return requests;
}

std::string RequestsHelp() {
  std::string help = "Requests:\n";
  for (const auto& [name, kind] : Requests()) {
    std::string usage = name + (*kind.args ? std::string(" ") + kind.args : "");
    usage.resize(std::max<size_t>(usage.size() + 1, 44), ' ');
    help += "  " + usage + kind.description + "\n";
  }
  return help +
         "\nThe request goes to the master candidates this node's ssconf names (at most 6 "
         "unless --coverage says otherwise), on the port its confd uses; the answer is printed "
         "once enough of them agree (all of 1 or 2, all but one of 3 or 4, else a majority). "
         "Exit code 1 when they did not, or the answer is an error.";
}

const char* RoleName(int64_t role) {
  switch (role) {
    case 0:
      return "master";
    case 1:
      return "candidate";
    case 2:
      return "offline";
    case 3:
      return "drained";
    case 4:
      return "regular";
    default:
      return "unknown";
  }
}

class ConfdQuery : public Command {
 public:
  void Declare(CLI::App& app) override {
    std::vector<std::string> names;
    for (const auto& [name, _] : Requests()) names.push_back(name);
    app.add_option("request", request_, "What to ask")->required()->check(CLI::IsMember(names));
    app.add_option("args", args_, "The request's arguments");
    app.add_option("--link", link_, "NIC link (node-pip-by-instance-ip)");
    app.add_option("--coverage", coverage_,
                   "How many candidates to ask: 0 (default) at most 6, -1 all");
    app.add_option("--timeout", timeout_, "Seconds to wait for the answers (default 10)");
    app.add_flag("--json", json_, "Print the answer as JSON");
    app.add_flag("-v,--verbose", verbose_, "Show every candidate's reply");
    app.footer(RequestsHelp());
  }
  int Run() override {
    const RequestKind& kind = Requests().at(request_);
    const int count = static_cast<int>(args_.size());
    if (count < kind.min_args || (kind.max_args >= 0 && count > kind.max_args)) {
      std::cerr << "Request '" << request_ << "' takes "
                << (*kind.args ? kind.args : "no arguments") << "\n";
      return kExitFailure;
    }
    confd::Query query;
    if (!link_.empty() && kind.type != RequestType::kNodePipByInstanceIp) {
      std::cerr << "--link applies to node-pip-by-instance-ip only\n";
      return kExitFailure;
    }
    switch (kind.type) {
      case RequestType::kClusterMaster:
        if (!args_.empty()) {
          query.kind = confd::Query::Kind::kDict;
          for (const auto& field : args_) query.fields.push_back(MasterField(field));
        }
        break;
      case RequestType::kNodePipByInstanceIp:
        query.kind = confd::Query::Kind::kDict;
        if (!link_.empty()) query.link = link_;
        if (args_.size() == 1) {
          query.ip = args_[0];
        } else {
          query.ip_list = args_;
        }
        break;
      default:
        if (!args_.empty()) query = confd::TextQuery(args_[0]);
        break;
    }
    ConfdClient client = ConfdClient::ForNode(NodePaths());
    if (timeout_ > 0) {
      client.set_timeout(std::chrono::milliseconds(static_cast<int64_t>(timeout_ * 1000)));
    }
    const ConfdOutcome outcome = client.Ask(kind.type, query, coverage_);
    if (verbose_) {
      for (const auto& r : outcome.replies) {
        std::cout << r.peer.address << ":" << r.peer.port << ": status "
                  << static_cast<int>(r.reply.status) << ", serial " << r.reply.serial << ", "
                  << SerializeJson(r.reply.answer) << "\n";
      }
      std::cout << outcome.replies.size() << " of " << outcome.asked << " asked answered, "
                << confd::NeededReplies(outcome.asked) << " needed to agree"
                << (outcome.consistent ? "" : "; replies of the same serial disagree") << "\n";
    }
    if (!outcome.answer) {
      std::cerr << "No answer from the confd of any of " << outcome.asked
                << " master candidate(s) asked\n";
      return kExitFailure;
    }
    const confd::Reply& reply = *outcome.answer;
    if (reply.status != ReplyStatus::kOk) {
      std::cerr << "Query gave non-ok status '" << static_cast<int>(reply.status)
                << "': " << PythonStr(reply.answer) << "\n";
      return kExitFailure;
    }
    if (json_) {
      std::cout << SerializeJson(reply.answer) << "\n";
    } else {
      Print(kind.type, reply.answer);
    }
    if (!outcome.agreed) {
      std::cerr << "Not enough master candidates agree on this answer: " << outcome.replies.size()
                << " of " << outcome.asked << " answered (" << Peers(outcome) << "), "
                << confd::NeededReplies(outcome.asked) << " must give the same answer\n";
      return kExitFailure;
    }
    return kExitSuccess;
  }

 private:
  static confd::MasterField MasterField(const std::string& name) {
    if (name == "name") return confd::MasterField::kName;
    if (name == "ip") return confd::MasterField::kIp;
    if (name == "mnode_pip") return confd::MasterField::kMasterNodePrimaryIp;
    throw OpPrereqError("Unknown master field '" + name + "': use name, ip or mnode_pip",
                        kEcodeInval);
  }

  void Print(RequestType type, const json::value& answer) const {
    switch (type) {
      case RequestType::kNodeRoleByName:
        std::cout << RoleName(answer.is_int64() ? answer.get_int64() : -1) << "\n";
        return;
      case RequestType::kClusterMaster:
      case RequestType::kNodePipList:
      case RequestType::kMcPipList:
      case RequestType::kInstancesIpsList:
        if (!answer.is_array()) break;
        for (const auto& v : answer.as_array()) std::cout << Text(v) << "\n";
        return;
      case RequestType::kNodePipByInstanceIp:
        if (!answer.is_array()) break;
        // One [status, answer, serial] per IP asked.
        for (size_t i = 0; i < answer.as_array().size() && i < args_.size(); ++i) {
          const auto& triple = answer.as_array()[i].as_array();
          const bool ok = triple[0] == json::value(0);
          std::cout << args_[i] << " " << (ok ? Text(triple[1]) : "-") << "\n";
        }
        return;
      case RequestType::kNodeDrbd:
        if (!IsNodeDrbd(answer)) break;
        PrintDrbdTable(answer, {});
        return;
      case RequestType::kInstanceDisks:
        if (!answer.is_array()) break;
        PrintDisks(answer.as_array());
        return;
      case RequestType::kDataCollectors:
        if (!answer.is_object()) break;
        PrintCollectors(answer.as_object());
        return;
      default:
        break;
    }
    std::cout << Text(answer) << "\n";
  }

  static void PrintDisks(const json::array& disks) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& d : disks) {
      const auto& disk = d.as_object();
      auto field = [&](const char* key) {
        const json::value* v = disk.if_contains(key);
        return !v || v->is_null() ? std::string("-") : Text(*v);
      };
      const json::value* size = disk.if_contains("size");
      rows.push_back({field("iv_name"), field("name"), field("dev_type"),
                      size && size->is_number() ? FormatUnit(size->to_number<double>(), "h") : "-",
                      field("mode"), field("uuid")});
    }
    std::cout << FormatTable({"Disk", "Name", "Template", "Size", "Mode", "UUID"}, rows,
                             {false, false, false, true, false, false}, {});
  }

  static void PrintCollectors(const json::object& collectors) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& [name, state] : collectors) {
      const json::object* o = state.if_object();
      const json::value* active = o ? o->if_contains("active") : nullptr;
      const json::value* interval = o ? o->if_contains("interval") : nullptr;
      char seconds[32] = "-";
      if (interval && interval->is_number()) {
        std::snprintf(seconds, sizeof(seconds), "%.1fs", interval->to_number<double>() / 1e6);
      }
      rows.push_back({std::string(name),
                      active && active->is_bool() && active->get_bool() ? "Y" : "N", seconds});
    }
    std::cout << FormatTable({"Collector", "Active", "Interval"}, rows, {false, false, true}, {});
  }

  std::string request_, link_;
  std::vector<std::string> args_;
  int coverage_ = 0;
  double timeout_ = 0;
  bool json_ = false, verbose_ = false;
};

}  // namespace

std::vector<CommandEntry> NodeConfdCommands() {
  return {Entry<ListDrbd>("list-drbd", "Query the list of used DRBD minors on the given node")};
}

std::vector<CommandEntry> DebugConfdCommands() {
  return {Entry<ConfdQuery>("confd",
                            "Ask the master candidates' confd daemons (ping, master, node-role, "
                            "node-pips, mc-pips, instance-ips, node-pip-by-instance-ip, "
                            "instance-disks, node-drbd, config, data-collectors)")};
}

}  // namespace herd::cli
