#include "htools/hspace.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <iostream>

#include "base/errors.h"
#include "htools/allocation.h"
#include "htools/cli_common.h"
#include "htools/haskell_show.h"
#include "htools/metrics.h"
#include "htools/node_table.h"
#include "htools/text_writer.h"

namespace herd::htools {

int64_t ParseUnit(const std::string& text) {
  size_t pos = 0;
  long long value = 0;
  try {
    value = std::stoll(text, &pos);
  } catch (const std::exception&) {
    throw ParameterError("Can't parse string '" + text + "'");
  }
  std::string unit = text.substr(pos);
  unit.erase(0, unit.find_first_not_of(' '));
  std::string upper = unit;
  for (auto& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  const double mb = 1000.0 * 1000.0 / (1024.0 * 1024.0);
  double scale;
  if (unit.empty() || unit == "m" || upper == "MIB") {
    scale = 1;
  } else if (unit == "g" || upper == "GIB") {
    scale = 1024;
  } else if (unit == "t" || upper == "TIB") {
    scale = 1024.0 * 1024.0;
  } else if (unit == "M" || upper == "MB") {
    scale = mb;
  } else if (unit == "G" || upper == "GB") {
    scale = mb * 1000;
  } else if (unit == "T" || upper == "TB") {
    scale = mb * 1000 * 1000;
  } else {
    throw ParameterError("Unknown unit '" + unit + "'");
  }
  return static_cast<int64_t>(std::trunc(static_cast<double>(value) * scale));
}

ClusterData SimulatedCluster(const std::vector<std::string>& descriptions) {
  ClusterData data;
  int group_index = 0;
  for (const auto& desc : descriptions) {
    ++group_index;
    std::vector<std::string> f = SplitCommas(desc);
    if (f.size() < 5 || f.size() > 7) {
      throw ParameterError(
          "Invalid cluster specification, expected 6 comma-separated sections (allocation "
          "policy, node count, disk size, memory size, number of CPUs, spindles) but got " +
          std::to_string(f.size()) + ": '" + desc + "'");
    }
    if (f.size() < 6) f.push_back("1");
    if (f.size() < 7) f.push_back("False");
    Group g;
    const std::string& pol = f[0];
    if (pol == "preferred" || pol == "p") {
      g.alloc_policy = "preferred";
    } else if (pol == "last_resort" || pol == "a") {
      g.alloc_policy = "last_resort";
    } else if (pol == "unallocable" || pol == "u") {
      g.alloc_policy = "unallocable";
    } else {
      throw ParameterError("Cannot parse AllocPolicy abbreviation '" + pol + "'");
    }
    char name[32];
    std::snprintf(name, sizeof name, "group-%02d", group_index);
    g.name = name;
    std::snprintf(name, sizeof name, "fake-uuid-%02d", group_index);
    g.uuid = name;
    data.groups.push_back(g);
    int count = 0, cpu = 0, spindles = 0;
    try {
      count = std::stoi(f[1]);
      cpu = std::stoi(f[4]);
      spindles = std::stoi(f[5]);
    } catch (const std::exception&) {
      throw ParameterError("Cannot parse cluster specification '" + desc + "'");
    }
    const int64_t disk = ParseUnit(f[2]), mem = ParseUnit(f[3]);
    const bool excl = f[6] == "True";
    for (int i = 1; i <= count; ++i) {
      Node n;
      std::snprintf(name, sizeof name, "node-%02d-%03d", group_index, i);
      n.name = name;
      n.total_memory = static_cast<double>(mem);
      n.node_memory = 0;
      n.free_memory = static_cast<double>(mem);
      n.total_disk = static_cast<double>(disk);
      n.free_disk = static_cast<double>(disk);
      n.total_cpus = cpu;
      n.node_cpus = 1;
      n.spindles = spindles;
      n.free_spindles = 0;
      n.exclusive_storage = excl;
      n.master = group_index == 1 && i == 1;
      n.group = group_index - 1;
      data.nodes.push_back(n);
    }
  }
  return data;
}

namespace {

// A resource spec (Ganeti's RSpec).
struct RSpec {
  int64_t cpu = 0, mem = 0, dsk = 0, spn = 0;
  bool operator==(const RSpec&) const = default;
};

RSpec ParseISpec(const std::string& descr, const std::string& text) {
  const auto parts = SplitCommas(text);
  if (parts.size() < 3 || parts.size() > 4) {
    throw ParameterError("Invalid " + descr + " specification: '" + text +
                         "', expected disk,ram,cpu");
  }
  RSpec r;
  r.dsk = ParseUnit(parts[0]);
  r.mem = ParseUnit(parts[1]);
  try {
    r.cpu = std::stoll(parts[2]);
    r.spn = parts.size() == 4 ? std::stoll(parts[3]) : 1;
  } catch (const std::exception&) {
    throw ParameterError("Invalid " + descr + " specification: '" + text + "'");
  }
  return r;
}

RSpec FromISpec(const ISpec& s) {
  return RSpec{s.cpu_count, s.memory_size, s.disk_size, s.spindle_use};
}

InstanceState InstanceFromSpec(const RSpec& r, const std::string& disk_template, int su) {
  InstanceState inst;
  inst.name = inst.alias = "new";
  inst.mem = static_cast<int>(r.mem);
  inst.dsk = static_cast<int>(r.dsk);
  inst.vcpus = static_cast<int>(r.cpu);
  inst.disks = {DiskSpec{static_cast<int>(r.dsk), static_cast<int>(r.spn)}};
  inst.disk_template = disk_template;
  inst.spindle_use = su;
  return inst;
}

RSpec SpecOf(const InstanceState& inst) {
  RSpec r{inst.vcpus, inst.mem, inst.dsk, 0};
  if (inst.disks.size() == 1 && inst.disks[0].spindles) r.spn = *inst.disks[0].spindles;
  return r;
}

// Ganeti's CStats.
struct CStats {
  int64_t fmem = 0, fdsk = 0, fspn = 0, amem = 0, adsk = 0, acpu = 0, mmem = 0, mdsk = 0, mcpu = 0,
          imem = 0, idsk = 0, ispn = 0, icpu = 0, vcpu = 0, xmem = 0, nmem = 0;
  double tmem = 0, tdsk = 0, tspn = 0, tcpu = 0, ncpu = 0, score = 0;
  int ninst = 0;
};

CStats TotalResources(const Cluster& c) {
  CStats s;
  std::vector<int> primaries(c.nodes.size(), 0);
  for (const auto& inst : c.instances) {
    if (inst.pnode >= 0) ++primaries[inst.pnode];
  }
  for (const auto& n : c.nodes) {
    const int64_t amem = n.AvailMem(), adsk = n.AvailDisk(), acpu = n.AvailCpu();
    s.fmem += n.UnallocatedMem();
    s.fdsk += n.f_dsk();
    s.fspn += n.f_spindles();
    s.amem += amem;
    s.adsk += adsk;
    s.acpu += acpu;
    s.mmem = std::max(s.mmem, amem);
    s.mdsk = std::max(s.mdsk, adsk);
    s.mcpu = std::max(s.mcpu, acpu);
    s.imem += n.i_mem();
    s.idsk += static_cast<int64_t>(std::trunc(n.t_dsk())) - n.f_dsk();
    s.ispn += n.t_spindles() - n.f_spindles();
    s.icpu += n.u_cpu();
    s.tmem += n.t_mem();
    s.tdsk += n.t_dsk();
    s.tspn += n.t_spindles();
    s.tcpu += n.t_cpu();
    s.vcpu += n.hi_cpu();
    s.ncpu += n.u_cpu() / n.policy().vcpu_ratio;
    s.xmem += n.x_mem();
    s.nmem += n.n_mem();
    s.ninst += primaries[n.idx()];
  }
  s.score = ClusterScore(c.nodes);
  return s;
}

std::string Fmt(const char* fmt, double v) {
  // Haskell's printf writes non-finite numbers as show does.
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}
std::string Int(int64_t v) { return std::to_string(v); }

using Keys = std::vector<std::pair<std::string, std::string>>;

void PrintKeys(const Keys& keys) {
  for (const auto& [k, v] : keys) {
    std::string key = k;
    for (auto& ch : key) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    const bool plain = std::all_of(v.begin(), v.end(), [](char ch) {
      return std::isalnum(static_cast<unsigned char>(ch)) || ch == '.';
    });
    std::printf("HTS_%s=%s\n", key.c_str(), plain ? v.c_str() : ("'" + v + "'").c_str());
  }
}

double MemEff(const CStats& s) { return static_cast<double>(s.imem) / s.tmem; }
double DskEff(const CStats& s) { return static_cast<double>(s.idsk) / s.tdsk; }
double CpuEff(const CStats& s) { return static_cast<double>(s.icpu) / static_cast<double>(s.vcpu); }
double SpnEff(const CStats& s) { return static_cast<double>(s.ispn) / s.tspn; }

Keys PhaseStats(const std::string& kind, const CStats& s) {
  const std::string p = kind + "_";
  return {
      {p + "SCORE", Fmt("%.8f", s.score)},
      {p + "INST_CNT", Int(s.ninst)},
      {p + "MEM_FREE", Int(s.fmem)},
      {p + "MEM_AVAIL", Int(s.amem)},
      {p + "MEM_RESVD", Int(s.fmem - s.amem)},
      {p + "MEM_INST", Int(s.imem)},
      {p + "MEM_OVERHEAD", Int(s.xmem + s.nmem)},
      {p + "MEM_EFF", Fmt("%.8f", MemEff(s))},
      {p + "DSK_FREE", Int(s.fdsk)},
      {p + "DSK_AVAIL", Int(s.adsk)},
      {p + "DSK_RESVD", Int(s.fdsk - s.adsk)},
      {p + "DSK_INST", Int(s.idsk)},
      {p + "DSK_EFF", Fmt("%.8f", DskEff(s))},
      {p + "SPN_FREE", Int(s.fspn)},
      {p + "SPN_INST", Int(s.ispn)},
      {p + "SPN_EFF", Fmt("%.8f", SpnEff(s))},
      {p + "CPU_INST", Int(s.icpu)},
      {p + "CPU_EFF", Fmt("%.8f", CpuEff(s))},
      {p + "MNODE_MEM_AVAIL", Int(s.mmem)},
      {p + "MNODE_DSK_AVAIL", Int(s.mdsk)},
  };
}

std::string FormatResources(const RSpec& r, bool spindles) {
  std::string out = "MEM " + Int(r.mem) + ", DSK " + Int(r.dsk) + ", CPU " + Int(r.cpu);
  if (spindles) out += ", SPN " + Int(r.spn);
  return out;
}

bool HaveExclusiveStorage(const Cluster& c) {
  return std::any_of(c.nodes.begin(), c.nodes.end(),
                     [](const NodeState& n) { return n.exclusive_storage(); });
}

using FailStats = std::vector<std::pair<FailMode, int>>;

FailStats SortReasons(const FailCounts& counts) {
  FailStats out;
  for (int m = 0; m < kFailModeCount; ++m) out.emplace_back(static_cast<FailMode>(m), counts[m]);
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  return out;
}

std::string Upper(std::string s) {
  for (auto& ch : s) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return s;
}

void PrintClusterScores(const Cluster& ini, const Cluster& fin) {
  std::printf("  - initial cluster score: %.8f\n", ClusterScore(ini.nodes));
  std::printf("  -   final cluster score: %.8f\n", ClusterScore(fin.nodes));
}

void PrintClusterEff(const CStats& s, bool spindles) {
  std::vector<std::pair<std::string, double>> rows{
      {"memory", MemEff(s)}, {"disk", DskEff(s)}, {"vcpu", CpuEff(s)}};
  if (spindles) rows.emplace_back("spindles", SpnEff(s));
  int len = 0;
  for (const auto& r : rows) len = std::max<int>(len, r.first.size());
  for (const auto& [name, eff] : rows) {
    std::printf("  - %*s usage efficiency: %5.2f%%\n", len, name.c_str(), eff * 100);
  }
}

void PrintFRScores(const Cluster& ini, const Cluster& fin, const FailStats& reasons) {
  std::printf("  - most likely failure reason: %s\n", FailModeName(reasons.front().first));
  PrintClusterScores(ini, fin);
  PrintClusterEff(TotalResources(fin), HaveExclusiveStorage(fin));
}

Keys AllocInfoKeys(const std::string& s, int64_t vcpus, double ncpus, int64_t mem, int64_t dsk,
                   int64_t spn) {
  return {{"KM_" + s + "_CPU", Int(vcpus)},
          {"KM_" + s + "_NPU", HaskellShowDouble(ncpus)},
          {"KM_" + s + "_MEM", Int(mem)},
          {"KM_" + s + "_DSK", Int(dsk)},
          {"KM_" + s + "_SPN", Int(spn)}};
}

// Ganeti's computeAllocationDelta, printed as key metrics.
void PrintAllocationStats(const Cluster& ini, const Cluster& fin) {
  const CStats i = TotalResources(ini), f = TotalResources(fin);
  PrintKeys(AllocInfoKeys("USED", i.icpu, i.ncpu, i.imem, i.idsk, i.ispn));
  PrintKeys(AllocInfoKeys("POOL", f.icpu - i.icpu, f.ncpu - i.ncpu, f.imem - i.imem,
                          f.idsk - i.idsk, f.ispn - i.ispn));
  PrintKeys(AllocInfoKeys("UNAV", f.vcpu - f.icpu, f.tcpu - f.ncpu,
                          static_cast<int64_t>(std::trunc(f.tmem)) - f.imem,
                          static_cast<int64_t>(std::trunc(f.tdsk)) - f.idsk,
                          static_cast<int64_t>(std::trunc(f.tspn)) - f.ispn));
}

struct HspaceOptions {
  CommonOptions common;
  std::optional<std::string> disk_template;
  std::optional<int> spindle_use;
  std::vector<std::string> simulate;
  bool independent_groups = false, accept_existing = false, no_capacity = false;
  std::optional<std::string> machine_readable;
  int max_length = -1;
  std::optional<std::string> std_spec, tiered_spec;
};

struct PhaseResult {
  FailStats reasons;
  Cluster cluster;
  std::vector<int> allocated;
};

void PrintAllocationMap(const Cluster& c, const std::vector<int>& allocated,
                        const std::string& descr, bool excl) {
  std::cerr << descr << " map\n";
  std::vector<std::vector<std::string>> rows;
  for (int i : allocated) {
    const auto& inst = c.instances[i];
    std::string spn;
    if (excl) {
      const auto t = inst.TotalSpindles();
      spn = t ? std::to_string(*t) : "?";
    }
    rows.push_back({inst.name, c.nodes[inst.pnode].name(),
                    inst.snode >= 0 ? c.nodes[inst.snode].name() : "", Int(inst.mem), Int(inst.dsk),
                    Int(inst.vcpus), spn});
  }
  std::vector<size_t> width(7, 0);
  for (const auto& r : rows) {
    for (size_t k = 0; k < r.size(); ++k) width[k] = std::max(width[k], r[k].size());
  }
  for (const auto& r : rows) {
    std::string line = " ";
    for (size_t k = 0; k < r.size(); ++k) {
      const std::string pad(width[k] - r[k].size(), ' ');
      if (k) line += " ";
      line += k < 3 ? r[k] + pad : pad + r[k];
    }
    std::cerr << line << "\n";
  }
}

int Run(int argc, char** argv) {
  HspaceOptions o;
  CLI::App app{"Cluster capacity estimation (Ganeti's hspace)", "hspace"};
  AddCommonOptions(app, o.common);
  AddSaveOption(app, o.common);
  app.add_option("--disk-template", o.disk_template, "disk template of the new instances");
  app.add_option("--spindle-use", o.spindle_use, "spindles each new instance uses");
  app.add_option("--simulate", o.simulate,
                 "simulate an empty cluster, given as 'alloc_policy,num_nodes,disk,ram,cpu'")
      ->allow_extra_args(false);
  app.add_flag("--independent-groups", o.independent_groups,
               "consider groups independently for capacity checks");
  app.add_flag("--accept-existing-errors", o.accept_existing,
               "allocate even where the cluster is not N+1 redundant already");
  app.add_flag("--no-capacity-checks", o.no_capacity, "no global N+1 redundancy checks");
  app.add_option("--machine-readable", o.machine_readable, "machine readable output [yes|no]")
      ->expected(0, 1);
  app.add_option("-l,--max-length", o.max_length, "maximum number of allocations");
  app.add_option("--standard-alloc", o.std_spec, "standard allocation spec 'disk,ram,cpu'");
  app.add_option("--tiered-alloc", o.tiered_spec, "tiered allocation spec 'disk,ram,cpu'");
  app.set_version_flag("-V,--version", "hspace (Herd) 0.1");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    throw ExitRequest{app.exit(e)};
  }
  FinishCommonOptions(o.common);
  const int verbose = o.common.verbose;
  bool machine_r = false;
  if (o.machine_readable) {
    const std::string v = *o.machine_readable;
    if (v.empty() || v == "yes") {
      machine_r = true;
    } else if (v != "no") {
      throw ParameterError("Wrong value for machine-readable flag: " + v);
    }
  }
  const std::optional<RSpec> tiered_opt =
      o.tiered_spec ? std::optional<RSpec>(ParseISpec("tiered", *o.tiered_spec)) : std::nullopt;
  const std::optional<RSpec> std_opt =
      o.std_spec ? std::optional<RSpec>(ParseISpec("standard", *o.std_spec)) : std::nullopt;

  const ClusterData data =
      o.simulate.empty() ? LoadClusterData(o.common) : SimulatedCluster(o.simulate);
  Cluster nl = [&] {
    if (o.simulate.empty()) return BuildCluster(o.common, data);
    LoadOptions lo;
    lo.offline_nodes = o.common.offline;
    lo.max_cpu = o.common.max_cpu;
    lo.min_disk = o.common.min_disk;
    return Cluster::Build(data, lo);
  }();
  const IPolicy& ipol = nl.statics().cluster_ipolicy;
  if (ipol.disk_templates.empty()) {
    throw ParameterError("null list of disk templates received from cluster");
  }
  const int num_instances = static_cast<int>(nl.instances.size());
  const std::string disk_template = o.disk_template.value_or(ipol.disk_templates.front());
  const int req_nodes = disk_template == "drbd" ? 2 : 1;
  const int su = o.spindle_use.value_or(static_cast<int>(ipol.std_spec.spindle_use));
  const std::string suffix = nl.CommonSuffix();
  if (!suffix.empty() && verbose > 1) {
    std::fflush(stdout);
    std::cerr << "Note: Stripping common suffix of '" << suffix << "' from names\n";
  }
  const auto node_fields =
      o.common.print_nodes ? SplitCommas(*o.common.print_nodes) : std::vector<std::string>{};
  auto maybe_print_nodes = [&](const std::string& msg, const Cluster& c) {
    if (!o.common.print_nodes) return;
    std::fflush(stdout);
    std::cerr << "\n" << msg << " status:\n" << PrintNodes(c, node_fields) << "\n";
  };
  maybe_print_nodes("Initial cluster", nl);
  if (verbose > 2) {
    std::fflush(stdout);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.8f", ClusterScore(nl.nodes));
    std::cerr << "Initial coefficients: overall " << buf << "\n"
              << FormatStatistics("  ", nl.nodes);
  }

  const bool excl = HaveExclusiveStorage(nl);
  const CStats ini_stats = TotalResources(nl);
  if (machine_r) {
    Keys k{
        {"CLUSTER_MEM", Fmt("%.0f", ini_stats.tmem)}, {"CLUSTER_DSK", Fmt("%.0f", ini_stats.tdsk)},
        {"CLUSTER_CPU", Fmt("%.0f", ini_stats.tcpu)}, {"CLUSTER_VCPU", Int(ini_stats.vcpu)},
        {"CLUSTER_SPN", Fmt("%.0f", ini_stats.tspn)}, {"CLUSTER_NODES", Int(nl.nodes.size())}};
    PrintKeys(k);
    PrintKeys(PhaseStats("INI", ini_stats));
  } else {
    std::string res = "MEM " + Fmt("%.0f", ini_stats.tmem) + ", DSK " +
                      Fmt("%.0f", ini_stats.tdsk) + ", CPU " + Fmt("%.0f", ini_stats.tcpu) +
                      ", VCPU " + Int(ini_stats.vcpu);
    if (excl) res += ", SPN " + Fmt("%.0f", ini_stats.tspn);
    std::printf("The cluster has %zu nodes and the following resources:\n  %s.\n", nl.nodes.size(),
                res.c_str());
    std::printf("There are %s initial instances on the cluster.\n",
                ini_stats.ninst > 0 ? Int(ini_stats.ninst).c_str() : "no");
  }

  AllocOptions alg;
  alg.capacity = !o.no_capacity;
  alg.pair_shortlist = true;  // thousands of placements on large groups
  alg.accept_existing = o.accept_existing;
  const auto bad_nodes = nl.BadItems().first;
  const auto& groups = nl.statics().groups;
  std::vector<int> bad_groups;
  if (o.independent_groups || verbose > 3) {
    for (int g = 0; g < static_cast<int>(groups.size()); ++g) {
      AllocOptions only = alg;
      for (int h = 0; h < static_cast<int>(groups.size()); ++h) {
        if (h != g) only.capacity_ignore_groups.push_back(h);
      }
      if (!Redundant(nl, only)) bad_groups.push_back(g);
    }
  }
  if (verbose > 3 && !bad_nodes.empty()) {
    std::fflush(stdout);
    std::string names;
    for (int n : bad_nodes) names += (names.empty() ? "\"" : ",\"") + nl.nodes[n].name() + "\"";
    std::cerr << "Bad nodes: [" << names << "]\n";
  }
  std::vector<bool> allocable(groups.size());
  for (size_t g = 0; g < groups.size(); ++g) allocable[g] = groups[g].alloc_policy != "unallocable";
  if (!o.accept_existing) {
    for (int n : bad_nodes) allocable[nl.nodes[n].group()] = false;
  }
  if (o.independent_groups) {
    for (int g : bad_groups) allocable[g] = false;
    alg.capacity_ignore_groups = bad_groups;
  }
  const bool groups_remaining =
      std::find(allocable.begin(), allocable.end(), true) != allocable.end();
  const bool stop_allocation =
      !o.accept_existing && !(o.independent_groups && groups_remaining) && !bad_nodes.empty();
  const std::optional<int> limit =
      o.max_length == -1 ? std::nullopt : std::optional<int>(o.max_length);
  const AllocNodes alloc_nodes = GenAllocNodes(nl, req_nodes, true, alg, allocable);

  auto run_phase = [&](auto&& allocate, const RSpec& spec, bool tiered) {
    PhaseResult out{{}, nl, {}};
    if (stop_allocation) {
      out.reasons = {{FailMode::kN1, 1}};
    } else {
      try {
        AllocRun run = allocate(out.cluster);
        out.reasons = SortReasons(run.failures);
        out.allocated = std::move(run.allocated);
      } catch (const GanetiError& e) {
        throw ParameterError("failure during allocation: " +
                             (e.args().empty() ? std::string(e.what()) : e.args()[0]));
      }
    }
    const std::string prefix = tiered ? "TSPEC_INI" : "SPEC";
    if (machine_r) {
      PrintKeys({{prefix + "_MEM", Int(spec.mem)},
                 {prefix + "_DSK", Int(spec.dsk)},
                 {prefix + "_CPU", Int(spec.cpu)},
                 {prefix + "_SPN", Int(spec.spn)}});
      PrintKeys({{prefix + "_RQN", Int(req_nodes)}});
      PrintKeys({{prefix + "_DISK_TEMPLATE", disk_template}});
    } else {
      std::printf("%s instance spec is:\n  %s, using disk template '%s'.\n",
                  tiered ? "Tiered (initial size)" : "Standard (fixed-size)",
                  FormatResources(spec, HaveExclusiveStorage(out.cluster)).c_str(),
                  disk_template.c_str());
    }
    const std::string descr = tiered ? "Tiered allocation" : "Standard allocation";
    if (verbose > 1) {
      std::fflush(stdout);
      PrintAllocationMap(out.cluster, out.allocated, descr, HaveExclusiveStorage(out.cluster));
    }
    maybe_print_nodes(descr, out.cluster);
    if (o.common.save_cluster) {
      std::fflush(stdout);
      MaybeSaveCluster(o.common, tiered ? "tiered" : "standard",
                       tiered ? "after tiered allocation" : "after standard allocation",
                       CurrentClusterData(data, out.cluster));
    }
    return out;
  };

  // Tiered allocation, one spec after the other.
  std::vector<RSpec> tspecs;
  if (tiered_opt) {
    tspecs.push_back(*tiered_opt);
  } else {
    for (const auto& mm : ipol.minmax) tspecs.push_back(FromISpec(mm.max));
  }
  if (tspecs.empty()) throw ParameterError("Empty list of specs received from the cluster");
  PhaseResult tiered = run_phase(
      [&](Cluster& c) {
        AllocRun run;
        for (const auto& ts : tspecs) {
          std::optional<int> sub_limit = limit;
          if (limit) {
            const int count = static_cast<int>(run.allocated.size());
            if (*limit <= count) break;
            sub_limit = *limit - count;
          }
          run = TieredAlloc(c, InstanceFromSpec(ts, disk_template, su), alloc_nodes, sub_limit, alg,
                            std::move(run));
        }
        return run;
      },
      tspecs.front(), true);
  // Ganeti's tieredSpecMap: runs of equal specs, in allocation order.
  std::vector<std::pair<RSpec, int>> spec_map;
  for (int i : tiered.allocated) {
    const RSpec s = SpecOf(tiered.cluster.instances[i]);
    if (!spec_map.empty() && spec_map.back().first == s) {
      ++spec_map.back().second;
    } else {
      spec_map.emplace_back(s, 1);
    }
  }
  if (machine_r) {
    PrintKeys(PhaseStats("TRL", TotalResources(tiered.cluster)));
    std::string tspec;
    for (const auto& [s, n] : spec_map) {
      if (!tspec.empty()) tspec += " ";
      tspec += Int(s.mem) + "," + Int(s.dsk) + "," + Int(s.cpu) + "," + Int(s.spn) + "=" + Int(n);
    }
    PrintKeys({{"TSPEC", tspec}});
    PrintAllocationStats(nl, tiered.cluster);
  } else {
    std::printf("Tiered allocation results:\n");
    if (spec_map.empty()) {
      std::printf("  - no instances allocated\n");
    } else {
      for (const auto& [s, n] : spec_map) {
        std::printf("  - %3d instances of spec %s\n", n, FormatResources(s, excl).c_str());
      }
    }
    PrintFRScores(nl, tiered.cluster, tiered.reasons);
  }

  // Standard (fixed-size) allocation.
  const RSpec ispec = std_opt.value_or(FromISpec(ipol.std_spec));
  PhaseResult fin = run_phase(
      [&](Cluster& c) {
        return IterateAlloc(c, InstanceFromSpec(ispec, disk_template, su), alloc_nodes, limit, alg);
      },
      ispec, false);
  const int allocs = static_cast<int>(fin.allocated.size());
  if (machine_r) {
    const CStats fin_stats = TotalResources(fin.cluster);
    if (num_instances + allocs != fin_stats.ninst) {
      std::fflush(stdout);
      throw ParameterError("internal inconsistency, allocated (" + Int(num_instances + allocs) +
                           ") != counted (" + Int(fin_stats.ninst) + ")\n");
    }
    PrintKeys(PhaseStats("FIN", fin_stats));
    PrintKeys({{"ALLOC_USAGE",
                Fmt("%.8f", static_cast<double>(num_instances) / (num_instances + allocs))},
               {"ALLOC_INSTANCES", Int(allocs)},
               {"ALLOC_FAIL_REASON", Upper(FailModeName(fin.reasons.front().first))}});
    Keys counts;
    for (const auto& [m, n] : fin.reasons) {
      counts.emplace_back(std::string("ALLOC_") + FailModeName(m) + "_CNT", Int(n));
    }
    PrintKeys(counts);
    PrintKeys({{"OK", "1"}});
  } else {
    std::printf("Normal (fixed-size) allocation results:\n");
    std::printf("  - %3d instances allocated\n", allocs);
    PrintFRScores(nl, fin.cluster, fin.reasons);
  }
  return 0;
}

}  // namespace

int HspaceMain(int argc, char** argv) { return RunProgram(argc, argv, Run); }

}  // namespace herd::htools
