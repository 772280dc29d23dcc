// A cluster node as stored in config.data.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/json.h"

namespace herd::objects {

struct Node {
  std::string name, uuid, primary_ip, secondary_ip;
  std::string group;  // node group uuid
  bool master_candidate = false, drained = false, offline = false;
  bool master_capable = true, vm_capable = true, powered = true;
  int64_t serial_no = 1;
  double ctime = 0, mtime = 0;
  std::vector<std::string> tags;
  json::object ndparams, hv_state_static, disk_state_static;
  json::object extra;  // fields Herd does not model, kept for the round trip
};

json::value ToJson(const Node& node);
// Throws ConfigurationError naming the node and the field at fault.
Node NodeFromJson(const json::value& v);

}  // namespace herd::objects
