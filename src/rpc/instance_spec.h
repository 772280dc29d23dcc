// What a node needs to know of an instance to run it, create its disks or run
// its OS scripts: the instance with its parameters filled in, as the master
// sends it over node RPC.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <string>
#include <vector>

namespace herd::rpc {

struct DiskSpec {
  std::string uuid, name;
  std::string dev_type;  // "file", "sharedfile", ...
  std::string driver;    // file driver ("loop")
  std::string path;      // as in the config (a node maps it under its root)
  std::string mode = "rw";
  int64_t size_mib = 0;
};

struct NicSpec {
  std::string uuid, name, mac, ip, mode, link;
};

struct InstanceSpec {
  std::string name, uuid, os, hypervisor;
  int64_t memory_mib = 0, vcpus = 1;
  boost::json::object beparams, hvparams, osparams;
  std::vector<DiskSpec> disks;
  std::vector<NicSpec> nics;
};

boost::json::value ToJson(const InstanceSpec& spec);
boost::json::value ToJson(const DiskSpec& disk);
// Throws GenericError naming the field at fault.
InstanceSpec InstanceSpecFromJson(const boost::json::value& v);
DiskSpec DiskSpecFromJson(const boost::json::value& v);

}  // namespace herd::rpc
