// Ganeti's HooksRunner: the scripts of one hooks directory, run in order.
#pragma once

#include <boost/json/array.hpp>
#include <map>
#include <string>

#include "base/paths.h"

namespace herd {

// Ganeti's hook result codes (HKR_*).
inline constexpr int kHookSkipped = 0;
inline constexpr int kHookFailed = 1;
inline constexpr int kHookSucceeded = 2;

// Runs the scripts of <hooks dir>/<hpath>-<phase>.d in byte-wise name order,
// each with exactly `env` and stdin from /dev/null (Ganeti's RunParts). Files
// whose name is not a plugin name or that are not executable are skipped.
// Returns Ganeti's [[ "<hpath>-<phase>.d/<name>", status, output ], ...];
// empty when the directory does not exist.
boost::json::array RunHooks(const Paths& paths, const std::string& hpath, const std::string& phase,
                            const std::map<std::string, std::string>& env);

// Whether a hooks_runner call (its argument list) would run any script: a
// call for an absent directory is answered at once, without a thread.
bool HooksCallRunsScripts(const Paths& paths, const boost::json::value& args);
// Whether <hooks dir>/<hpath>-<phase>.d has entries (false for a bad hpath).
bool HooksDirectoryHasScripts(const Paths& paths, const std::string& hpath,
                              const std::string& phase);
// The same for a herd_hooks_runner_batch call: whether any of its calls would.
bool HooksBatchRunsScripts(const Paths& paths, const boost::json::value& args);

}  // namespace herd
