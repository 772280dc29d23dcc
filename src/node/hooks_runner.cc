#include "node/hooks_runner.h"

#include <algorithm>
#include <vector>

#include "base/errors.h"
#include "base/files.h"
#include "base/process.h"

namespace herd {
namespace {

// Ganeti gives hooks no timeout of their own; the RPC's normal class (15
// minutes) bounds them, and so does this.
constexpr int kHookTimeoutSeconds = 15 * 60;

std::string Stripped(const std::string& text) {
  const auto begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return "";
  const auto end = text.find_last_not_of(" \t\r\n");
  return text.substr(begin, end - begin + 1);
}

std::string HooksSubdir(const std::string& hpath, const std::string& phase) {
  return hpath + "-" + phase + ".d";
}

}  // namespace

bool HooksDirectoryHasScripts(const Paths& paths, const std::string& hpath,
                              const std::string& phase) {
  return IsPluginName(hpath) &&
         !ListDirectory(paths.HooksDir() + "/" + HooksSubdir(hpath, phase)).empty();
}

bool HooksCallRunsScripts(const Paths& paths, const boost::json::value& args) {
  const auto* list = args.if_array();
  if (!list || list->size() < 2 || !(*list)[0].is_string() || !(*list)[1].is_string()) {
    return false;  // answered (with its error) at once
  }
  return HooksDirectoryHasScripts(paths, std::string((*list)[0].get_string()),
                                  std::string((*list)[1].get_string()));
}

bool HooksBatchRunsScripts(const Paths& paths, const boost::json::value& args) {
  const auto* list = args.if_array();
  if (!list || list->size() < 2 || !(*list)[1].is_array()) return false;
  for (const auto& call : (*list)[1].get_array()) {
    if (HooksCallRunsScripts(paths, call)) return true;
  }
  return false;
}

boost::json::array RunHooks(const Paths& paths, const std::string& hpath, const std::string& phase,
                            const std::map<std::string, std::string>& env) {
  if (phase != "pre" && phase != "post") {
    throw GenericError("Unknown hooks phase '" + phase + "'");
  }
  if (!IsPluginName(hpath)) throw GenericError("Invalid hooks path '" + hpath + "'");
  const std::string subdir = HooksSubdir(hpath, phase);
  const std::string dir = paths.HooksDir() + "/" + subdir;
  std::vector<std::string> names = ListDirectory(dir);  // none when absent
  std::sort(names.begin(), names.end());
  boost::json::array results;
  for (const auto& name : names) {
    const std::string script = dir + "/" + name;
    const std::string shown = subdir + "/" + name;
    if (!IsPluginName(name) || !IsExecutableFile(script)) {
      results.push_back(boost::json::array{shown, kHookSkipped, ""});
      continue;
    }
    CommandResult run;
    try {
      run = RunCommandInCleanEnvironment({script}, env, "/", kHookTimeoutSeconds);
    } catch (const GanetiError& e) {
      results.push_back(boost::json::array{
          shown, kHookFailed,
          "Hook script execution error: " + (e.args().empty() ? e.what() : e.args()[0])});
      continue;
    }
    results.push_back(boost::json::array{shown, run.failed() ? kHookFailed : kHookSucceeded,
                                         Stripped(run.output)});
  }
  return results;
}

}  // namespace herd
