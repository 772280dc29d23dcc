// A node group as stored in config.data.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/json.h"

namespace herd::objects {

struct NodeGroup {
  std::string name, uuid;
  std::string alloc_policy = "preferred";
  int64_t serial_no = 1;
  double ctime = 0, mtime = 0;
  std::vector<std::string> tags;
  json::object ndparams, ipolicy, diskparams, networks;
  json::object extra;
};

json::value ToJson(const NodeGroup& group);
NodeGroup NodeGroupFromJson(const json::value& v);

}  // namespace herd::objects
