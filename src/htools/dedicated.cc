#include "htools/dedicated.h"

#include <algorithm>

#include "base/errors.h"

namespace herd::htools {
namespace {

// Lost allocations per test instance, then the free disk left.
struct Metric {
  std::vector<int> lost;
  int disk = 0;
  bool operator<(const Metric& o) const { return lost != o.lost ? lost < o.lost : disk < o.disk; }
};

// Haskell's show of the metric: "([0,0,1],20490)".
std::string ShowMetric(const Metric& m) {
  std::string out = "([";
  for (size_t i = 0; i < m.lost.size(); ++i) out += (i ? "," : "") + std::to_string(m.lost[i]);
  return out + "]," + std::to_string(m.disk) + ")";
}

// Ganeti's testInstances: one plain instance per min spec, largest disk first.
std::vector<InstanceState> TestInstances(const IPolicy& policy) {
  std::vector<ISpec> mins;
  for (const auto& mm : policy.minmax) mins.push_back(mm.min);
  std::stable_sort(mins.begin(), mins.end(),
                   [](const ISpec& a, const ISpec& b) { return a.disk_size > b.disk_size; });
  std::vector<InstanceState> out;
  for (const auto& s : mins) {
    InstanceState inst;
    inst.name = inst.alias = "minimalspecinstance";
    inst.mem = static_cast<int>(s.memory_size);
    inst.dsk = static_cast<int>(s.disk_size);
    inst.vcpus = static_cast<int>(s.cpu_count);
    inst.auto_balance = false;
    inst.disk_template = "plain";
    inst.spindle_use = static_cast<int>(s.spindle_use);
    out.push_back(std::move(inst));
  }
  return out;
}

// Ganeti's allocationVector: how many of each test instance still fit.
std::vector<int> AllocationVector(const std::vector<InstanceState>& tests, const NodeState& node) {
  constexpr int kLimit = 1 << 20;  // guards against instances that take nothing
  std::vector<int> out;
  for (const auto& t : tests) {
    NodeState n = node;
    int count = 0;
    while (count < kLimit && !n.AddPrimary(t)) ++count;
    out.push_back(count);
  }
  return out;
}

std::vector<int> Minus(const std::vector<int>& a, const std::vector<int>& b) {
  std::vector<int> out(a.size());
  for (size_t i = 0; i < a.size(); ++i) out[i] = a[i] - b[i];
  return out;
}

struct Best {
  AllocSolution solution;
  std::optional<Metric> metric;
};

void Fail(AllocSolution& sol, FailMode mode) {
  ++sol.failures[static_cast<int>(mode)];
  ++sol.failure_total;
}

void Offer(Best& best, InstanceState placed, NodeState p, std::optional<NodeState> s, Metric m) {
  ++best.solution.allocs;
  // Later candidates win ties (Ganeti's bestAllocElement).
  if (best.metric && *best.metric < m) return;
  best.metric = std::move(m);
  best.solution.found = true;
  best.solution.instance = std::move(placed);
  best.solution.primary = std::move(p);
  best.solution.secondary = std::move(s);
}

using Scored = std::pair<LoggedAllocation, std::optional<Metric>>;

// Ganeti's Dedicated.findAllocation on the nodes of group `g`.
Scored FindAllocation(const Cluster& c, int g, const InstanceState& inst,
                      const std::vector<std::optional<std::string>>& nic_networks, int required,
                      const AllocOptions& options) {
  const Group& group = c.group(g);
  if (!HasRequiredNetworks(group, inst, nic_networks)) {
    throw ParameterError("The group " + group.name +
                         " is not connected to a network required by instance " + inst.name);
  }
  const AllocNodes all = GenAllocNodes(c, required, false, options);
  const bool force = options.ignore_soft_errors;
  Best best;
  if (required == 2) {
    bool any = false;
    for (const auto& [p, ss] : all.pairs) {
      if (c.nodes[p].group() != g) continue;
      any = true;
      const NodeState& primary = c.nodes[p];
      const auto tests = TestInstances(primary.policy());
      for (int s : ss) {
        InstanceState placed = inst;
        placed.pnode = p;
        placed.snode = s;
        if (auto f = InstanceMatchesPolicy(placed, primary.policy(), primary.exclusive_storage())) {
          Fail(best.solution, *f);
          continue;
        }
        NodeState new_p = primary;
        if (auto f = new_p.AddPrimary(placed, force)) {
          Fail(best.solution, *f);
          continue;
        }
        NodeState new_s = c.nodes[s];
        if (auto f = new_s.AddSecondary(placed, p)) {
          Fail(best.solution, *f);
          continue;
        }
        Metric m;
        const auto lost_p = Minus(AllocationVector(tests, primary), AllocationVector(tests, new_p));
        const auto lost_s =
            Minus(AllocationVector(tests, c.nodes[s]), AllocationVector(tests, new_s));
        for (size_t i = 0; i < lost_p.size(); ++i) m.lost.push_back(lost_p[i] + lost_s[i]);
        m.disk = new_p.f_dsk() + new_s.f_dsk();
        Offer(best, placed, std::move(new_p), std::move(new_s), std::move(m));
      }
    }
    if (!any) throw ParameterError("Not enough online nodes");
  } else {
    bool any = false;
    for (int p : all.singles) {
      if (c.nodes[p].group() != g) continue;
      any = true;
      const NodeState& primary = c.nodes[p];
      InstanceState placed = inst;
      placed.pnode = p;
      placed.snode = -1;
      if (auto f = InstanceMatchesPolicy(placed, primary.policy(), primary.exclusive_storage())) {
        Fail(best.solution, *f);
        continue;
      }
      NodeState new_p = primary;
      if (auto f = new_p.AddPrimary(placed, force)) {
        Fail(best.solution, *f);
        continue;
      }
      const auto tests = TestInstances(primary.policy());
      Metric m{Minus(AllocationVector(tests, primary), AllocationVector(tests, new_p)),
               new_p.f_dsk()};
      Offer(best, placed, std::move(new_p), std::nullopt, std::move(m));
    }
    if (!any) throw ParameterError("No online nodes");
  }
  LoggedAllocation out;
  out.group = g;
  out.group_nodes_only = true;
  const std::string score = best.metric ? ShowMetric(*best.metric) : "";
  out.description = DescribeAllocSolution(c, best.solution, score);
  out.log.push_back("Group " + group.name + " (" + group.alloc_policy + "): " + out.description);
  out.solution = std::move(best.solution);
  return {std::move(out), std::move(best.metric)};
}

}  // namespace

LoggedAllocation TryDedicatedAllocation(const Cluster& c, const InstanceState& inst,
                                        const std::vector<std::optional<std::string>>& nic_networks,
                                        int required, const AllocOptions& options) {
  std::vector<std::string> messages;
  std::vector<Scored> good;
  for (int g : c.NodeGroups()) {
    const Group& group = c.group(g);
    try {
      Scored s = FindAllocation(c, g, inst, nic_networks, required, options);
      messages.insert(messages.end(), s.first.log.begin(), s.first.log.end());
      if (s.first.solution.found && group.alloc_policy != "unallocable") {
        good.push_back(std::move(s));
      }
    } catch (const GanetiError& e) {
      messages.push_back("Group " + group.name + ": error " +
                         (e.args().empty() ? std::string(e.what()) : e.args()[0]));
    }
  }
  if (good.empty()) {
    std::string joined;
    for (const auto& m : messages) joined += (joined.empty() ? "" : ", ") + m;
    throw ParameterError(joined);
  }
  std::reverse(good.begin(), good.end());
  std::stable_sort(good.begin(), good.end(), [&](const Scored& a, const Scored& b) {
    const int ra = PolicyRank(c.group(a.first.group).alloc_policy),
              rb = PolicyRank(c.group(b.first.group).alloc_policy);
    if (ra != rb) return ra < rb;
    return *a.second < *b.second;
  });
  LoggedAllocation best = std::move(good.front().first);
  best.log = std::move(messages);
  best.log.insert(best.log.begin(), "Selected group: " + c.group(best.group).name);
  return best;
}

LoggedAllocation TryDedicatedGroupAllocation(
    const Cluster& c, const std::string& group_name, const InstanceState& inst,
    const std::vector<std::optional<std::string>>& nic_networks, int required,
    const AllocOptions& options) {
  for (size_t g = 0; g < c.statics().groups.size(); ++g) {
    const Group& group = c.statics().groups[g];
    if (group.name == group_name || group.uuid == group_name) {
      return FindAllocation(c, static_cast<int>(g), inst, nic_networks, required, options).first;
    }
  }
  throw ParameterError("Unknown group name '" + group_name + "'");
}

}  // namespace herd::htools
