#include "master/jobs/op_summary.h"

#include <cmath>
#include <string_view>
#include <utility>

namespace herd::jobs {
namespace {

// OP_ID -> the field Ganeti puts in the summary (opSummaryVal in OpCodes.hs).
constexpr std::pair<std::string_view, std::string_view> kSummaryFields[] = {
    {"OP_CLUSTER_VERIFY_GROUP", "group_name"},
    {"OP_GROUP_VERIFY_DISKS", "group_name"},
    {"OP_CLUSTER_RENAME", "name"},
    {"OP_QUERY", "what"},
    {"OP_QUERY_FIELDS", "what"},
    {"OP_NODE_REMOVE", "node_name"},
    {"OP_NODE_ADD", "node_name"},
    {"OP_NODE_MODIFY_STORAGE", "node_name"},
    {"OP_REPAIR_NODE_STORAGE", "node_name"},
    {"OP_NODE_SET_PARAMS", "node_name"},
    {"OP_NODE_POWERCYCLE", "node_name"},
    {"OP_NODE_MIGRATE", "node_name"},
    {"OP_NODE_EVACUATE", "node_name"},
    {"OP_INSTANCE_CREATE", "instance_name"},
    {"OP_INSTANCE_REINSTALL", "instance_name"},
    {"OP_INSTANCE_REMOVE", "instance_name"},
    {"OP_INSTANCE_STARTUP", "instance_name"},
    {"OP_INSTANCE_SHUTDOWN", "instance_name"},
    {"OP_INSTANCE_REBOOT", "instance_name"},
    {"OP_INSTANCE_REPLACE_DISKS", "instance_name"},
    {"OP_INSTANCE_FAILOVER", "instance_name"},
    {"OP_INSTANCE_MIGRATE", "instance_name"},
    {"OP_INSTANCE_MOVE", "instance_name"},
    {"OP_INSTANCE_CONSOLE", "instance_name"},
    {"OP_INSTANCE_ACTIVATE_DISKS", "instance_name"},
    {"OP_INSTANCE_DEACTIVATE_DISKS", "instance_name"},
    {"OP_INSTANCE_RECREATE_DISKS", "instance_name"},
    {"OP_INSTANCE_SET_PARAMS", "instance_name"},
    {"OP_INSTANCE_GROW_DISK", "instance_name"},
    {"OP_INSTANCE_CHANGE_GROUP", "instance_name"},
    {"OP_GROUP_ADD", "group_name"},
    {"OP_GROUP_ASSIGN_NODES", "group_name"},
    {"OP_GROUP_SET_PARAMS", "group_name"},
    {"OP_GROUP_REMOVE", "group_name"},
    {"OP_GROUP_EVACUATE", "group_name"},
    {"OP_BACKUP_PREPARE", "instance_name"},
    {"OP_BACKUP_EXPORT", "instance_name"},
    {"OP_BACKUP_REMOVE", "instance_name"},
    {"OP_TAGS_GET", "kind"},
    {"OP_TAGS_SEARCH", "pattern"},
    {"OP_TEST_DELAY", "duration"},
    {"OP_TEST_ALLOCATOR", "iallocator"},
    {"OP_NETWORK_ADD", "network_name"},
    {"OP_NETWORK_REMOVE", "network_name"},
    {"OP_NETWORK_SET_PARAMS", "network_name"},
    {"OP_NETWORK_CONNECT", "network_name"},
    {"OP_NETWORK_DISCONNECT", "network_name"},
};

std::string FieldText(std::string_view op_id, const json::value& v) {
  if (op_id == "OP_TEST_DELAY" && v.is_number()) {
    // Ganeti prints the delay in whole nanoseconds.
    return std::to_string(std::llround(v.to_number<double>() * 1e9)) + " ns";
  }
  if (v.is_string()) return std::string(v.get_string());
  if (v.is_null()) return "None";
  return SerializeJson(v);
}

}  // namespace

std::string OpSummary(const json::object& input) {
  auto it = input.find("OP_ID");
  if (it == input.end() || !it->value().is_string()) return "INVALID_OP";
  const std::string_view op_id = it->value().get_string();
  std::string summary(op_id.substr(op_id.rfind("OP_", 0) == 0 ? 3 : 0));
  for (const auto& [id, field] : kSummaryFields) {
    if (id != op_id) continue;
    auto value = input.find(field);
    if (value != input.end()) summary.append("(").append(FieldText(op_id, value->value())) += ')';
    break;
  }
  return summary;
}

}  // namespace herd::jobs
