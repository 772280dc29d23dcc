// Ganeti 3.0's default parameter values (Constants.hs), as `gnt-cluster init`
// stores them in a new cluster.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"

namespace herd::objects {

extern const std::vector<std::string> kDiskTemplates;  // every template Ganeti knows
extern const std::vector<std::string> kHypervisors;    // every hypervisor Ganeti knows

json::object DefaultBeParams();    // BEC_DEFAULTS
json::object DefaultNicParams();   // NICC_DEFAULTS
json::object DefaultNdParams();    // NDC_DEFAULTS
json::object DefaultDiskParams();  // DISK_DT_DEFAULTS, per disk template
// HVC_DEFAULTS (with upstream's build-time paths); {} for an unknown hypervisor.
json::object DefaultHvParams(std::string_view hypervisor);
json::object DefaultIPolicy();  // IPOLICY_DEFAULTS
json::object DefaultHvState();  // HVST_DEFAULTS: a hypervisor's static resource state
// Every monitoring data collector, active, polled every 5 s (in microseconds).
json::object DefaultDataCollectors();

}  // namespace herd::objects
