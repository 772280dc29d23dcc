// Ganeti's OS interface on a node: OS definitions found on the OS search
// path, and their create / rename / verify scripts run in a clean
// environment of Ganeti's variables, with the output logged under the node's
// log directory and quoted in the error when a script fails. The export and
// import scripts are run by the import/export helper: this class gives it
// their command and environment.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "base/paths.h"
#include "rpc/instance_spec.h"

namespace herd {

struct OsDefinition {
  std::string name, path;
  bool valid = false;
  std::string diagnose;  // why it is not valid
  std::vector<std::string> variants;
  std::vector<std::pair<std::string, std::string>> parameters;  // name, documentation
  std::vector<int> api_versions;
  bool trusted = true;
};

// The OS API versions Herd speaks (Ganeti 3.0's).
const std::vector<int>& SupportedOsApiVersions();

// An OS script to run elsewhere: program, working directory (the OS's) and
// its whole environment.
struct OsScriptCommand {
  std::string program, cwd;
  std::map<std::string, std::string> env;
};

class OsScripts {
 public:
  explicit OsScripts(const Paths& paths) : paths_(paths) {}

  std::vector<std::string> SearchPath() const;
  // Every OS on the search path (the first of a name wins), valid or not.
  std::vector<OsDefinition> Diagnose() const;
  // The OS named `name` ("os" or "os+variant"); throws GenericError unless
  // it exists and is valid.
  OsDefinition Get(const std::string& name) const;
  // Checks the variant and the parameters of `name` (runs its verify script).
  void Validate(const std::string& name, const boost::json::object& osparams) const;
  void RunCreate(const rpc::InstanceSpec& instance, bool reinstall, int debug_level) const;
  void RunRename(const rpc::InstanceSpec& instance, const std::string& old_name,
                 int debug_level) const;
  // The OS `export` (`is_export`) or `import` script for the instance's disk
  // `disk_index`, whose local file is `device`: the common variables plus
  // EXPORT_DEVICE/EXPORT_DISK_PATH/EXPORT_INDEX or
  // IMPORT_DEVICE/IMPORT_DISK_PATH/IMPORT_INDEX. Disk paths in `instance`
  // must be local already.
  OsScriptCommand TransferScript(const rpc::InstanceSpec& instance, bool is_export, int disk_index,
                                 const std::string& device, int debug_level) const;

 private:
  OsDefinition Load(const std::string& name, const std::string& dir) const;
  // Ganeti's OSEnvironment: what every script of `os` sees for `instance`.
  std::map<std::string, std::string> Environment(const rpc::InstanceSpec& instance,
                                                 const OsDefinition& os, int debug_level) const;
  // Runs `script` of the instance's OS; on failure throws with the log's tail.
  void Run(const rpc::InstanceSpec& instance, const std::string& script, const std::string& action,
           std::map<std::string, std::string> extra_env, int debug_level) const;

  Paths paths_;
};

// Whether an os_validate call (its argument list) may run the verify
// script: only one with OS parameters does.
bool OsValidateRunsScript(const boost::json::value& args);

}  // namespace herd
