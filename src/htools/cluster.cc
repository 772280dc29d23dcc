#include "htools/cluster.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include "base/errors.h"

namespace herd::htools {
namespace {

constexpr const char* kExclusionTagsPrefix = "htools:iextags:";
constexpr const char* kDesiredLocationPrefix = "htools:desiredlocation:";
constexpr const char* kLocationPrefix = "htools:nlocation:";
constexpr const char* kMigrationPrefix = "htools:migration:";
constexpr const char* kAllowMigrationPrefix = "htools:allowmigration:";

bool StartsWith(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

// Values of the tags carrying `prefix`, without it, non-empty ones only.
std::vector<std::string> ChompPrefix(const std::vector<std::string>& tags,
                                     const std::string& prefix) {
  std::vector<std::string> out;
  for (const auto& t : tags) {
    if (StartsWith(t, prefix) && t.size() > prefix.size()) out.push_back(t.substr(prefix.size()));
  }
  return out;
}

std::vector<std::string> TagsWithAnyPrefix(const std::vector<std::string>& tags,
                                           const std::vector<std::string>& prefixes) {
  std::vector<std::string> out;
  for (const auto& t : tags) {
    for (const auto& p : prefixes) {
      if (StartsWith(t, p)) {
        out.push_back(t);
        break;
      }
    }
  }
  return out;
}

// Ganeti's Tags.getTags: node tags "P:..." for every cluster tag "<prefix>P".
std::set<std::string> PrefixedNodeTags(const std::string& prefix,
                                       const std::vector<std::string>& cluster_tags,
                                       const std::vector<std::string>& node_tags) {
  std::set<std::string> out;
  for (const auto& p : ChompPrefix(cluster_tags, prefix)) {
    for (const auto& t : node_tags) {
      if (StartsWith(t, p + ":")) out.insert(t);
    }
  }
  return out;
}

// Migration tags a node accepts: its own, plus those allowed to migrate to
// them by "htools:allowmigration:FROM::TO" cluster tags.
std::set<std::string> ReceiveMigrationTags(const std::vector<std::string>& cluster_tags,
                                           const std::set<std::string>& own) {
  std::vector<std::pair<std::string, std::string>> allowed;
  for (const auto& rest : ChompPrefix(cluster_tags, kAllowMigrationPrefix)) {
    auto pos = rest.find("::");
    if (pos == std::string::npos || rest.find("::", pos + 2) != std::string::npos) continue;
    allowed.emplace_back(rest.substr(0, pos), rest.substr(pos + 2));
  }
  std::set<std::string> out;
  for (const auto& tag : own) {
    out.insert(tag);
    for (const auto& [from, to] : allowed) {
      if (to == tag) out.insert(from);
    }
  }
  return out;
}

// Ganeti's lookupName: an exact name, or the one name "KEY.domain".
std::optional<std::string> LookupName(const std::vector<std::string>& names,
                                      const std::string& key) {
  std::optional<std::string> partial;
  int partial_count = 0;
  for (const auto& n : names) {
    if (n == key) return n;
    if (StartsWith(n, key + ".")) {
      partial = n;
      ++partial_count;
    }
  }
  if (partial_count == 1) return partial;
  return std::nullopt;
}

std::vector<std::string> ResolveNames(const std::vector<std::string>& names,
                                      const std::vector<std::string>& keys,
                                      std::vector<std::string>& unknown) {
  std::vector<std::string> out;
  for (const auto& k : keys) {
    if (auto n = LookupName(names, k)) {
      out.push_back(*n);
    } else {
      unknown.push_back(k);
    }
  }
  return out;
}

std::string StripSuffix(const std::string& name, const std::string& suffix) {
  if (!suffix.empty() && name.size() > suffix.size() &&
      name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
    return name.substr(0, name.size() - suffix.size());
  }
  return name;
}

std::string LongestDomain(const std::vector<std::string>& names) {
  if (names.empty()) return "";
  const std::string& first = names[0];
  // Candidate suffixes of the first name starting with '.', longest first.
  for (size_t pos = 0; pos < first.size(); ++pos) {
    if (first[pos] != '.') continue;
    std::string suffix = first.substr(pos);
    bool all = std::all_of(names.begin() + 1, names.end(), [&](const std::string& n) {
      return n.size() >= suffix.size() &&
             n.compare(n.size() - suffix.size(), suffix.size(), suffix) == 0;
    });
    if (all) return suffix;
  }
  return "";
}

// Haskell's `div`: rounds towards negative infinity.
int FloorDiv(int a, int b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0); }

}  // namespace

int InstanceLocationScore(const NodeState& primary, const NodeState* secondary) {
  if (!secondary) return 0;
  int common = 0;
  for (const auto& t : primary.fixed().location_tags) {
    if (secondary->fixed().location_tags.count(t)) ++common;
  }
  return common;
}

Cluster Cluster::Build(const ClusterData& data, const LoadOptions& options) {
  Cluster c;
  c.statics_ = std::make_shared<ClusterStatics>();
  auto& st = *c.statics_;
  st.groups = data.groups;
  st.cluster_ipolicy = data.cluster_ipolicy;
  st.cluster_tags = data.cluster_tags;
  const auto& ctags = data.cluster_tags;

  std::vector<std::string> node_names, instance_names;
  for (const auto& n : data.nodes) node_names.push_back(n.name);
  for (const auto& i : data.instances) instance_names.push_back(i.name);
  const std::string suffix = [&] {
    std::vector<std::string> all = node_names;
    all.insert(all.end(), instance_names.begin(), instance_names.end());
    return LongestDomain(all);
  }();

  st.nodes.reserve(data.nodes.size());
  for (const auto& n : data.nodes) {
    NodeStatic s;
    s.name = n.name;
    s.alias = StripSuffix(n.name, suffix);
    s.tags = n.tags;
    s.location_tags = PrefixedNodeTags(kLocationPrefix, ctags, n.tags);
    s.migration_tags = PrefixedNodeTags(kMigrationPrefix, ctags, n.tags);
    s.receive_migration_tags = ReceiveMigrationTags(ctags, s.migration_tags);
    st.nodes.push_back(std::move(s));
  }
  for (size_t i = 0; i < data.nodes.size(); ++i) {
    const auto& n = data.nodes[i];
    NodeState ns(&st.nodes[i], static_cast<int>(i), n.group, n.total_memory,
                 static_cast<int>(options.static_kvm_node_memory > 0 && n.hypervisor == "kvm"
                                      ? options.static_kvm_node_memory
                                      : n.node_memory),
                 static_cast<int>(n.free_memory), n.total_disk, static_cast<int>(n.free_disk),
                 n.total_cpus, static_cast<int>(n.node_cpus), n.offline,
                 static_cast<int>(n.spindles), static_cast<int>(n.free_spindles),
                 n.exclusive_storage);
    ns.SetCpuSpeed(n.cpu_speed);
    ns.SetMaster(n.master);
    c.nodes.push_back(std::move(ns));
  }

  std::vector<std::string> unknown;
  const auto selected = ResolveNames(instance_names, options.selected_instances, unknown);
  const auto excluded = ResolveNames(instance_names, options.excluded_instances, unknown);
  if (!unknown.empty()) {
    std::string list;
    for (const auto& u : unknown) list += (list.empty() ? "" : ",") + ("\"" + u + "\"");
    throw ParameterError("Unknown instance(s): [" + list + "]");
  }
  std::vector<std::string> exclusion_prefixes = options.exclusion_tags;
  for (auto& t : exclusion_prefixes) t += ":";
  for (const auto& t : ChompPrefix(ctags, kExclusionTagsPrefix)) exclusion_prefixes.push_back(t);
  const auto desired_prefixes = ChompPrefix(ctags, kDesiredLocationPrefix);

  for (size_t i = 0; i < data.instances.size(); ++i) {
    const auto& src = data.instances[i];
    InstanceState inst;
    inst.idx = static_cast<int>(i);
    inst.name = src.name;
    inst.alias = StripSuffix(src.name, suffix);
    inst.mem = static_cast<int>(src.memory);
    inst.dsk = static_cast<int>(src.disk);
    inst.disks = InstanceDisks(src);
    inst.vcpus = static_cast<int>(src.vcpus);
    inst.status = ParseInstanceStatus(src.status);
    inst.pnode = src.primary;
    inst.snode = src.secondary;
    inst.auto_balance = src.auto_balance;
    inst.forthcoming = src.forthcoming;
    inst.disk_template = src.disk_template;
    inst.spindle_use = static_cast<int>(src.spindle_use);
    inst.tags = src.tags;
    inst.movable = SupportsMoves(src.disk_template);
    if (options.ignore_dynu) {
      inst.util = DynUtil{};
    } else if (auto it = options.utilisation.find(src.name); it != options.utilisation.end()) {
      inst.util = it->second;
    }
    inst.excl_tags = TagsWithAnyPrefix(inst.tags, exclusion_prefixes);
    for (const auto& t : TagsWithAnyPrefix(inst.tags, desired_prefixes)) {
      inst.desired_location_tags.insert(t);
    }
    const bool is_excluded =
        std::find(excluded.begin(), excluded.end(), src.name) != excluded.end();
    const bool is_selected =
        selected.empty() || std::find(selected.begin(), selected.end(), src.name) != selected.end();
    if (is_excluded || !is_selected) inst.movable = false;
    inst.location_score = InstanceLocationScore(c.nodes[inst.pnode],
                                                inst.snode >= 0 ? &c.nodes[inst.snode] : nullptr);
    c.instances.push_back(std::move(inst));
  }

  const int merges = options.merge_twice ? 2 : 1;
  for (int pass = 0; pass < merges; ++pass) {
    for (const auto& inst : c.instances) {
      c.nodes[inst.pnode].SetPrimary(inst);
      if (inst.snode >= 0) c.nodes[inst.snode].SetSecondary(inst);
    }
  }
  const auto secondaries = c.SecondaryLists();
  const auto primaries = c.PrimaryLists();
  for (size_t i = 0; i < c.nodes.size(); ++i) {
    auto& node = c.nodes[i];
    std::vector<int> peers_of = secondaries[i];
    if (options.merge_twice)
      peers_of.insert(peers_of.end(), secondaries[i].begin(), secondaries[i].end());
    node.BuildPeers(c.instances, peers_of);
    node.SetPolicy(&st.groups[node.group()].ipolicy);
  }
  for (auto& inst : c.instances) {
    if (inst.snode >= 0 && c.nodes[inst.snode].group() != c.nodes[inst.pnode].group()) {
      inst.movable = false;
    }
  }

  // Ganeti's updateMissing: memory and disk the instances do not explain.
  const auto update_missing = [&](int counts, std::vector<std::string>& lines) {
    for (size_t i = 0; i < c.nodes.size(); ++i) {
      auto& node = c.nodes[i];
      int used_mem = 0, used_dsk = 0;
      for (int p : primaries[i]) {
        if (c.instances[p].UsesMemory()) used_mem += c.instances[p].mem;
        used_dsk += c.instances[p].dsk;
      }
      for (int s : secondaries[i]) used_dsk += c.instances[s].dsk;
      node.UpdateMemStat(counts * used_mem);
      const int delta_dsk =
          static_cast<int>(std::trunc(node.t_dsk())) - node.f_dsk() - counts * used_dsk;
      if (node.x_mem() > 512 || delta_dsk > 1024) {
        char line[512];
        std::snprintf(line, sizeof line, "node %s is missing %d MB ram and %d GB disk",
                      node.name().c_str(), node.x_mem(), FloorDiv(delta_dsk, 1024));
        lines.insert(lines.begin(), line);
      }
    }
  };
  if (options.merge_twice) update_missing(1, c.first_merge_warnings);
  update_missing(merges, c.warnings);

  // Ganeti's setNodeStatus: -O, --min-disk, --max-cpu.
  std::vector<std::string> wrong;
  const auto offline = ResolveNames(node_names, options.offline_nodes, wrong);
  if (!wrong.empty()) {
    std::string list;
    for (const auto& w : wrong) list += (list.empty() ? "" : ", ") + w;
    throw ParameterError("wrong node name(s) set as offline: " + list);
  }
  for (auto& node : c.nodes) {
    if (options.max_cpu) node.SetMaxCpuRatio(*options.max_cpu);
    node.SetMinDiskRatio(options.min_disk);
    if (std::find(offline.begin(), offline.end(), node.name()) != offline.end()) {
      node.SetOffline(true);
    }
  }
  return c;
}

std::vector<DiskSpec> InstanceDisks(const Instance& instance) {
  auto as_int = [](std::optional<int64_t> v) {
    return v ? std::optional<int>(static_cast<int>(*v)) : std::nullopt;
  };
  if (!instance.disks_listed) {
    return {DiskSpec{static_cast<int>(instance.disk), as_int(instance.spindles)}};
  }
  std::vector<DiskSpec> out;
  for (const auto& d : instance.disks)
    out.push_back({static_cast<int>(d.size), as_int(d.spindles)});
  return out;
}

Cluster Cluster::GroupSubset(int group) const {
  Cluster sub;
  sub.statics_ = statics_;
  std::vector<int> node_map(nodes.size(), -1), instance_map(instances.size(), -1);
  for (const auto& n : nodes) {
    if (n.group() != group) continue;
    node_map[n.idx()] = static_cast<int>(sub.nodes.size());
    sub.nodes.push_back(n);
  }
  for (auto& n : sub.nodes) n.Renumber(node_map[n.idx()], node_map);
  for (const auto& inst : instances) {
    if (node_map[inst.pnode] < 0) continue;
    InstanceState copy = inst;
    copy.idx = static_cast<int>(sub.instances.size());
    copy.pnode = node_map[inst.pnode];
    copy.snode = inst.snode >= 0 ? node_map[inst.snode] : -1;
    sub.instances.push_back(std::move(copy));
  }
  return sub;
}

std::vector<int> Cluster::NodeGroups() const {
  std::vector<int> out;
  for (const auto& n : nodes) {
    if (std::find(out.begin(), out.end(), n.group()) == out.end()) out.push_back(n.group());
  }
  std::sort(out.begin(), out.end());
  return out;
}

int Cluster::FindNode(const std::string& name) const {
  for (const auto& n : nodes) {
    if (n.name() == name) return n.idx();
  }
  return -1;
}

int Cluster::FindInstance(const std::string& name) const {
  for (const auto& i : instances) {
    if (i.name == name) return i.idx;
  }
  return -1;
}

std::vector<std::vector<int>> Cluster::PrimaryLists() const {
  std::vector<std::vector<int>> out(nodes.size());
  for (const auto& i : instances) {
    if (!i.forthcoming) out[i.pnode].push_back(i.idx);
  }
  return out;
}

std::vector<std::vector<int>> Cluster::SecondaryLists() const {
  std::vector<std::vector<int>> out(nodes.size());
  for (const auto& i : instances) {
    if (i.snode >= 0 && !i.forthcoming) out[i.snode].push_back(i.idx);
  }
  return out;
}

std::vector<int> Cluster::SplitInstances() const {
  std::vector<int> out;
  for (const auto& i : instances) {
    if (i.snode >= 0 && nodes[i.snode].group() != nodes[i.pnode].group()) out.push_back(i.idx);
  }
  return out;
}

std::pair<std::vector<int>, std::vector<int>> Cluster::BadItems() const {
  std::vector<int> bad_nodes;
  std::set<int> bad_instances;
  const auto pl = PrimaryLists(), sl = SecondaryLists();
  for (const auto& n : nodes) {
    if (n.offline() || !n.fail_n1()) continue;
    bad_nodes.push_back(n.idx());
    bad_instances.insert(pl[n.idx()].begin(), pl[n.idx()].end());
    bad_instances.insert(sl[n.idx()].begin(), sl[n.idx()].end());
  }
  return {bad_nodes, std::vector<int>(bad_instances.begin(), bad_instances.end())};
}

std::string Cluster::CommonSuffix() const {
  std::vector<std::string> all;
  for (const auto& n : nodes) all.push_back(n.name());
  for (const auto& i : instances) all.push_back(i.name);
  return LongestDomain(all);
}

}  // namespace herd::htools
