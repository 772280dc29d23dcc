// gnt-os: OS definitions (OP_OS_DIAGNOSE, formatted as Ganeti's) and their
// cluster-wide parameters (modify).
#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <iostream>
#include <map>

#include "base/json.h"
#include "base/nice_sort.h"
#include "cli/command.h"
#include "cli/jobs.h"
#include "cli/key_values.h"
#include "common_options.h"
#include "program.h"

using namespace herd;
using namespace herd::cli;
namespace json = boost::json;

namespace {

json::array Diagnose(const std::vector<std::string>& fields) {
  json::array f;
  for (const auto& s : fields) f.push_back(json::value(s));
  json::value result = SubmitAndWait(
      json::array{json::object{
          {"OP_ID", "OP_OS_DIAGNOSE"}, {"output_fields", f}, {"names", json::array{}}}},
      false);
  return result.as_array().at(0).as_array();
}

std::string S(const json::value& v) {
  return v.is_string() ? std::string(v.get_string()) : SerializeJson(v);
}
std::string B(const json::value& v) { return v.is_bool() && v.get_bool() ? "True" : "False"; }

std::string Join(const json::array& a, bool first_of_pair = false) {
  std::string out;
  for (const auto& v : a) {
    out += (out.empty() ? "" : ", ") + (first_of_pair ? S(v.as_array()[0]) : S(v));
  }
  return out;
}

class ListOses : public Command {
 public:
  void Declare(CLI::App& app) override {
    app.add_flag("--no-headers", no_headers, "Don't display column headers");
  }
  int Run() override {
    if (!no_headers) std::cout << "Name\n";
    for (const auto& row : Diagnose({"name", "variants"})) {
      const auto& r = row.as_array();
      if (r[1].as_array().empty()) {
        std::cout << S(r[0]) << "\n";
      } else {
        for (const auto& v : r[1].as_array()) std::cout << S(r[0]) << "+" << S(v) << "\n";
      }
    }
    return kExitSuccess;
  }

 private:
  bool no_headers = false;
};

class ShowOsInfo : public Command {
 public:
  void Declare(CLI::App& app) override { app.add_option("os", names, "OS names (default: all)"); }
  int Run() override {
    int missing = 0;
    auto rows = Diagnose({"name", "valid", "variants", "parameters", "api_versions", "blacklisted",
                          "hidden", "trusted"});
    for (const auto& wanted : names) {
      bool found = false;
      for (const auto& row : rows) found = found || S(row.as_array()[0]) == wanted;
      if (!found) {
        std::cerr << "OS '" << wanted << "' not found on any node\n";
        ++missing;
      }
    }
    for (const auto& row : rows) {
      const auto& r = row.as_array();
      if (!names.empty() && std::find(names.begin(), names.end(), S(r[0])) == names.end()) {
        continue;
      }
      std::cout << S(r[0]) << ":\n"
                << "  - valid: " << B(r[1]) << "\n"
                << "  - hidden: " << B(r[6]) << "\n"
                << "  - blacklisted: " << B(r[5]) << "\n";
      if (r[1].as_bool()) {
        std::cout << "  - API versions:\n";
        for (const auto& v : r[4].as_array()) std::cout << "    - " << S(v) << "\n";
        std::cout << "  - variants:\n";
        for (const auto& v : r[2].as_array()) std::cout << "    - " << S(v) << "\n";
        std::cout << "  - parameters:\n";
        for (const auto& p : r[3].as_array()) {
          std::cout << "    - " << S(p.as_array()[0]) << ": " << S(p.as_array()[1]) << "\n";
        }
      }
      std::cout << "  - trusted: " << B(r[7]) << "\n\n";
    }
    return missing ? kExitFailure : kExitSuccess;
  }

