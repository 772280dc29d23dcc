// An instance and its NICs as stored in config.data; its disks are separate
// objects (see disk.h), listed here by uuid.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/json.h"
#include "objects/disk.h"

namespace herd::objects {

struct Nic {
  std::string uuid, name, mac, ip;
  std::string network;  // network uuid, empty when not connected to one
  json::object nicparams;
  json::object extra;  // fields Herd does not model, kept for the round trip
};

struct Instance {
  std::string name, uuid;
  std::string primary_node;  // node uuid
  std::string os, hypervisor;
  std::string admin_state = "down";          // "up", "down", "offline"
  std::string admin_state_source = "admin";  // "admin", "user"
  // Not stored since config 2.16 (derived from the disks); see DiskTemplateOf.
  std::string disk_template;
  std::vector<std::string> disks;  // disk uuids, in order
  std::vector<Nic> nics;
  json::object beparams, hvparams, osparams, osparams_private;
  std::vector<std::string> tags;
  bool disks_active = false;
  int64_t network_port = 0;  // 0: none allocated
  int64_t serial_no = 1;
  double ctime = 0, mtime = 0;
  json::object extra;  // fields Herd does not model, kept for the round trip
};

json::value ToJson(const Nic& nic);
// Throws ConfigurationError naming the NIC and the field at fault.
Nic NicFromJson(const json::value& v);
json::value ToJson(const Instance& instance);
// Throws ConfigurationError naming the instance and the field at fault.
Instance InstanceFromJson(const json::value& v);

}  // namespace herd::objects
