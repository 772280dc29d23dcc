#include "objects/new_cluster.h"

#include <sys/time.h>

#include <algorithm>
#include <cstdlib>

#include "objects/config_data.h"
#include "objects/defaults.h"

namespace herd::objects {
namespace {

double Now() {
  timeval tv;
  gettimeofday(&tv, nullptr);
  return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
}

// "512" -> 512, "true" -> true, "1.5" -> 1.5, anything else stays a string.
json::value TypedValue(const std::string& s) {
  if (s == "true" || s == "True") return true;
  if (s == "false" || s == "False") return false;
  if (s.empty()) return json::value(s);
  char* end = nullptr;
  long long i = std::strtoll(s.c_str(), &end, 10);
  if (*end == '\0') return i;
  double d = std::strtod(s.c_str(), &end);
  if (*end == '\0') return d;
  return json::value(s);
}

void Override(json::object& params, const std::map<std::string, std::string>& values) {
  for (const auto& [k, v] : values) {
    if (k == "memory") {  // Ganeti's legacy name for both memory bounds
      params["maxmem"] = TypedValue(v);
      params["minmem"] = TypedValue(v);
    } else {
      params[k] = TypedValue(v);
    }
  }
}

bool Contains(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

}  // namespace

ConfigData NewClusterConfig(const NewClusterOptions& o) {
  const double now = Now();
  ConfigData c;
  c.ctime = c.mtime = now;
  c.extra["filters"] = json::object{};

  Cluster& cl = c.cluster;
  cl.cluster_name = o.cluster_name;
  cl.uuid = o.cluster_uuid;
  cl.master_node = o.master_node_uuid;
  cl.master_ip = o.master_ip;
  cl.master_netdev = o.master_netdev;
  cl.master_netmask = o.master_netmask;
  cl.mac_prefix = o.mac_prefix;
  cl.volume_group_name = o.volume_group_name;
  cl.default_iallocator = o.default_iallocator;
  cl.enabled_hypervisors = o.enabled_hypervisors;
  cl.enabled_disk_templates = o.enabled_disk_templates;
  cl.file_storage_dir = o.file_storage_dir;
  cl.shared_file_storage_dir = o.shared_file_storage_dir;
  cl.candidate_pool_size = o.candidate_pool_size;
  cl.highest_used_port = 10999;  // the first DRBD port (11000) is the first allocated
  cl.ssh_key_type = "rsa";
  cl.ssh_key_bits = 2048;
  // Herd runs unprivileged and resolves names through its own hosts file.
  cl.modify_etc_hosts = false;
  cl.modify_ssh_setup = false;
  cl.ctime = cl.mtime = now;

  json::object be = DefaultBeParams();
  Override(be, o.beparams);
  cl.beparams = {{"default", std::move(be)}};
  json::object nic = DefaultNicParams();
  Override(nic, o.nicparams);
  cl.nicparams = {{"default", std::move(nic)}};
  cl.ndparams = DefaultNdParams();
  Override(cl.ndparams, o.ndparams);
  for (const auto& hv : kHypervisors) {
    json::object params = DefaultHvParams(hv);
    if (auto it = o.hvparams.find(hv); it != o.hvparams.end()) Override(params, it->second);
    if (hv == "fake") Override(params, o.hvparams_fake);
    cl.hvparams[hv] = std::move(params);
  }
  for (const auto& hv : o.enabled_hypervisors) cl.hv_state_static[hv] = DefaultHvState();
  cl.diskparams = DefaultDiskParams();
  if (!o.volume_group_name.empty()) {
    cl.diskparams["drbd"].as_object()["metavg"] = o.volume_group_name;
  }
  cl.ipolicy = DefaultIPolicy();
  json::array allowed;  // the policy allows only enabled templates
  for (const auto& dt : kDiskTemplates) {
    if (Contains(o.enabled_disk_templates, dt)) allowed.emplace_back(dt);
  }
  cl.ipolicy["disk-templates"] = std::move(allowed);
  cl.data_collectors = DefaultDataCollectors();

  NodeGroup group;
  group.name = "default";
  group.uuid = o.group_uuid;
  group.ctime = group.mtime = now;
  c.nodegroups.emplace(group.uuid, std::move(group));

  Node master;
  master.name = o.master_node_name;
  master.uuid = o.master_node_uuid;
  master.primary_ip = o.master_node_ip;
  master.secondary_ip = o.secondary_ip.empty() ? o.master_node_ip : o.secondary_ip;
  master.group = o.group_uuid;
  master.master_candidate = true;
  master.ctime = master.mtime = now;
  c.nodes.emplace(master.uuid, std::move(master));
  return c;
}

}  // namespace herd::objects
