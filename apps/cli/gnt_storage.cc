// gnt-storage: ExtStorage providers (diagnose, info), from OP_EXT_STORAGE_DIAGNOSE.
#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <iostream>

#include "cli/command.h"
#include "cli/jobs.h"
#include "common_options.h"
#include "program.h"

using namespace herd;
using namespace herd::cli;
namespace json = boost::json;

namespace {

json::array Providers(const std::vector<std::string>& fields) {
  const json::value result =
      SubmitAndWait(json::array{json::object{{"OP_ID", "OP_EXT_STORAGE_DIAGNOSE"},
                                             {"output_fields", StringArray(fields)},
                                             {"names", json::array{}}}},
                    false);
  return result.as_array().at(0).as_array();
}

// Valid (true) or not for each node group of a provider.
void PrintGroups(const json::object& groups) {
  for (const auto& [group, valid] : groups) {
    std::cout << "    " << std::string(group) << ": "
              << (valid.is_bool() && valid.get_bool() ? "valid" : "invalid") << "\n";
  }
}

class DiagnoseExtStorage : public Command {
 public:
  void Declare(CLI::App&) override {}
  int Run() override {
    const json::array providers = Providers({"name", "node_status", "nodegroup_status"});
    // As Ganeti's client: an empty answer (no provider on any node) is a failure.
    if (providers.empty()) {
      std::cerr << "Can't get the list of ExtStorage providers\n";
      return kExitFailure;
    }
    for (const auto& provider : providers) {
      const auto& row = provider.as_array();
      std::cout << "Provider: " << ValueText(row[0]) << "\n  Node groups:\n";
      PrintGroups(row[2].as_object());
      std::cout << "\n";
    }
    return kExitSuccess;
  }
};

class ShowExtStorageInfo : public Command {
 public:
  void Declare(CLI::App& app) override {
    app.add_option("providers", names_, "ExtStorage providers (default: all)");
  }
  int Run() override {
    const json::array providers = Providers({"name", "nodegroup_status", "parameters"});
    if (providers.empty()) {
      std::cerr << "Can't get the ExtStorage providers list\n";
      return kExitFailure;
    }
    for (const auto& provider : providers) {
      const auto& row = provider.as_array();
      std::cout << ValueText(row[0]) << ":\n";
      PrintGroups(row[1].as_object());
      std::cout << "\n";
    }
    return kExitSuccess;
  }

 private:
  std::vector<std::string> names_;
};

}  // namespace

int main(int argc, char** argv) {
  return RunProgram(argc, argv, "gnt-storage", "Storage administration (Herd)",
                    {
                        Entry<DiagnoseExtStorage>("diagnose", "Diagnose all ExtStorage providers"),
                        Entry<ShowExtStorageInfo>("info", "Show info about ExtStorage providers"),
                    });
}
