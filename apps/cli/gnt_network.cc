// gnt-network: IP network administration, with Ganeti's commands and output.
#include <boost/json.hpp>
#include <cstdio>
#include <iostream>
#include <sstream>

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

json::value OrNull(const std::string& text) {
  return text.empty() ? json::value() : json::value(text);
}

// The groups named, or every group of the cluster (Ganeti's _GetDefaultGroups).
std::vector<std::string> GroupsOrAll(const std::vector<std::string>& named) {
  if (!named.empty()) return named;
  std::vector<std::string> all;
  for (const auto& row : QueryValues("group", {"name"}, {})) {
    all.emplace_back(row[0].as_string());
  }
  return all;
}

class AddNetwork : public Command {
 public:
  void Declare(CLI::App& app) override {
    app.add_option("network_name", name_, "Network name")->required();
    app.add_option("--network", network_, "IP network in CIDR notation");
    app.add_option("-g,--gateway", gateway_, "IP address of the router (gateway)");
    app.add_option("--add-reserved-ips", reserved_,
                   "Add IP addresses to reservations (comma-separated)");
    app.add_option("-m,--mac-prefix", mac_prefix_, "MAC prefix for the network (XX:XX:XX)");
    app.add_option("--network6", network6_, "IPv6 network in CIDR notation");
    app.add_option("--gateway6", gateway6_, "IPv6 address of the router (gateway)");
    app.add_flag("!--no-conflicts-check", conflicts_check_, "Don't check for conflicting IPs");
    app.add_option("--tags", tags_, "Tags (comma-separated)");
    AddSubmitOptions(app, job_);
  }
  int Run() override {
    if (network_.empty()) throw OpPrereqError("The --network option is required", kEcodeInval);
    SendJob(job_, {json::object{{"OP_ID", "OP_NETWORK_ADD"},
                                {"network_name", name_},
                                {"network", network_},
                                {"gateway", OrNull(gateway_)},
                                {"network6", OrNull(network6_)},
                                {"gateway6", OrNull(gateway6_)},
                                {"mac_prefix", OrNull(mac_prefix_)},
                                {"add_reserved_ips", StringArray(SplitComma(reserved_))},
                                {"conflicts_check", conflicts_check_},
                                {"tags", StringArray(SplitComma(tags_))}}});
    return kExitSuccess;
  }

 private:
  std::string name_, network_, gateway_, reserved_, mac_prefix_, network6_, gateway6_, tags_;
  bool conflicts_check_ = true;
  JobOptions job_;
};

class ModifyNetwork : public Command {
 public:
  void Declare(CLI::App& app) override {
    app.add_option("network_name", name_, "Network name")->required();
    app.add_option("--add-reserved-ips", add_, "Add IP addresses to reservations");
    app.add_option("--remove-reserved-ips", remove_, "Remove IP addresses from reservations");
    app.add_option("-g,--gateway", gateway_, "IP address of the router (gateway), or none");
    app.add_option("-m,--mac-prefix", mac_prefix_, "MAC prefix (XX:XX:XX), or none");
    app.add_option("--network6", network6_, "IPv6 network, or none");
    app.add_option("--gateway6", gateway6_, "IPv6 gateway, or none");
    AddSubmitOptions(app, job_);
  }
  int Run() override {
    if (add_.empty() && remove_.empty() && gateway_.empty() && mac_prefix_.empty() &&
        network6_.empty() && gateway6_.empty()) {
      std::cerr << "Please give at least one of the parameters.\n";
      return kExitFailure;
    }
    json::object op{{"OP_ID", "OP_NETWORK_SET_PARAMS"}, {"network_name", name_},
                    {"gateway", OrNull(gateway_)},      {"network6", OrNull(network6_)},
                    {"gateway6", OrNull(gateway6_)},    {"mac_prefix", OrNull(mac_prefix_)}};
    if (!add_.empty()) op["add_reserved_ips"] = StringArray(SplitComma(add_));
    if (!remove_.empty()) op["remove_reserved_ips"] = StringArray(SplitComma(remove_));
    SendJob(job_, {op});
    return kExitSuccess;
  }

 private:
  std::string name_, add_, remove_, gateway_, mac_prefix_, network6_, gateway6_;
  JobOptions job_;
};

