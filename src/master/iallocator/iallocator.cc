#include "master/iallocator/iallocator.h"

#include <spdlog/spdlog.h>

#include "base/errors.h"
#include "base/json.h"
#include "objects/config_data.h"

namespace herd::master::iallocator {
std::string Run(const Allocator& allocator, const objects::ConfigData& config,
                const NodeLiveData& live, const Request& request) {
  const json::value input = BuildRequestDocument(config, live, request);
  spdlog::debug("Running iallocator '{}' for a {} request", allocator.name, ModeName(request));
  return RunAllocatorScript(allocator, input, ParamsFor(config, allocator, request));
}

namespace {

[[noreturn]] void NoSolution(const std::string& what, const Allocator& allocator,
                             const std::string& info, const char* ecode = kEcodeNoRes) {
  throw OpPrereqError(
      "Can't compute " + what + " using iallocator '" + allocator.name + "': " + info, ecode);
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

// The logical unit turns names into nodes next; a name it cannot resolve is
// the allocator's fault and is reported as such.
void CheckKnownNodes(const objects::ConfigData& config, const Allocator& allocator,
                     const std::vector<std::string>& nodes) {
  for (const auto& name : nodes) {
    if (!config.FindNodeByName(name)) {
      throw GanetiError("ResultValidationError", {"iallocator '" + allocator.name +
                                                  "' returned unknown node '" + name + "'"});
    }
  }
}

// node-evacuate and change-group share their answer; `what` names the failure.
EvacuationResult Evacuation(const Allocator& allocator, const objects::ConfigData& config,
                            const NodeLiveData& live, const Request& request,
                            const std::string& what) {
  const std::string output = Run(allocator, config, live, request);
  auto answer = ParseEvacuationAnswer(output, allocator.name);
  if (!answer.success) NoSolution(what, allocator, answer.info);
  return std::move(answer.result);
}

}  // namespace

AllocatorParams ParamsFor(const objects::ConfigData& config, const Allocator& allocator,
                          const Request& request) {
  AllocatorParams params;
  for (const auto& kv : config.cluster.default_iallocator_params) {
    const json::value& v = kv.value();
    if (v.is_null()) {
      params[std::string(kv.key())] = std::nullopt;
    } else {
      params[std::string(kv.key())] =
          v.is_string() ? std::string(v.get_string()) : SerializeJson(v);
    }
  }
  if (const auto* evac = std::get_if<NodeEvacuateRequest>(&request);
      evac && evac->ignore_soft_errors) {
    params["ignore-soft-errors"] = std::nullopt;
  }
  for (const auto& [key, value] : allocator.params) params[key] = value;
  return params;
}

std::vector<std::string> Allocate(const Allocator& allocator, const objects::ConfigData& config,
                                  const NodeLiveData& live, const AllocateRequest& request) {
  return AllocateAnswer(allocator, config, request, Run(allocator, config, live, request));
}

std::vector<std::string> AllocateAnswer(const Allocator& allocator,
                                        const objects::ConfigData& config,
                                        const AllocateRequest& request, const std::string& output) {
  auto answer =
      ParseNodesAnswer(output, allocator.name, static_cast<size_t>(RequiredNodes(request)));
  if (!answer.success) {
    NoSolution("nodes", allocator, answer.info,
               request.opportunistic_locking ? kEcodeTempNoRes : kEcodeNoRes);
  }
  CheckKnownNodes(config, allocator, answer.result);
  return std::move(answer.result);
}

std::vector<std::string> Relocate(const Allocator& allocator, const objects::ConfigData& config,
                                  const NodeLiveData& live, const RelocateRequest& request) {
  const std::string output = Run(allocator, config, live, request);
  auto answer = ParseNodesAnswer(output, allocator.name, 1);
  if (!answer.success) NoSolution("nodes", allocator, answer.info);
  CheckKnownNodes(config, allocator, answer.result);
  CheckRelocationGroups(config, request, answer.result, allocator.name);
  return std::move(answer.result);
}

EvacuationResult NodeEvacuate(const Allocator& allocator, const objects::ConfigData& config,
                              const NodeLiveData& live, const NodeEvacuateRequest& request) {
  return Evacuation(allocator, config, live, request, "node evacuation");
}

EvacuationResult ChangeGroup(const Allocator& allocator, const objects::ConfigData& config,
                             const NodeLiveData& live, const ChangeGroupRequest& request) {
  return Evacuation(allocator, config, live, request,
                    "solution for changing group of instance(s) '" + Join(request.instances) + "'");
}

MultiAllocateResult MultiAllocate(const Allocator& allocator, const objects::ConfigData& config,
                                  const NodeLiveData& live, const MultiAllocateRequest& request) {
  const std::string output = Run(allocator, config, live, request);
  auto answer = ParseMultiAllocateAnswer(output, allocator.name);
  if (!answer.success) NoSolution("nodes", allocator, answer.info);
  for (const auto& [name, nodes] : answer.result.allocated)
    CheckKnownNodes(config, allocator, nodes);
  return std::move(answer.result);
}

}  // namespace herd::master::iallocator
