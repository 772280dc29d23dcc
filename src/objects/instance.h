// Instances, their disks (top-level objects since config 2.16) and NICs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/json.h"

namespace herd::objects {

struct Disk {
  std::string uuid, name, dev_type, iv_name, mode = "rw";
  int64_t size = 0;  // MiB
  json::array logical_id;
  std::vector<std::string> nodes;  // node uuids
  json::object params;
  int64_t serial_no = 1;
  double ctime = 0, mtime = 0;
  json::object extra;
};

struct Nic {
  std::string uuid, name, mac, ip, network;
  json::object nicparams;
  json::object extra;
};

struct Instance {
  std::string name, uuid, primary_node, os, hypervisor = "fake";
  std::string admin_state = "down";  // "up", "down", "offline"
  std::string admin_state_source = "admin";
  std::string disk_template = "diskless";  // derived from the disks when not stored
  std::vector<std::string> disks;          // disk uuids, in order
  std::vector<Nic> nics;
  json::object beparams, hvparams, osparams, osparams_private;
  std::vector<std::string> tags;
  bool disks_active = false;
  int64_t network_port = 0;
  int64_t serial_no = 1;
  double ctime = 0, mtime = 0;
  json::object extra;
};

json::value ToJson(const Disk& disk);
Disk DiskFromJson(const json::value& v);
json::value ToJson(const Nic& nic);
Nic NicFromJson(const json::value& v);
json::value ToJson(const Instance& instance);
Instance InstanceFromJson(const json::value& v);

}  // namespace herd::objects
