// A disk: a top-level config object since config 2.16, referred to by uuid
// from its instance.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/json.h"

namespace herd::objects {

struct Disk {
  std::string uuid, name;
  std::string dev_type;  // the disk template's name: "file", "sharedfile", "drbd", "plain", ...
  std::string iv_name;   // "disk/0", ...
  std::string mode = "rw";
  int64_t size = 0;  // MiB
  int64_t spindles = 0;
  json::array logical_id;          // layout depends on dev_type, e.g. [driver, path] for file
  json::array children;            // component disks (drbd: data and metadata volumes)
  std::vector<std::string> nodes;  // node uuids
  json::object params;
  int64_t serial_no = 1;
  double ctime = 0, mtime = 0;
  json::object extra;  // fields Herd does not model, kept for the round trip
};

json::value ToJson(const Disk& disk);
// Throws ConfigurationError naming the disk and the field at fault.
Disk DiskFromJson(const json::value& v);

}  // namespace herd::objects
