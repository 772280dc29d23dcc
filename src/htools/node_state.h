// A node as the htools algorithms see it while they place instances: the
// resource bookkeeping of Ganeti's HTools Node (state of record and state of
// world, N+1 reservations, "forthcoming" instances) and the checks that
// decide whether an instance fits.
#pragma once

#include <boost/container/small_vector.hpp>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "htools/cluster_model.h"
#include "htools/instance_state.h"
#include "htools/types.h"

namespace herd::htools {

// What does not change while instances move: identity, tags, policy.
struct NodeStatic {
  std::string name, alias;
  std::vector<std::string> tags;
  std::set<std::string> location_tags, migration_tags, receive_migration_tags;
};

using TagCounts = std::map<std::string, int>;
using LocationExclusionCounts = std::map<std::pair<std::string, std::string>, int>;

class NodeState {
 public:
  // Ganeti's Node.create: resources as reported, no instances yet.
  NodeState(const NodeStatic* fixed, int idx, int group, double t_mem, int n_mem, int f_mem,
            double t_dsk, int f_dsk, double t_cpu, int n_cpu, bool offline, int t_spindles,
            int f_spindles, bool exclusive_storage);

  // Instance bookkeeping while loading (no checks).
  void SetPrimary(const InstanceState& inst);
  void SetSecondary(const InstanceState& inst);
  // Rebuilds the N+1 reservations from the node's secondaries, then the memory
  // figures from its primaries (Ganeti's buildPeers and updateMemStat).
  void BuildPeers(const std::vector<InstanceState>& instances, const std::vector<int>& secondaries);
  void UpdateMemStat(int instance_memory);

  void SetPolicy(const IPolicy* policy);
  void SetMaxCpuRatio(double ratio);   // --max-cpu
  void SetMinDiskRatio(double ratio);  // --min-disk
  void SetCpuSpeed(double speed) { cpu_speed_ = speed; }
  void SetOffline(bool offline) { offline_ = offline; }
  void SetMaster(bool master) { master_ = master; }
  // Renumbering for a subset of the cluster: peers whose node is not kept
  // (old_to_new[i] < 0) stay distinct under negative keys.
  void Renumber(int new_idx, const std::vector<int>& old_to_new);

  // Placement operations; the Add* ones return the failure mode when the
  // instance does not fit and then leave the node unchanged.
  void RemovePrimary(const InstanceState& inst);
  void RemoveSecondary(const InstanceState& inst);
  std::optional<FailMode> AddPrimary(const InstanceState& inst, bool force = false);
  std::optional<FailMode> AddSecondary(const InstanceState& inst, int pnode, bool force = false,
                                       bool ignore_disks = false);

  // Ganeti's getPolicyHealth: spindles or vcpu ratio over the policy.
  std::optional<FailMode> PolicyHealth() const;
  bool CanReceiveMigrationFrom(const NodeState& source) const;

  // Derived figures (Ganeti's function of the same name in comments).
  int RecordedFreeMem() const;  // recordedFreeMem
  int UnallocatedMem() const;   // unallocatedMem
  int AvailMem() const;         // availMem
  int AvailDisk() const;        // availDisk
  int AvailCpu() const;         // availCpu
  double EffectiveCpuRatio() const { return p_cpu_ / cpu_speed_; }
  double EffectiveCpuRatioForth() const { return p_cpu_forth_ / cpu_speed_; }
  int ConflictingPrimaries() const;

  const NodeStatic& fixed() const { return *fixed_; }
  const std::string& name() const { return fixed_->name; }
  int idx() const { return idx_; }
  int group() const { return group_; }
  bool offline() const { return offline_; }
  bool master() const { return master_; }
  bool exclusive_storage() const { return exclusive_storage_; }
  bool fail_n1() const { return fail_n1_; }
  const IPolicy& policy() const { return *policy_; }

  double t_mem() const { return t_mem_; }
  int n_mem() const { return n_mem_; }
  int i_mem() const { return i_mem_; }
  int x_mem() const { return x_mem_; }
  int f_mem() const { return f_mem_; }
  int r_mem() const { return r_mem_; }
  double t_dsk() const { return t_dsk_; }
  int f_dsk() const { return f_dsk_; }
  double t_cpu() const { return t_cpu_; }
  int n_cpu() const { return n_cpu_; }
  int u_cpu() const { return u_cpu_; }
  int hi_cpu() const { return hi_cpu_; }
  int t_spindles() const { return t_spindles_; }
  int f_spindles() const { return f_spindles_; }
  double hi_spindles() const { return hi_spindles_; }
  double inst_spindles() const { return inst_spindles_; }
  double inst_spindles_forth() const { return inst_spindles_forth_; }
  double p_mem() const { return p_mem_; }
  double p_mem_forth() const { return p_mem_forth_; }
  double p_dsk() const { return p_dsk_; }
  double p_dsk_forth() const { return p_dsk_forth_; }
  double p_rem() const { return p_rem_; }
  double p_cpu() const { return p_cpu_; }
  int primary_count() const { return p_count_; }
  int secondary_count() const { return s_count_; }
  const DynUtil& util_load() const { return util_load_; }
  const DynUtil& util_pool() const { return util_pool_; }
  int location_score() const { return location_score_; }
  const LocationExclusionCounts& instance_map() const { return instance_map_; }
  const TagCounts& primary_tags() const { return p_tags_; }
  // Primary node -> memory to reserve for it, sorted; inline storage keeps
  // the many trial copies of a move search free of allocations.
  using PeerMap = boost::container::small_vector<std::pair<int, int>, 14>;
  const PeerMap& peers() const { return peers_; }
  // The memory reserved for `pnode`'s instances (0 when none).
  int PeerMemory(int pnode) const;

 private:
  void SetPeerMemory(int pnode, int mem);
  int MaxPeerMemory() const;
  double ComputePDsk(int free_spindles, int free_disk) const;
  int NewFreeSpindles(bool add, int current, const InstanceState& inst) const;
  double NewInstSpindles(bool add, double current, const InstanceState& inst) const;
  int DesiredLocationScore(const InstanceState& inst) const;
  std::vector<std::pair<std::string, std::string>> LocationExclusionPairs(
      const InstanceState& inst) const;

  const NodeStatic* fixed_;
  const IPolicy* policy_;
  int idx_, group_;
  double t_mem_;
  int n_mem_, i_mem_ = 0, f_mem_, f_mem_forth_, x_mem_ = 0;
  double t_dsk_;
  int f_dsk_, f_dsk_forth_;
  double t_cpu_, cpu_speed_ = 1;
  int n_cpu_, u_cpu_, u_cpu_forth_;
  int t_spindles_, f_spindles_, f_spindles_forth_;
  int p_count_ = 0, s_count_ = 0;
  PeerMap peers_;
  bool fail_n1_ = true;
  int r_mem_ = 0;
  double p_mem_ = 0, p_mem_forth_, p_dsk_, p_dsk_forth_, p_rem_ = 0, p_cpu_, p_cpu_forth_;
  double max_cpu_ratio_;  // the policy's vcpu ratio unless --max-cpu overrides it
  double m_dsk_ = 0;
  int lo_dsk_ = 0, hi_cpu_;
  double hi_spindles_, inst_spindles_ = 0, inst_spindles_forth_ = 0;
  bool offline_, master_ = false, exclusive_storage_;
  DynUtil util_pool_ = kBaseUtil, util_load_, util_load_forth_;
  TagCounts p_tags_;
  int location_score_ = 0;
  LocationExclusionCounts instance_map_;
};

}  // namespace herd::htools
