#include "htools/group_allocation.h"

#include <algorithm>
#include <cstdio>

#include "base/errors.h"
#include "htools/haskell_show.h"

namespace herd::htools {
namespace {

std::string ErrorText(const GanetiError& e) {
  return e.args().empty() ? std::string(e.what()) : e.args()[0];
}

// The candidates of `group`: nodes of that group, scores over `cluster`.
AllocNodes GroupCandidates(const Cluster& cluster, int group, int required,
                           const AllocOptions& options) {
  AllocNodes all = GenAllocNodes(cluster, required, false, options);
  AllocNodes out;
  out.required = required;
  for (int s : all.singles) {
    if (cluster.nodes[s].group() == group) out.singles.push_back(s);
  }
  for (auto& pair : all.pairs) {
    if (cluster.nodes[pair.first].group() == group) out.pairs.push_back(pair);
  }
  return out;
}

std::string GroupLine(const Group& group, const std::string& message) {
  return "Group " + group.name + " (" + group.alloc_policy + "): " + message;
}

}  // namespace

bool HasRequiredNetworks(const Group& group, const InstanceState& /*inst*/,
                         const std::vector<std::optional<std::string>>& nic_networks) {
  for (const auto& net : nic_networks) {
    if (net &&
        std::find(group.networks.begin(), group.networks.end(), *net) == group.networks.end()) {
      return false;
    }
  }
  return true;
}

LoggedAllocation FindBestAllocGroup(const Cluster& c,
                                    const std::optional<std::vector<int>>& allowed,
                                    const InstanceState& inst,
                                    const std::vector<std::optional<std::string>>& nic_networks,
                                    int required, const AllocOptions& options) {
  std::vector<int> groups;
  for (int g : c.NodeGroups()) {
    if (!allowed || std::find(allowed->begin(), allowed->end(), g) != allowed->end()) {
      groups.push_back(g);
    }
  }
  std::vector<std::string> filter_messages, descriptions;
  std::vector<LoggedAllocation> good;
  for (int g : groups) {
    const Group& group = c.group(g);
    if (!HasRequiredNetworks(group, inst, nic_networks)) {
      filter_messages.push_back("group " + group.name +
                                " is not connected to a network required by instance " + inst.name);
      continue;
    }
    AllocSolution sol;
    try {
      sol = TryAlloc(c, inst, GroupCandidates(c, g, required, options), options);
    } catch (const GanetiError& e) {
      descriptions.push_back("Group " + group.name + ": error " + ErrorText(e));
      continue;
    }
    descriptions.push_back(GroupLine(group, DescribeAllocSolution(c, sol)));
    if (sol.found && group.alloc_policy != "unallocable") {
      LoggedAllocation found;
      found.group = g;
      found.solution = std::move(sol);
      good.push_back(std::move(found));
    }
  }
  std::vector<std::string> messages = filter_messages;
  messages.insert(messages.end(), descriptions.begin(), descriptions.end());
  if (good.empty()) {
    std::string joined;
    if (groups.empty()) {
      joined = "no groups for evacuation: allowed groups was ";
      if (allowed) {
        joined += "Just [";
        for (size_t i = 0; i < allowed->size(); ++i) {
          joined += (i ? "," : "") + std::to_string((*allowed)[i]);
        }
        joined += "]";
      } else {
        joined += "Nothing";
      }
      joined += ", all groups: [";
      const std::vector<int> all = c.NodeGroups();
      for (size_t i = 0; i < all.size(); ++i) {
        joined += (i ? "," : "") + HaskellShowGroup(c.group(all[i]), all[i]);
      }
      joined += "]";
    } else {
      for (const auto& m : messages) joined += (joined.empty() ? "" : ", ") + m;
    }
    throw ParameterError(joined);
  }
  LoggedAllocation best = std::move(good[BestGroupIndex(c, good)]);
  best.log = std::move(messages);
  return best;
}

LoggedAllocation TryMultiGroupAllocation(
    const Cluster& c, const InstanceState& inst,
    const std::vector<std::optional<std::string>>& nic_networks, int required,
    const AllocOptions& options) {
  LoggedAllocation best =
      FindBestAllocGroup(c, std::nullopt, inst, nic_networks, required, options);
  best.log.insert(best.log.begin(), "Selected group: " + c.group(best.group).name);
  return best;
}

LoggedAllocation TryGroupAllocation(const Cluster& c, const std::string& group_name,
                                    const InstanceState& inst,
                                    const std::vector<std::optional<std::string>>& nic_networks,
                                    int required, const AllocOptions& options,
                                    const std::vector<int>* instance_keys) {
  int g = -1;
  for (size_t i = 0; i < c.statics().groups.size(); ++i) {
    const Group& group = c.statics().groups[i];
    if (group.name == group_name || group.uuid == group_name) g = static_cast<int>(i);
  }
  if (g < 0) throw ParameterError("Unknown group name '" + group_name + "'");
  const Group& group = c.group(g);
  if (!HasRequiredNetworks(group, inst, nic_networks)) {
    throw ParameterError("The group " + group.name +
                         " is not connected to a network required by instance " + inst.name);
  }
  // Scores and the N+1 check see the group alone: its nodes, and the
  // instances whose primary is there (in order, as GroupSubset keeps them).
  const Cluster subset = c.GroupSubset(g);
  AllocOptions group_options = options;
  std::vector<int> keys;
  for (const auto& i : c.instances) {
    if (c.nodes[i.pnode].group() == g) {
      keys.push_back(instance_keys ? (*instance_keys)[i.idx] : i.idx);
    }
  }
  // Ganeti files the new instance under the count of the group's instances.
  const int count = static_cast<int>(keys.size());
  for (int i = 0; i < count; ++i) {
    if (keys[i] == count) group_options.capacity_replaced_instance = i;
  }
  AllocSolution sol =
      TryAlloc(subset, inst, GenAllocNodes(subset, required, false, options), group_options);
  LoggedAllocation out;
  out.group = g;
  out.group_nodes_only = true;
  out.description = DescribeAllocSolution(subset, sol);
  out.log.push_back(GroupLine(group, out.description));
  if (sol.found) {
    // Back to the cluster's node indices: redo the placement on its nodes.
    InstanceState placed = sol.instance;
    placed.pnode = c.FindNode(subset.nodes[sol.instance.pnode].name());
    placed.snode =
        sol.instance.snode >= 0 ? c.FindNode(subset.nodes[sol.instance.snode].name()) : -1;
    NodeState primary = c.nodes[placed.pnode];
    primary.AddPrimary(placed, true);
    sol.primary = std::move(primary);
    if (placed.snode >= 0) {
      NodeState secondary = c.nodes[placed.snode];
      secondary.AddSecondary(placed, placed.pnode, true);
      sol.secondary = std::move(secondary);
    } else {
      sol.secondary.reset();
    }
    sol.instance = placed;
  }
  out.solution = std::move(sol);
  return out;
}

}  // namespace herd::htools
