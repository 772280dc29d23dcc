#include "objects/defaults.h"

namespace herd::objects {
namespace {

json::object ISpec(int64_t cpu, int64_t disks, int64_t disk_size, int64_t mem, int64_t nics,
                   int64_t spindles) {
  return {{"cpu-count", cpu},   {"disk-count", disks}, {"disk-size", disk_size},
          {"memory-size", mem}, {"nic-count", nics},   {"spindle-use", spindles}};
}

}  // namespace

const std::vector<std::string> kDiskTemplates{"blockdev", "diskless", "drbd", "ext",       "file",
                                              "gluster",  "plain",    "rbd",  "sharedfile"};

const std::vector<std::string> kHypervisors{"chroot", "fake", "kvm", "lxc", "xen-hvm", "xen-pvm"};

json::object DefaultBeParams() {
  return {{"always_failover", false},
          {"auto_balance", true},
          {"maxmem", 128},
          {"minmem", 128},
          {"spindle_use", 1},
          {"vcpus", 1}};
}

json::object DefaultNicParams() { return {{"link", "xen-br0"}, {"mode", "bridged"}, {"vlan", ""}}; }

json::object DefaultNdParams() {
  return {{"cpu_speed", 1.0}, {"exclusive_storage", false}, {"oob_program", ""},  {"ovs", false},
          {"ovs_link", ""},   {"ovs_name", "switch1"},      {"spindle_count", 1}, {"ssh_port", 22}};
}

json::object DefaultDiskParams() {
  // Upstream build defaults: volume group "xenvg", no DRBD barriers, one stripe.
  json::object drbd{{"c-delay-target", 1},    {"c-fill-target", 0}, {"c-max-rate", 61440},
                    {"c-min-rate", 4096},     {"c-plan-ahead", 20}, {"data-stripes", 1},
                    {"disk-barriers", "n"},   {"disk-custom", ""},  {"dynamic-resync", false},
                    {"meta-barriers", false}, {"meta-stripes", 1},  {"metavg", "xenvg"},
                    {"net-custom", ""},       {"protocol", "C"},    {"resync-rate", 61440}};
  json::object gluster{
      {"access", "kernelspace"}, {"host", "127.0.0.1"}, {"port", 24007}, {"volume", "gv0"}};
  return {{"blockdev", json::object{}},
          {"diskless", json::object{}},
          {"drbd", std::move(drbd)},
          {"ext", json::object{{"access", "kernelspace"}}},
          {"file", json::object{}},
          {"gluster", std::move(gluster)},
          {"plain", json::object{{"stripes", 1}}},
          {"rbd", json::object{{"access", "kernelspace"}, {"pool", "rbd"}}},
          {"sharedfile", json::object{}}};
}

json::object DefaultIPolicy() {
  json::array templates;
  for (const auto& dt : kDiskTemplates) templates.emplace_back(dt);
  return {{"disk-templates", std::move(templates)},
          {"minmax", json::array{json::object{{"max", ISpec(8, 16, 1048576, 32768, 8, 12)},
                                              {"min", ISpec(1, 1, 1024, 128, 1, 1)}}}},
          {"spindle-ratio", 32.0},
          {"std", ISpec(1, 1, 1024, 128, 1, 1)},
          {"vcpu-ratio", 4.0}};
}

json::object DefaultHvState() {
  return {{"cpu_node", 1}, {"cpu_total", 1}, {"mem_hv", 0}, {"mem_node", 0}, {"mem_total", 0}};
}

json::object DefaultDataCollectors() {
  json::object out;
  for (const char* name :
       {"cpu-avg-load", "diskstats", "drbd", "inst-status-xen", "lv", "xen-cpu-avg-load"}) {
    out[name] = json::object{{"active", true}, {"interval", 5000000}};
  }
  return out;
}

}  // namespace herd::objects
