#include "node/os/os_scripts.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <sstream>

#include "base/errors.h"
#include "base/files.h"
#include "base/json.h"
#include "base/process.h"

namespace herd {
namespace {

const std::vector<std::string> kScripts{"create", "export", "import", "rename"};
constexpr const char* kVerifyScript = "verify";
constexpr int kScriptTimeoutSeconds = 1800;

std::vector<std::string> NonCommentLines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    auto b = line.find_first_not_of(" \t\r");
    if (b == std::string::npos || line[b] == '#') continue;
    auto e = line.find_last_not_of(" \t\r");
    out.push_back(line.substr(b, e - b + 1));
  }
  return out;
}

std::pair<std::string, std::string> SplitVariant(const std::string& name) {
  auto plus = name.find('+');
  if (plus == std::string::npos) return {name, ""};
  return {name.substr(0, plus), name.substr(plus + 1)};
}

std::string Upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string ParamText(const json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  if (v.is_bool()) return v.get_bool() ? "True" : "False";
  if (v.is_null()) return "None";
  return SerializeJson(v);
}

std::string Tail(const std::string& text, size_t lines) {
  size_t pos = text.size();
  if (pos > 0 && text[pos - 1] == '\n') --pos;
  size_t count = 0;
  while (pos > 0) {
    if (text[pos - 1] == '\n' && ++count == lines) break;
    --pos;
  }
  std::string out = text.substr(pos);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

}  // namespace

const std::vector<int>& SupportedOsApiVersions() {
  static const std::vector<int> versions{10, 15, 20};
  return versions;
}

std::vector<std::string> OsScripts::SearchPath() const {
  return {paths_.OsSearchDir(), paths_.Prefixed("/usr/local/lib/ganeti/os"),
          paths_.Prefixed("/usr/lib/ganeti/os"), paths_.Prefixed("/usr/share/ganeti/os")};
}

OsDefinition OsScripts::Load(const std::string& name, const std::string& dir) const {
  OsDefinition os;
  os.name = name;
  os.path = dir;
  auto fail = [&](std::string why) {
    os.valid = false;
    os.diagnose = std::move(why);
    return os;
  };
  std::string version_file = dir + "/ganeti_api_version";
  if (!FileExists(version_file)) {
    return fail("'ganeti_api_version' file not found under path " + dir);
  }
  for (const auto& line : NonCommentLines(ReadFile(version_file))) {
    try {
      os.api_versions.push_back(std::stoi(line));
    } catch (const std::exception&) {
      return fail("API version in " + version_file + " is not a number: '" + line + "'");
    }
  }
  const auto& supported = SupportedOsApiVersions();
  bool compatible = std::any_of(os.api_versions.begin(), os.api_versions.end(), [&](int v) {
    return std::find(supported.begin(), supported.end(), v) != supported.end();
  });
  if (!compatible) {
    std::string found;
    for (int v : os.api_versions) found += (found.empty() ? "" : ", ") + std::to_string(v);
    return fail("API version mismatch for path '" + dir + "': found [" + found +
                "], want [10, 15, 20].");
  }
  const int api = *std::max_element(os.api_versions.begin(), os.api_versions.end());
  for (const auto& script : kScripts) {
    if (!IsExecutableFile(dir + "/" + script)) {
      return fail("File '" + script + "' under path '" + dir +
                  "' is missing or not an executable regular file");
    }
  }
  if (api >= 20 && !IsExecutableFile(dir + "/" + kVerifyScript)) {
    return fail("File 'verify' under path '" + dir + "' is missing or not executable");
  }
  if (api >= 15 && FileExists(dir + "/variants.list")) {
    os.variants = NonCommentLines(ReadFile(dir + "/variants.list"));
  }
  if (api >= 20 && FileExists(dir + "/parameters.list")) {
    for (const auto& line : NonCommentLines(ReadFile(dir + "/parameters.list"))) {
      auto space = line.find_first_of(" \t");
      std::string pname = line.substr(0, space);
      std::string doc = space == std::string::npos ? "" : line.substr(space + 1);
      doc.erase(0, doc.find_first_not_of(" \t"));
      os.parameters.emplace_back(pname, doc);
    }
  }
  os.valid = true;
  return os;
}

