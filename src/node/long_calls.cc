#include "node/long_calls.h"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "node/hooks_runner.h"
#include "node/os/os_scripts.h"
#include "rpc/procedures.h"

namespace herd {
namespace {

namespace procedures = rpc::procedures;

// Procedures that run long only with some arguments.
bool ArgumentsDecide(std::string_view procedure) {
  return procedure == procedures::kHooksRunner.name ||
         procedure == procedures::kHerdHooksRunnerBatch.name ||
         procedure == procedures::kOsValidate.name || procedure == procedures::kHerdBatch.name;
}

}  // namespace

bool CallRunsLong(const Paths& paths, std::string_view procedure, const boost::json::value& args) {
  if (procedure == procedures::kHooksRunner.name) return HooksCallRunsScripts(paths, args);
  if (procedure == procedures::kHerdHooksRunnerBatch.name) {
    return HooksBatchRunsScripts(paths, args);
  }
  if (procedure == procedures::kOsValidate.name) return OsValidateRunsScript(args);
  if (procedure == procedures::kHerdBatch.name) {
    // [[[procedure, arguments], ...]]: long if any of its calls is.
    const auto* list = args.if_array();
    const auto* calls = list && !list->empty() ? (*list)[0].if_array() : nullptr;
    if (!calls) return false;  // refused at once
    for (const auto& call : *calls) {
      const auto* pair = call.if_array();
      if (!pair || pair->size() != 2 || !(*pair)[0].is_string()) continue;
      const std::string_view name = (*pair)[0].get_string();
      if (name != procedures::kHerdBatch.name && CallRunsLong(paths, name, (*pair)[1])) {
        return true;
      }
    }
    return false;
  }
  return rpc::IsLongRunningProcedure(procedure);
}

bool RequestRunsLong(const Paths& paths, std::string_view target, const std::string& body) {
  if (!target.empty() && target.front() == '/') target.remove_prefix(1);
  if (!ArgumentsDecide(target)) return rpc::IsLongRunningProcedure(target);
  boost::system::error_code ec;
  const boost::json::value args = boost::json::parse(body, ec);
  return !ec && CallRunsLong(paths, target, args);
}

}  // namespace herd
