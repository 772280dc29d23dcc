#include "htools/text_writer.h"

#include <cmath>
#include <cstdio>
#include <unordered_map>

#include "htools/haskell_show.h"

namespace herd::htools {
namespace {

std::string Join(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) out += (i ? sep : "") + items[i];
  return out;
}

std::string Integer(double v) { return std::to_string(static_cast<long long>(v)); }

// Haskell's printf "%.0f".
std::string Rounded(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.0f", v);
  return buf;
}

std::string SerializeISpec(const ISpec& s) {
  return std::to_string(s.memory_size) + "," + std::to_string(s.cpu_count) + "," +
         std::to_string(s.disk_size) + "," + std::to_string(s.disk_count) + "," +
         std::to_string(s.nic_count) + "," + std::to_string(s.spindle_use);
}

std::string SerializeIPolicy(const std::string& owner, const IPolicy& p) {
  std::vector<std::string> specs;
  for (const auto& mm : p.minmax) {
    specs.push_back(SerializeISpec(mm.min));
    specs.push_back(SerializeISpec(mm.max));
  }
  return owner + "|" + SerializeISpec(p.std_spec) + "|" + Join(specs, ";") + "|" +
         Join(p.disk_templates, ",") + "|" + HaskellShowDouble(p.vcpu_ratio) + "|" +
         HaskellShowDouble(p.spindle_ratio);
}

}  // namespace

std::string SerializeClusterData(const ClusterData& data) {
  std::string out;
  for (const auto& g : data.groups) {
    out += g.name + "|" + g.uuid + "|" + g.alloc_policy + "|" + Join(g.tags, ",") + "|" +
           Join(g.networks, ",") + "\n";
  }
  out += "\n";
  for (const auto& n : data.nodes) {
    const char flag = n.offline ? 'Y' : n.master ? 'M' : 'N';
    out += n.name + "|" + Rounded(n.total_memory) + "|" + Integer(n.node_memory) + "|" +
           Integer(n.free_memory) + "|" + Rounded(n.total_disk) + "|" + Integer(n.free_disk) + "|" +
           Rounded(n.total_cpus) + "|" + flag + "|" + data.groups.at(n.group).uuid + "|" +
           std::to_string(n.spindles) + "|" + Join(n.tags, ",") + "|" +
           (n.exclusive_storage ? "Y" : "N") + "|" + std::to_string(n.free_spindles) + "|" +
           Integer(n.node_cpus) + "|" + HaskellFixedDouble(n.cpu_speed) + "\n";
  }
  out += "\n";
  for (const auto& i : data.instances) {
    out += i.name + "|" + std::to_string(i.memory) + "|" + std::to_string(i.disk) + "|" +
           std::to_string(i.vcpus) + "|" + i.status + "|" + (i.auto_balance ? "Y" : "N") + "|" +
           data.nodes.at(i.primary).name + "|" +
           (i.secondary >= 0 ? data.nodes.at(i.secondary).name : "") + "|" + i.disk_template + "|" +
           Join(i.tags, ",") + "|" + std::to_string(i.spindle_use) + "|" +
           (i.spindles ? std::to_string(*i.spindles) : "-") + "|" + (i.forthcoming ? "Y" : "N") +
           "\n";
  }
  out += "\n";
  for (const auto& t : data.cluster_tags) out += t + "\n";
  out += "\n";
  out += SerializeIPolicy("", data.cluster_ipolicy) + "\n";
  for (const auto& g : data.groups) out += SerializeIPolicy(g.name, g.ipolicy) + "\n";
  return out;
}

ClusterData CurrentClusterData(const ClusterData& loaded, const Cluster& cluster) {
  ClusterData out;
  const auto& statics = cluster.statics();
  out.groups = statics.groups;
  out.cluster_tags = statics.cluster_tags;
  out.cluster_ipolicy = statics.cluster_ipolicy;
  for (const auto& ns : cluster.nodes) {
    const int source = loaded.FindNode(ns.name());
    Node n = source >= 0 ? loaded.nodes[source] : Node{};
    n.name = ns.name();
    n.total_memory = ns.t_mem();
    n.node_memory = ns.n_mem();
    n.free_memory = ns.f_mem();
    n.total_disk = ns.t_dsk();
    n.free_disk = ns.f_dsk();
    n.total_cpus = ns.t_cpu();
    n.node_cpus = ns.n_cpu();
    n.spindles = ns.t_spindles();
    n.free_spindles = ns.f_spindles();
    n.offline = ns.offline();
    n.master = ns.master();
    n.exclusive_storage = ns.exclusive_storage();
    n.group = ns.group();
    n.tags = ns.fixed().tags;
    out.nodes.push_back(std::move(n));
  }
  std::unordered_map<std::string, size_t> loaded_instances;
  for (size_t k = 0; k < loaded.instances.size(); ++k)
    loaded_instances[loaded.instances[k].name] = k;
  for (const auto& is : cluster.instances) {
    const auto found = loaded_instances.find(is.name);
    Instance i = found != loaded_instances.end() ? loaded.instances[found->second] : Instance{};
    i.name = is.name;
    i.memory = is.mem;
    i.disk = is.dsk;
    i.vcpus = is.vcpus;
    i.status = InstanceStatusName(is.status);
    i.auto_balance = is.auto_balance;
    i.forthcoming = is.forthcoming;
    i.primary = is.pnode;
    i.secondary = is.snode;
    i.disk_template = is.disk_template;
    i.tags = is.tags;
    i.spindle_use = is.spindle_use;
    const auto spindles = is.TotalSpindles();
    i.spindles = spindles ? std::optional<int64_t>(*spindles) : std::nullopt;
    out.instances.push_back(std::move(i));
  }
  return out;
}

}  // namespace herd::htools
