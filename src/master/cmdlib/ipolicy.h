// Instance policy checks (Ganeti's ComputeIPolicySpecViolation): an
// instance's specs against a group's ipolicy.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <string>
#include <vector>

namespace herd::master {

struct InstanceSpecs {
  std::string disk_template;
  int64_t memory = 0, vcpus = 1, spindle_use = 1, nic_count = 0;
  std::vector<int64_t> disk_sizes;
};

// Human-readable violations; empty when the specs fit one of the policy's
// min/max ranges and the disk template is allowed.
std::vector<std::string> IPolicyViolations(const boost::json::object& ipolicy,
                                           const InstanceSpecs& specs);

}  // namespace herd::master