class RemoveNetwork : public Command {
 public:
  void Declare(CLI::App& app) override {
    app.add_option("network_name", name_, "Network name")->required();
    app.add_flag("-f,--force", force_, "Force the operation");
    AddSubmitOptions(app, job_);
  }
  int Run() override {
    SendJob(job_, {json::object{
                      {"OP_ID", "OP_NETWORK_REMOVE"}, {"network_name", name_}, {"force", force_}}});
    return kExitSuccess;
  }

 private:
  std::string name_;
  bool force_ = false;
  JobOptions job_;
};

// connect and disconnect: one job per group, all groups when none is named.
class ConnectNetwork : public Command {
 public:
  explicit ConnectNetwork(bool connect) : connect_(connect) {}
  void Declare(CLI::App& app) override {
    app.add_option("network", network_, "Network name")->required();
    app.add_option("groups", groups_, "Node groups (default: all)");
    if (connect_) {
      app.add_option("-N,--nic-parameters", nicparams_, "NIC parameters (mode, link, vlan)");
      app.add_flag("!--no-conflicts-check", conflicts_check_, "Don't check for conflicting IPs");
    }
    AddSubmitOptions(app, job_, false);
  }
  int Run() override {
    json::object params{{"mode", "bridged"}, {"link", "xen-br0"}, {"vlan", ""}};
    if (!nicparams_.empty()) {
      for (const auto& kv : ParseKeyValues(nicparams_, "--nic-parameters")) {
        params[kv.key()] = kv.value();
      }
    }
    for (const auto& group : GroupsOrAll(groups_)) {
      json::object op{{"OP_ID", connect_ ? "OP_NETWORK_CONNECT" : "OP_NETWORK_DISCONNECT"},
                      {"group_name", group},
                      {"network_name", network_}};
      if (connect_) {
        op["network_mode"] = params.at("mode");
        op["network_link"] = params.at("link");
        op["network_vlan"] = params.at("vlan");
        op["conflicts_check"] = conflicts_check_;
      }
      SendJob(job_, {op});
    }
    return kExitSuccess;
  }

 private:
  bool connect_;
  std::string network_, nicparams_;
  std::vector<std::string> groups_;
  bool conflicts_check_ = true;
  JobOptions job_;
};

class ConnectCommand : public ConnectNetwork {
 public:
  ConnectCommand() : ConnectNetwork(true) {}
};
class DisconnectCommand : public ConnectNetwork {
 public:
  DisconnectCommand() : ConnectNetwork(false) {}
};

class ListNetworks : public Command {
 public:
  void Declare(CLI::App& app) override {
    AddListOptions(&app, list_);
    app.add_option("networks", names_, "Networks (default: all)");
  }
  int Run() override {
    list_.format_override["group_list"] = [](const json::value& v) {
      std::string out;
      for (const auto& g : v.as_array()) {
        const auto& a = g.as_array();
        out += (out.empty() ? "" : ", ") + PythonStr(a[0]) + " (" + PythonStr(a[1]) + ", " +
               PythonStr(a[2]) + ", " + PythonStr(a[3]) + ")";
      }
      return out;
    };
    auto joined = [](const json::value& v) {
      std::string out;
      for (const auto& x : v.as_array()) out += (out.empty() ? "" : ",") + PythonStr(x);
      return out;
    };
    list_.format_override["inst_list"] = joined;
    list_.format_override["tags"] = joined;
    return GenericList("network", names_,
                       {"name", "network", "gateway", "mac_prefix", "group_list", "tags"}, list_);
  }

 private:
  ListOptions list_;
  std::vector<std::string> names_;
};

