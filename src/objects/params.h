// Parameter inheritance, as Ganeti's FillDict family: cluster defaults,
// overridden by the group, overridden by the node or instance.
#pragma once

#include "base/json.h"

namespace herd::objects {

struct ConfigData;
struct Node;
struct NodeGroup;
struct Instance;

// `defaults` with every key of `custom` replacing it (not merged deeper).
json::object FillDict(const json::object& defaults, const json::object& custom);

json::object FilledNodeParams(const ConfigData& config, const Node& node);
json::object FilledBeParams(const ConfigData& config, const Instance& instance);
json::object FilledHvParams(const ConfigData& config, const Instance& instance);
json::object FilledIPolicy(const ConfigData& config, const NodeGroup& group);

}  // namespace herd::objects
