// Defaults of a new cluster (Ganeti 3.0's constants for the parameters the
// fake hypervisor and the file-based disk templates use).
#include <sys/time.h>

#include <cstdlib>

#include "base/errors.h"
#include "objects/config_data.h"

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
  char* end = nullptr;
  long long i = std::strtoll(s.c_str(), &end, 10);
  if (!s.empty() && *end == '\0') return i;
  double d = std::strtod(s.c_str(), &end);
  if (!s.empty() && *end == '\0') return d;
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

json::object Spec(int cpu, int disks, int disk_size, int mem, int nics, int spindles) {
  return {{"cpu-count", cpu},   {"disk-count", disks}, {"disk-size", disk_size},
          {"memory-size", mem}, {"nic-count", nics},   {"spindle-use", spindles}};
}

}  // namespace

ConfigData NewClusterConfig(const NewClusterOptions& o) {
  const double now = Now();
  ConfigData c;
  c.ctime = c.mtime = now;
  auto& cl = c.cluster;
  cl.cluster_name = o.cluster_name;
  cl.uuid = o.cluster_uuid;
  cl.master_node = o.master_node_uuid;
  cl.master_ip = o.master_ip;
  cl.master_netdev = o.master_netdev;
  cl.enabled_hypervisors = o.enabled_hypervisors;
  cl.enabled_disk_templates = o.enabled_disk_templates;
  cl.file_storage_dir = o.file_storage_dir;
  cl.shared_file_storage_dir = o.shared_file_storage_dir;
  cl.candidate_pool_size = o.candidate_pool_size;
  cl.ctime = cl.mtime = now;

  json::object be{{"always_failover", false},
                  {"auto_balance", true},
                  {"maxmem", 128},
                  {"minmem", 128},
                  {"spindle_use", 1},
                  {"vcpus", 1}};
  Override(be, o.beparams);
  cl.beparams = {{"default", be}};
  json::object fake{{"migration_mode", "live"}};
  Override(fake, o.hvparams_fake);
  cl.hvparams = {{"fake", fake}};
  json::object nic{{"mode", "bridged"}, {"link", "xen-br0"}, {"vlan", ""}};
  Override(nic, o.nicparams);
  cl.nicparams = {{"default", nic}};
  cl.ndparams = {{"oob_program", ""}, {"spindle_count", 1},    {"exclusive_storage", false},
                 {"ovs", false},      {"ovs_name", "switch1"}, {"ovs_link", ""},
                 {"ssh_port", 22},    {"cpu_speed", 1.0}};
  Override(cl.ndparams, o.ndparams);
  cl.diskparams = {{"diskless", json::object{}},
                   {"file", json::object{}},
                   {"sharedfile", json::object{}},
                   {"plain", {{"stripes", 1}}},
                   {"blockdev", json::object{}},
                   {"rbd", {{"pool", "rbd"}, {"access", "kernelspace"}}},
                   {"ext", {{"access", "kernelspace"}}},
                   {"gluster", json::object{}},
                   {"drbd", json::object{}}};
  json::array templates;
  for (const auto& t : o.enabled_disk_templates) templates.emplace_back(t);
  cl.ipolicy = {{"minmax", json::array{json::object{{"min", Spec(1, 1, 1024, 128, 1, 1)},
                                                    {"max", Spec(8, 16, 1048576, 32768, 8, 12)}}}},
                {"std", Spec(1, 1, 1024, 128, 1, 1)},
                {"disk-templates", templates},
                {"vcpu-ratio", 4.0},
                {"spindle-ratio", 32.0}};
  // Fields Herd does not model, with Ganeti's initial values.
  cl.extra = {{"tcpudp_port_pool", json::array{}},
              {"drbd_usermode_helper", ""},
              {"maintain_node_health", false},
              {"uid_pool", json::array{}},
              {"default_iallocator_params", json::object{}},
              {"primary_ip_family", 2},
              {"prealloc_wipe_disks", false},
              {"hidden_os", json::array{}},
              {"blacklisted_os", json::array{}},
              {"reserved_lvs", json::array{}},
              {"modify_etc_hosts", false},
              {"modify_ssh_setup", false},
              {"use_external_mip_script", false},
              {"hv_state_static", json::object{}},
              {"disk_state_static", json::object{}},
              {"osparams_private_cluster", json::object{}},
              {"candidate_certs", json::object{}},
              {"max_running_jobs", 20},
              {"max_tracked_jobs", 25},
              {"install_image", ""},
              {"instance_communication_network", ""},
              {"zeroing_image", ""},
              {"compression_tools", json::array{"gzip", "gzip-fast", "gzip-slow"}},
              {"enabled_user_shutdown", false},
              {"data_collectors", json::object{}},
              {"gluster_storage_dir", ""}};

  NodeGroup group;
  group.name = "default";
  group.uuid = o.group_uuid;
  group.alloc_policy = "preferred";
  group.ctime = group.mtime = now;
  c.nodegroups.emplace(group.uuid, group);

  Node master;
  master.name = o.master_node_name;
  master.uuid = o.master_node_uuid;
  master.primary_ip = o.master_node_ip;
  master.secondary_ip = o.secondary_ip.empty() ? o.master_node_ip : o.secondary_ip;
  master.group = group.uuid;
  master.master_candidate = true;
  master.ctime = master.mtime = now;
  c.nodes.emplace(master.uuid, master);
  return c;
}

}  // namespace herd::objects
