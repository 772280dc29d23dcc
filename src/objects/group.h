// A node group as stored in config.data.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/json.h"

namespace herd::objects {

struct NodeGroup {
  std::string name, uuid;
  std::string alloc_policy = "preferred";  // "preferred", "last_resort", "unallocable"
  int64_t serial_no = 1;
  double ctime = 0, mtime = 0;
  std::vector<std::string> tags;
  json::object ndparams, ipolicy, diskparams;
  json::object networks;  // network uuid -> its nicparams in this group
  json::object hv_state_static, disk_state_static;
  json::object extra;  // fields Herd does not model, kept for the round trip
};

json::value ToJson(const NodeGroup& group);
// Throws ConfigurationError naming the group and the field at fault.
NodeGroup NodeGroupFromJson(const json::value& v);

}  // namespace herd::objects