// Ganeti's ShowNetworkConfig.
class ShowNetwork : public Command {
 public:
  void Declare(CLI::App& app) override { app.add_option("networks", names_, "Networks"); }
  int Run() override {
    const std::vector<std::string> fields{
        "name",      "network",    "gateway",    "network6",
        "gateway6",  "mac_prefix", "free_count", "reserved_count",
        "map",       "group_list", "inst_list",  "external_reservations",
        "serial_no", "uuid"};
    for (const auto& r : QueryValues("network", fields, names_)) {
      const int64_t free_count = r[6].to_number<int64_t>();
      const int64_t size = free_count + r[7].to_number<int64_t>();
      const std::string uuid(r[13].as_string());
      std::cout << "Network name: " << PythonStr(r[0]) << "\n"
                << "UUID: " << uuid << "\n"
                << "Serial number: " << PythonStr(r[12]) << "\n"
                << "  Subnet: " << PythonStr(r[1]) << "\n"
                << "  Gateway: " << PythonStr(r[2]) << "\n"
                << "  IPv6 Subnet: " << PythonStr(r[3]) << "\n"
                << "  IPv6 Gateway: " << PythonStr(r[4]) << "\n"
                << "  Mac Prefix: " << PythonStr(r[5]) << "\n"
                << "  Size: " << size << "\n";
      char percent[32];
      std::snprintf(percent, sizeof(percent), "%.2f", 100.0 * free_count / size);
      std::cout << "  Free: " << free_count << " (" << percent << "%)\n"
                << "  Usage map:\n";
      const std::string map(r[8].as_string());
      for (size_t idx = 0; idx < map.size(); idx += 64) {
        std::string line = map.substr(idx, 64);
        line.resize(64, ' ');
        char index[16];
        std::snprintf(index, sizeof(index), "%4zu", idx);
        std::cout << "     " << index << " " << line << " " << idx + 63 << "\n";
      }
      std::cout << "         (X) used    (.) free\n";
      const std::string external(r[11].as_string());
      if (!external.empty()) {
        std::cout << "  externally reserved IPs:\n";
        for (const auto& line : Wrapped(external, 64)) std::cout << "    " << line << "\n";
      }
      if (!r[9].as_array().empty()) {
        std::cout << "  connected to node groups:\n";
        for (const auto& g : r[9].as_array()) {
          const auto& a = g.as_array();
          std::cout << "    " << PythonStr(a[0]) << " (mode:" << PythonStr(a[1])
                    << " link:" << PythonStr(a[2]) << " vlan:" << PythonStr(a[3]) << ")\n";
        }
      } else {
        std::cout << "  not connected to any node group\n";
      }
      if (!r[10].as_array().empty()) {
        std::cout << "  used by " << r[10].as_array().size() << " instances:\n";
        for (const auto& name : r[10].as_array()) {
          const auto nics =
              QueryValues("instance", {"nic.ips", "nic.networks"}, {std::string(name.as_string())});
          std::string used;
          if (!nics.empty()) {
            const auto& ips = nics[0][0].as_array();
            const auto& nets = nics[0][1].as_array();
            for (size_t i = 0; i < ips.size() && i < nets.size(); ++i) {
              if (nets[i] != json::value(uuid)) continue;
              used += (used.empty() ? "" : ", ") + std::to_string(i) + ":" + PythonStr(ips[i]);
            }
          }
          std::cout << "    " << PythonStr(name) << ": " << used << "\n";
        }
      } else {
        std::cout << "  not used by any instances\n";
      }
    }
    return kExitSuccess;
  }

 private:
  // Python's textwrap.wrap at `width`, breaking at spaces.
  static std::vector<std::string> Wrapped(const std::string& text, size_t width) {
    std::vector<std::string> lines;
    std::stringstream in(text);
    std::string word, line;
    while (in >> word) {
      if (!line.empty() && line.size() + 1 + word.size() > width) {
        lines.push_back(line);
        line.clear();
      }
      line += (line.empty() ? "" : " ") + word;
    }
    if (!line.empty()) lines.push_back(line);
    return lines;
  }

  std::vector<std::string> names_;
};

}  // namespace

int main(int argc, char** argv) {
  std::vector<CommandEntry> commands{
      Entry<AddNetwork>("add", "Add a new IP network to the cluster"),
      Entry<ListNetworks>("list", "Lists the IP networks in the cluster"),
      ListFieldsEntry("network", "Lists all available fields for networks"),
      Entry<ShowNetwork>("info", "Show information about the network(s)"),
      Entry<ModifyNetwork>("modify", "Alters the parameters of a network"),
      Entry<ConnectCommand>("connect", "Map a given network to the specified node group"),
      Entry<DisconnectCommand>("disconnect", "Unmap a given network from a specified node group"),
      Entry<RemoveNetwork>("remove", "Remove an (empty) network from the cluster"),
  };
  for (auto& entry : TagCommands("network", "network")) commands.push_back(std::move(entry));
  return RunProgram(argc, argv, "gnt-network", "IP network administration (Herd)", commands);
}
