#include "htools/iallocator_answer.h"

#include "base/json.h"

namespace herd::htools {
namespace {

constexpr int64_t kDefaultShutdownTimeout = 120;  // seconds, Ganeti's default

json::array StringArray(const std::vector<std::string>& items) {
  json::array out;
  for (const auto& s : items) out.emplace_back(s);
  return out;
}

// Keys in the order of Ganeti's opcode definitions; unset optional fields are left out.
json::object OpcodeJson(const JobOpcode& op) {
  json::object o;
  switch (op.kind) {
    case JobOpcode::Kind::kMigrate:
      o["OP_ID"] = "OP_INSTANCE_MIGRATE";
      o["instance_name"] = op.instance;
      if (op.node) o["target_node"] = *op.node;
      o["allow_runtime_changes"] = false;
      o["ignore_ipolicy"] = false;
      o["cleanup"] = false;
      o["allow_failover"] = true;
      o["ignore_hvversions"] = true;
      break;
    case JobOpcode::Kind::kFailover:
      o["OP_ID"] = "OP_INSTANCE_FAILOVER";
      o["instance_name"] = op.instance;
      o["shutdown_timeout"] = kDefaultShutdownTimeout;
      o["ignore_consistency"] = false;
      if (op.node) o["target_node"] = *op.node;
      o["ignore_ipolicy"] = false;
      o["cleanup"] = false;
      break;
    case JobOpcode::Kind::kReplaceNewSecondary:
      o["OP_ID"] = "OP_INSTANCE_REPLACE_DISKS";
      o["instance_name"] = op.instance;
      o["early_release"] = false;
      o["ignore_ipolicy"] = false;
      o["mode"] = "replace_new_secondary";
      o["disks"] = json::array();
      if (op.node) o["remote_node"] = *op.node;
      break;
  }
  return o;
}

std::string Answer(bool success, const std::string& info, json::value result) {
  json::object o;
  o["success"] = success;
  o["info"] = (success ? "Request successful: " : "Request failed: ") + info;
  o["result"] = std::move(result);
  return SerializeJson(o);
}

}  // namespace

JobOpcode FailoverStep(const std::string& instance, bool forthcoming,
                       std::optional<std::string> target_node) {
  return JobOpcode{forthcoming ? JobOpcode::Kind::kFailover : JobOpcode::Kind::kMigrate, instance,
                   std::move(target_node)};
}

JobOpcode ReplaceSecondaryStep(const std::string& instance, const std::string& new_secondary) {
  return JobOpcode{JobOpcode::Kind::kReplaceNewSecondary, instance, new_secondary};
}

std::string SerializeJobOpcode(const JobOpcode& opcode) {
  return SerializeJson(OpcodeJson(opcode));
}

std::string FormatAllocateAnswer(const std::vector<std::string>& nodes, const std::string& info) {
  return Answer(true, info, StringArray(nodes));
}

std::string FormatRelocateAnswer(const std::vector<std::string>& nodes) {
  return Answer(true, "success", StringArray(nodes));
}

std::string FormatAllocateSecondaryAnswer(const std::string& node, const std::string& info) {
  return Answer(true, info, json::value(node));
}

std::string FormatEvacuationAnswer(const EvacuationResult& result) {
  json::array moved, failed, jobs;
  for (const auto& m : result.moved) {
    moved.emplace_back(
        json::array{json::value(m.instance), json::value(m.group), StringArray(m.nodes)});
  }
  for (const auto& f : result.failed) {
    failed.emplace_back(json::array{json::value(f.instance), json::value(f.reason)});
  }
  for (const auto& job : result.jobs) {
    json::array ops;
    for (const auto& op : job) ops.emplace_back(OpcodeJson(op));
    jobs.emplace_back(std::move(ops));
  }
  const std::string info = std::to_string(result.failed.size()) + " instances failed to move and " +
                           std::to_string(result.moved.size()) + " were moved successfully";
  return Answer(true, info, json::array{std::move(moved), std::move(failed), std::move(jobs)});
}

std::string FormatMultiAllocateAnswer(const MultiAllocateResult& result) {
  json::array allocated;
  for (const auto& [instance, nodes] : result.allocated) {
    allocated.emplace_back(json::array{json::value(instance), StringArray(nodes)});
  }
  const std::string info = std::to_string(result.failed.size()) +
                           " instances failed to allocate and " +
                           std::to_string(result.allocated.size()) + " were allocated successfully";
  json::array failed;
  if (result.failure_reasons.size() == result.failed.size() && !result.failed.empty()) {
    for (size_t i = 0; i < result.failed.size(); ++i) {
      failed.emplace_back(
          json::array{json::value(result.failed[i]), json::value(result.failure_reasons[i])});
    }
  } else {
    failed = StringArray(result.failed);
  }
  return Answer(true, info, json::array{std::move(allocated), std::move(failed)});
}

std::string FormatFailureAnswer(const std::string& reason) {
  return Answer(false, reason, json::array());
}

}  // namespace herd::htools