 private:
  std::vector<std::string> names;
};

class DiagnoseOses : public Command {
 public:
  void Declare(CLI::App&) override {}
  int Run() override {
    bool has_bad = false;
    for (const auto& row :
         Diagnose({"name", "valid", "variants", "node_status", "hidden", "blacklisted"})) {
      const auto& r = row.as_array();
      std::map<std::string, std::string> good, bad;
      for (const auto& kv : r[3].as_object()) {
        const auto& entries = kv.value().as_array();
        if (entries.empty()) {
          bad[std::string(kv.key())] = "OS not found";
          continue;
        }
        const auto& e = entries[0].as_array();  // path, status, msg, variants, params, api, trusted
        std::string msg = (e[1].as_bool() ? std::string("valid") : "invalid - " + S(e[2])) +
                          " (path: " + S(e[0]) + ")";
        int max_api = 0;
        for (const auto& v : e[5].as_array()) max_api = std::max<int>(max_api, v.to_number<int>());
        msg += e[5].as_array().empty() ? " [no API versions declared]"
                                       : " [API versions: " + Join(e[5].as_array()) + "]";
        if (max_api >= 15) {
          msg += e[3].as_array().empty() ? " [no variants]"
                                         : " [variants: " + Join(e[3].as_array()) + "]";
        }
        if (max_api >= 20) {
          msg += e[4].as_array().empty() ? " [no parameters]"
                                         : " [parameters: " + Join(e[4].as_array(), true) + "]";
        }
        msg += e[6].as_bool() ? " [trusted]" : " [untrusted]";
        (e[1].as_bool() ? good : bad)[std::string(kv.key())] = msg;
      }
      std::string status = !good.empty() && bad.empty()   ? "valid"
                           : good.empty() && !bad.empty() ? "invalid"
                                                          : "partial valid";
      if (status != "valid") has_bad = true;
      std::cout << "OS: " << S(r[0]) << " [global status: " << status << "]"
                << (r[4].as_bool() ? " [hidden]" : "") << (r[5].as_bool() ? " [blacklisted]" : "")
                << "\n";
      if (!r[2].as_array().empty()) std::cout << "  Variants: [" << Join(r[2].as_array()) << "]\n";
      for (const auto* m : {&good, &bad}) {
        std::vector<std::string> nodes;
        for (const auto& [n, msg] : *m) nodes.push_back(n);
        std::sort(nodes.begin(), nodes.end(),
                  [](const auto& a, const auto& b) { return NiceLess(a, b); });
        for (const auto& n : nodes)
          std::cout << "  Node: " << n << ", status: " << m->at(n) << "\n";
      }
      std::cout << "\n";
    }
    return has_bad ? kExitFailure : kExitSuccess;
  }
};

class ModifyOs : public Command {
 public:
  void Declare(CLI::App& app) override {
    app.add_option("os", os_, "OS name")->required();
    app.add_option("-H,--hypervisor-parameters", hvparams_,
                   "OS-specific hypervisor parameters (hypervisor:key=value,...)")
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    app.add_option("-O,--os-parameters", osparams_, "OS parameters (key=value,...)");
    app.add_option("--os-parameters-private", osparams_private_,
                   "Private OS parameters (key=value,...)");
    app.add_option("--hidden", hidden_, "Sets the hidden flag on the OS (yes/no)");
    app.add_option("--blacklisted", blacklisted_, "Sets the blacklisted flag on the OS (yes/no)");
    AddSubmitOptions(app, job_);
  }
  int Run() override {
    json::object op{{"OP_ID", "OP_CLUSTER_SET_PARAMS"}};
    if (!hvparams_.empty()) op["os_hvp"] = json::object{{os_, NamedParams(hvparams_, "-H")}};
    if (!osparams_.empty()) op["osparams"] = json::object{{os_, ParseKeyValues(osparams_, "-O")}};
    if (!osparams_private_.empty()) {
      op["osparams_private_cluster"] =
          json::object{{os_, ParseKeyValues(osparams_private_, "--os-parameters-private")}};
    }
    auto flag = [&](const std::string& value, const char* option, const char* key) {
      if (value.empty()) return;
      op[key] = json::array{json::array{ParseYesNo(option, value) ? "add" : "remove", os_}};
    };
    flag(hidden_, "--hidden", "hidden_os");
    flag(blacklisted_, "--blacklisted", "blacklisted_os");
    if (op.size() == 1) {
      std::cerr << "At least one of OS parameters or hypervisor parameters must be passed\n";
      return kExitFailure;
    }
    SendJob(job_, json::array{op});
    return kExitSuccess;
  }

 private:
  std::string os_, osparams_, osparams_private_, hidden_, blacklisted_;
  std::vector<std::string> hvparams_;
  JobOptions job_;
};

}  // namespace

int main(int argc, char** argv) {
  return RunProgram(
      argc, argv, "gnt-os", "OS administration (Herd)",
      {
          Entry<ListOses>("list", "Lists all valid operating systems on the cluster"),
          Entry<DiagnoseOses>("diagnose", "Diagnose all operating systems"),
          Entry<ShowOsInfo>("info", "Show detailed information about operating systems", {"show"}),
          Entry<ModifyOs>("modify", "Modify the OS parameters"),
      });
}