std::vector<OsDefinition> OsScripts::Diagnose() const {
  std::vector<OsDefinition> out;
  std::vector<std::string> seen;
  for (const auto& dir : SearchPath()) {
    if (!FileExists(dir)) continue;
    auto names = ListDirectory(dir);
    std::sort(names.begin(), names.end());
    for (const auto& name : names) {
      if (name.empty() || name[0] == '.') continue;
      if (std::find(seen.begin(), seen.end(), name) != seen.end()) continue;
      seen.push_back(name);
      out.push_back(Load(name, dir + "/" + name));
    }
  }
  return out;
}

OsDefinition OsScripts::Get(const std::string& full_name) const {
  auto [name, variant] = SplitVariant(full_name);
  for (const auto& dir : SearchPath()) {
    if (FileExists(dir + "/" + name)) {
      OsDefinition os = Load(name, dir + "/" + name);
      if (!os.valid) throw GenericError("Invalid OS " + name + ": " + os.diagnose);
      return os;
    }
  }
  throw GenericError("OS '" + name + "' not found in the search path on node " + paths_.hostname());
}

void OsScripts::Validate(const std::string& full_name, const json::object& osparams) const {
  OsDefinition os = Get(full_name);
  auto [name, variant] = SplitVariant(full_name);
  if (os.variants.empty()) {
    if (!variant.empty()) {
      throw GenericError("OS '" + name + "' does not support variants ('" + variant + "' passed)");
    }
  } else if (variant.empty()) {
    throw GenericError("OS name '" + full_name + "' must include a variant");
  } else if (std::find(os.variants.begin(), os.variants.end(), variant) == os.variants.end()) {
    throw GenericError("OS '" + name + "' does not support variant '" + variant + "'");
  }
  std::vector<std::string> unknown;
  for (const auto& kv : osparams) {
    bool known = std::any_of(os.parameters.begin(), os.parameters.end(),
                             [&](const auto& p) { return p.first == kv.key(); });
    if (!known) unknown.emplace_back(kv.key());
  }
  if (!unknown.empty()) {
    std::string list;
    for (const auto& u : unknown) list += (list.empty() ? "" : ", ") + u;
    throw GenericError("OS " + name + " does not support the parameters: " + list);
  }
  if (osparams.empty() || !IsExecutableFile(os.path + "/" + kVerifyScript)) return;
  std::map<std::string, std::string> env{
      {"OS_API_VERSION", "20"}, {"OS_NAME", name}, {"OS_VARIANT", variant}};
  for (const auto& kv : osparams)
    env["OSP_" + Upper(std::string(kv.key()))] = ParamText(kv.value());
  auto result =
      RunCommandInCleanEnvironment({os.path + "/" + kVerifyScript, "parameters"}, env, os.path, 60);
  if (result.failed()) {
    throw GenericError("OS Parameters validation failed on node " + paths_.hostname() + ": " +
                       Tail(result.output, 20));
  }
}

