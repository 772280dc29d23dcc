// Parameter inheritance, as Ganeti's FillDict family: cluster defaults,
// overridden by the group, overridden by the node or instance.
#pragma once

#include <string>
#include <vector>

#include "base/json.h"

namespace herd::objects {

struct ConfigData;
struct Instance;
struct Nic;
struct Node;
struct NodeGroup;

// `defaults` with every key of `custom` replacing it (one level, not merged
// deeper), then without `skip_keys`.
json::object FillDict(const json::object& defaults, const json::object& custom,
                      const std::vector<std::string>& skip_keys = {});
// As FillDict, except that a custom "std" ispec is merged into the default one.
json::object FillIPolicy(const json::object& defaults, const json::object& custom);
// Per disk template: FillDict of the template's defaults with its custom values.
json::object FillDiskParams(const json::object& defaults, const json::object& custom);

// Hypervisor parameters that are cluster-wide (Ganeti's HVC_GLOBALS): an
// instance or OS cannot override them.
const std::vector<std::string>& HvGlobalParams();

json::object FilledNodeParams(const ConfigData& config, const Node& node);
json::object FilledGroupNodeParams(const ConfigData& config, const NodeGroup& group);
json::object FilledBeParams(const ConfigData& config, const Instance& instance);
json::object FilledBeParams(const ConfigData& config, const json::object& beparams);
// Cluster defaults for the hypervisor, then the OS's overrides (os_hvp), then the instance's.
json::object FilledHvParams(const ConfigData& config, const Instance& instance,
                            bool skip_globals = false);
json::object FilledHvParams(const ConfigData& config, const std::string& hypervisor,
                            const std::string& os, const json::object& hvparams,
                            bool skip_globals = false);
json::object FilledNicParams(const ConfigData& config, const Nic& nic);
// Public OS parameters: defaults of the OS, of its variant ("os+variant"), the instance's.
json::object FilledOsParams(const ConfigData& config, const Instance& instance);
json::object FilledIPolicy(const ConfigData& config, const NodeGroup& group);
json::object FilledDiskParams(const ConfigData& config, const NodeGroup& group);

}  // namespace herd::objects
