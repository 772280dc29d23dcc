// The working cluster of the htools algorithms: nodes and instances built
// from a loaded ClusterData the way Ganeti's loader finishes any backend's
// data (tags, exclusion and location tags, N+1 reservations, missing memory).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "htools/cluster_model.h"
#include "htools/instance_state.h"
#include "htools/node_state.h"

namespace herd::htools {

struct LoadOptions {
  std::vector<std::string> exclusion_tags;      // --exclusion-tags (prefixes)
  std::vector<std::string> selected_instances;  // --select-instances
  std::vector<std::string> excluded_instances;  // --exclude-instances
  std::vector<std::string> offline_nodes;       // -O
  std::map<std::string, DynUtil> utilisation;   // -U file
  bool ignore_dynu = false;                     // --ignore-dynu
  std::optional<double> max_cpu;                // --max-cpu
  double min_disk = 0;                          // --min-disk
  // --static-kvm-node-memory: the memory reserved on KVM nodes (0: as reported).
  int static_kvm_node_memory = 0;
  // Ganeti's hbal -I merges the request's data twice (its iallocator parser
  // already did once): every instance then counts twice on its nodes.
  bool merge_twice = false;
};

struct ClusterStatics {
  std::vector<NodeStatic> nodes;
  std::vector<Group> groups;
  IPolicy cluster_ipolicy;
  std::vector<std::string> cluster_tags;
};

class Cluster {
 public:
  // Throws ParameterError for unknown instances or nodes named in options.
  static Cluster Build(const ClusterData& data, const LoadOptions& options = {});

  // The nodes of `group` and the instances whose primary is there, with node
  // indices renumbered; split instances lose their outside secondary.
  Cluster GroupSubset(int group) const;
  // Groups that have nodes, in order of first appearance among the nodes.
  std::vector<int> NodeGroups() const;

  std::vector<NodeState> nodes;
  std::vector<InstanceState> instances;
  std::vector<std::string> warnings;  // Ganeti's "node X is missing ..." lines
  // With merge_twice: the lines of the first merge, reported before `warnings`.
  std::vector<std::string> first_merge_warnings;

  const ClusterStatics& statics() const { return *statics_; }
  const Group& group(int g) const { return statics_->groups[g]; }
  int FindNode(const std::string& name) const;
  int FindInstance(const std::string& name) const;
  // Primary and secondary instances of each node, from the instances.
  std::vector<std::vector<int>> PrimaryLists() const;
  std::vector<std::vector<int>> SecondaryLists() const;
  // Instances whose nodes lie in different groups.
  std::vector<int> SplitInstances() const;
  // Ganeti's computeBadItems: N+1-failing online nodes and their instances.
  std::pair<std::vector<int>, std::vector<int>> BadItems() const;
  // The common domain suffix of all node and instance names ("" if none).
  std::string CommonSuffix() const;

 private:
  std::shared_ptr<ClusterStatics> statics_;
};

// The disks of a loaded instance: as listed (an iallocator instance, none
// when diskless), else one disk of the instance's total size and spindles.
std::vector<DiskSpec> InstanceDisks(const Instance& instance);

// Ganeti's setInstanceLocationScore: common-failure tags shared by the nodes.
int InstanceLocationScore(const NodeState& primary, const NodeState* secondary);

}  // namespace herd::htools