std::map<std::string, std::string> OsScripts::Environment(const rpc::InstanceSpec& inst,
                                                          const OsDefinition& os,
                                                          int debug_level) const {
  std::map<std::string, std::string> env;
  auto [name, variant] = SplitVariant(inst.os);
  if (variant.empty() && !os.variants.empty()) variant = os.variants.front();
  int api = *std::max_element(os.api_versions.begin(), os.api_versions.end());
  env["OS_API_VERSION"] = std::to_string(api);
  env["INSTANCE_NAME"] = inst.name;
  env["INSTANCE_OS"] = name;
  env["OS_NAME"] = name;
  if (api >= 15) env["OS_VARIANT"] = variant;
  env["HYPERVISOR"] = inst.hypervisor;
  env["DEBUG_LEVEL"] = std::to_string(debug_level);
  env["DISK_COUNT"] = std::to_string(inst.disks.size());
  // The caller has mapped disk paths to this node's local files.
  for (size_t i = 0; i < inst.disks.size(); ++i) {
    const auto& d = inst.disks[i];
    std::string p = "DISK_" + std::to_string(i) + "_";
    env[p + "PATH"] = d.path;
    env[p + "ACCESS"] = d.mode;
    env[p + "UUID"] = d.uuid;
    env[p + "SIZE"] = std::to_string(d.size_mib);
    env[p + "BACKEND_TYPE"] = "file:" + d.driver;
    if (!d.name.empty()) env[p + "NAME"] = d.name;
  }
  env["NIC_COUNT"] = std::to_string(inst.nics.size());
  for (size_t i = 0; i < inst.nics.size(); ++i) {
    const auto& n = inst.nics[i];
    std::string p = "NIC_" + std::to_string(i) + "_";
    env[p + "MAC"] = n.mac;
    env[p + "UUID"] = n.uuid;
    if (!n.ip.empty()) env[p + "IP"] = n.ip;
    if (!n.name.empty()) env[p + "NAME"] = n.name;
    env[p + "MODE"] = n.mode;
    env[p + "LINK"] = n.link;
    if (n.mode == "bridged") env[p + "BRIDGE"] = n.link;
  }
  for (const auto& kv : inst.osparams) {
    env["OSP_" + Upper(std::string(kv.key()))] = ParamText(kv.value());
  }
  for (const auto& kv : inst.beparams) {
    env["INSTANCE_BE_" + std::string(kv.key())] = ParamText(kv.value());
  }
  for (const auto& kv : inst.hvparams) {
    env["INSTANCE_HV_" + std::string(kv.key())] = ParamText(kv.value());
  }
  return env;
}

OsScriptCommand OsScripts::TransferScript(const rpc::InstanceSpec& inst, bool is_export,
                                          int disk_index, const std::string& device,
                                          int debug_level) const {
  OsDefinition os = Get(inst.os);
  OsScriptCommand command;
  command.program = os.path + (is_export ? "/export" : "/import");
  command.cwd = os.path;
  command.env = Environment(inst, os, debug_level);
  const std::string prefix = is_export ? "EXPORT_" : "IMPORT_";
  command.env[prefix + "DEVICE"] = device;
  command.env[prefix + "DISK_PATH"] = device;
  command.env[prefix + "INDEX"] = std::to_string(disk_index);
  return command;
}

void OsScripts::Run(const rpc::InstanceSpec& inst, const std::string& script,
                    const std::string& action, std::map<std::string, std::string> extra_env,
                    int debug_level) const {
  OsDefinition os = Get(inst.os);
  const std::string name = SplitVariant(inst.os).first;
  std::map<std::string, std::string> env = Environment(inst, os, debug_level);
  env.merge(extra_env);  // the common variables win, as before

  std::string log_dir = paths_.LogDir() + "/os";
  MakeDirs(log_dir, 0750);
  auto stamp = std::chrono::duration_cast<std::chrono::microseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
  std::string log_file =
      log_dir + "/" + action + "-" + name + "-" + inst.name + "-" + std::to_string(stamp) + ".log";
  auto result =
      RunCommandInCleanEnvironment({os.path + "/" + script}, env, os.path, kScriptTimeoutSeconds);
  WriteFileAtomic(log_file, result.output, 0640);
  if (result.failed()) {
    std::string reason = result.exit_code < 0
                             ? "killed or could not run"
                             : "exited with exit code " + std::to_string(result.exit_code);
    throw GenericError("OS " + script + " script failed (" + reason +
                       "), last lines in the log file:\n" + Tail(result.output, 20));
  }
}

void OsScripts::RunCreate(const rpc::InstanceSpec& instance, bool reinstall,
                          int debug_level) const {
  std::map<std::string, std::string> env;
  if (reinstall) env["INSTANCE_REINSTALL"] = "1";
  Run(instance, "create", "add", env, debug_level);
}

void OsScripts::RunRename(const rpc::InstanceSpec& instance, const std::string& old_name,
                          int debug_level) const {
  Run(instance, "rename", "rename", {{"OLD_INSTANCE_NAME", old_name}}, debug_level);
}

bool OsValidateRunsScript(const json::value& args) {
  const auto* list = args.if_array();
  if (!list || list->size() < 2) return false;
  const auto* params = (*list)[1].if_object();
  return params && !params->empty();
}

}  // namespace herd
