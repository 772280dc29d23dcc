#include "htools/node_state.h"

#include <algorithm>
#include <cmath>

namespace herd::htools {
namespace {

constexpr double kDefaultVcpuRatio = 4.0, kDefaultSpindleRatio = 32.0;

int IncIf(bool cond, int base, int delta) { return cond ? base + delta : base; }
int DecIf(bool cond, int base, int delta) { return cond ? base - delta : base; }

}  // namespace

NodeState::NodeState(const NodeStatic* fixed, int idx, int group, double t_mem, int n_mem,
                     int f_mem, double t_dsk, int f_dsk, double t_cpu, int n_cpu, bool offline,
                     int t_spindles, int f_spindles, bool exclusive_storage)
    : fixed_(fixed),
      policy_(nullptr),
      idx_(idx),
      group_(group),
      t_mem_(t_mem),
      n_mem_(n_mem),
      f_mem_(f_mem),
      f_mem_forth_(f_mem),
      t_dsk_(t_dsk),
      f_dsk_(f_dsk),
      f_dsk_forth_(f_dsk),
      t_cpu_(t_cpu),
      n_cpu_(n_cpu),
      u_cpu_(n_cpu),
      u_cpu_forth_(n_cpu),
      t_spindles_(t_spindles),
      f_spindles_(f_spindles),
      f_spindles_forth_(f_spindles),
      p_mem_forth_(f_mem / t_mem),
      p_cpu_(n_cpu / t_cpu),
      p_cpu_forth_(n_cpu / t_cpu),
      max_cpu_ratio_(kDefaultVcpuRatio),
      hi_cpu_(static_cast<int>(std::floor(kDefaultVcpuRatio * t_cpu))),
      hi_spindles_(kDefaultSpindleRatio * t_spindles),
      offline_(offline),
      exclusive_storage_(exclusive_storage) {
  p_dsk_ = p_dsk_forth_ = ComputePDsk(f_spindles, f_dsk);
}

double NodeState::ComputePDsk(int free_spindles, int free_disk) const {
  double total = exclusive_storage_ ? static_cast<double>(t_spindles_) : t_dsk_;
  if (total == 0) return 1;
  return (exclusive_storage_ ? free_spindles : free_disk) / total;
}

int NodeState::NewFreeSpindles(bool add, int current, const InstanceState& inst) const {
  if (!exclusive_storage_) return 0;
  auto total = inst.TotalSpindles();
  if (!total) return add ? -1 : current;  // unknown spindles never fit
  return add ? current - *total : current + *total;
}

double NodeState::NewInstSpindles(bool add, double current, const InstanceState& inst) const {
  if (exclusive_storage_) return 0.0;
  if (!inst.UsesLocalStorage()) return current;
  return add ? current + inst.spindle_use : current - inst.spindle_use;
}

int NodeState::DesiredLocationScore(const InstanceState& inst) const {
  int unsatisfied = 0;
  for (const auto& tag : inst.desired_location_tags) {
    if (!fixed_->location_tags.count(tag)) ++unsatisfied;
  }
  return unsatisfied;
}

std::vector<std::pair<std::string, std::string>> NodeState::LocationExclusionPairs(
    const InstanceState& inst) const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& loc : fixed_->location_tags) {
    for (const auto& excl : inst.excl_tags) out.emplace_back(loc, excl);
  }
  return out;
}

int NodeState::PeerMemory(int pnode) const {
  auto it = std::lower_bound(peers_.begin(), peers_.end(), std::make_pair(pnode, INT32_MIN));
  return it != peers_.end() && it->first == pnode ? it->second : 0;
}

void NodeState::SetPeerMemory(int pnode, int mem) {
  auto it = std::lower_bound(peers_.begin(), peers_.end(), std::make_pair(pnode, INT32_MIN));
  bool present = it != peers_.end() && it->first == pnode;
  if (mem > 0) {
    if (present) {
      it->second = mem;
    } else {
      peers_.insert(it, {pnode, mem});
    }
  } else if (present) {
    peers_.erase(it);
  }
}

int NodeState::MaxPeerMemory() const {
  int best = 0;
  for (const auto& [pnode, mem] : peers_) best = std::max(best, mem);
  return best;
}

void NodeState::SetPrimary(const InstanceState& inst) {
  if (!inst.forthcoming) {
    ++p_count_;
    if (inst.NotOffline()) u_cpu_ += inst.vcpus;
    p_cpu_ = u_cpu_ / t_cpu_;
    util_load_ += inst.util;
    inst_spindles_ = NewInstSpindles(true, inst_spindles_, inst);
    location_score_ += inst.location_score + DesiredLocationScore(inst);
    for (auto& pair : LocationExclusionPairs(inst)) ++instance_map_[pair];
  }
  for (const auto& tag : inst.excl_tags) ++p_tags_[tag];
  if (inst.NotOffline()) u_cpu_forth_ += inst.vcpus;
  p_cpu_forth_ = u_cpu_forth_ / t_cpu_;
  util_load_forth_ += inst.util;
  if (!inst.UsesMemory()) f_mem_forth_ -= inst.mem;
  p_mem_forth_ = f_mem_forth_ / t_mem_;
  inst_spindles_forth_ = NewInstSpindles(true, inst_spindles_forth_, inst);
  if (inst.forthcoming) {
    f_dsk_forth_ = DecIf(inst.UsesLocalStorage(), f_dsk_forth_, inst.dsk);
    f_spindles_forth_ = NewFreeSpindles(true, f_spindles_forth_, inst);
    p_dsk_forth_ = ComputePDsk(f_spindles_forth_, f_dsk_forth_);
  }
}

void NodeState::SetSecondary(const InstanceState& inst) {
  if (!inst.forthcoming) {
    ++s_count_;
    util_load_.dsk += inst.util.dsk;
    inst_spindles_ = NewInstSpindles(true, inst_spindles_, inst);
  }
  util_load_forth_.dsk += inst.util.dsk;
  inst_spindles_forth_ = NewInstSpindles(true, inst_spindles_forth_, inst);
  if (inst.forthcoming) {
    f_dsk_forth_ = DecIf(inst.UsesLocalStorage(), f_dsk_forth_, inst.dsk);
    f_spindles_forth_ = NewFreeSpindles(true, f_spindles_forth_, inst);
    p_dsk_forth_ = ComputePDsk(f_spindles_forth_, f_dsk_forth_);
  }
}

void NodeState::BuildPeers(const std::vector<InstanceState>& instances,
                           const std::vector<int>& secondaries) {
  peers_.clear();
  std::map<int, int> sums;
  for (int i : secondaries) {
    const auto& inst = instances[i];
    sums[inst.pnode] += inst.UsesSecMem() && !inst.forthcoming ? inst.mem : 0;
  }
  for (const auto& [pnode, mem] : sums) peers_.emplace_back(pnode, mem);
  r_mem_ = MaxPeerMemory();
  p_rem_ = r_mem_ / t_mem_;
  // Ganeti 3.0 judges N+1 at load time against the reported free memory.
  fail_n1_ = f_mem_ < r_mem_;
}

void NodeState::UpdateMemStat(int instance_memory) {
  i_mem_ = instance_memory;
  x_mem_ = RecordedFreeMem() - f_mem_;
  p_mem_ = UnallocatedMem() / t_mem_;
}

void NodeState::Renumber(int new_idx, const std::vector<int>& old_to_new) {
  idx_ = new_idx;
  for (auto& [pnode, mem] : peers_) {
    pnode = pnode >= 0 && old_to_new[pnode] >= 0 ? old_to_new[pnode] : -2 - pnode;
  }
  std::sort(peers_.begin(), peers_.end());
}

void NodeState::SetPolicy(const IPolicy* policy) {
  policy_ = policy;
  max_cpu_ratio_ = policy->vcpu_ratio;
  hi_cpu_ = static_cast<int>(std::floor(policy->vcpu_ratio * t_cpu_));
  hi_spindles_ = policy->spindle_ratio * t_spindles_;
}

void NodeState::SetMaxCpuRatio(double ratio) {
  max_cpu_ratio_ = ratio;
  hi_cpu_ = static_cast<int>(std::floor(ratio * t_cpu_));
}

void NodeState::SetMinDiskRatio(double ratio) {
  m_dsk_ = ratio;
  lo_dsk_ = static_cast<int>(std::floor(ratio * t_dsk_));
}

int NodeState::RecordedFreeMem() const {
  return static_cast<int>(std::trunc(t_mem_)) - n_mem_ - i_mem_;
}
int NodeState::UnallocatedMem() const { return RecordedFreeMem() - std::max(0, x_mem_); }
int NodeState::AvailMem() const { return std::max(0, UnallocatedMem() - r_mem_); }
int NodeState::AvailDisk() const { return f_dsk_ < lo_dsk_ ? 0 : f_dsk_ - lo_dsk_; }
int NodeState::AvailCpu() const { return hi_cpu_ >= u_cpu_ ? hi_cpu_ - u_cpu_ : 0; }

int NodeState::ConflictingPrimaries() const {
  int sum = 0;
  for (const auto& [tag, count] : p_tags_) sum += count;
  return sum - static_cast<int>(p_tags_.size());
}

std::optional<FailMode> NodeState::PolicyHealth() const {
  if (inst_spindles_ > hi_spindles_) return FailMode::kDisk;
  if (p_cpu_ > max_cpu_ratio_) return FailMode::kCpu;
  return std::nullopt;
}

bool NodeState::CanReceiveMigrationFrom(const NodeState& source) const {
  return std::includes(fixed_->receive_migration_tags.begin(), fixed_->receive_migration_tags.end(),
                       source.fixed_->migration_tags.begin(), source.fixed_->migration_tags.end());
}

void NodeState::RemovePrimary(const InstanceState& inst) {
  const bool online = inst.NotOffline(), uses_disk = inst.UsesLocalStorage();
  if (!inst.forthcoming) {
    --p_count_;
    if (inst.UsesMemory()) i_mem_ -= inst.mem;
    const int free_mem = UnallocatedMem();
    p_mem_ = free_mem / t_mem_;
    fail_n1_ = free_mem <= r_mem_;
    f_dsk_ = IncIf(uses_disk, f_dsk_, inst.dsk);
    f_spindles_ = NewFreeSpindles(false, f_spindles_, inst);
    inst_spindles_ = NewInstSpindles(false, inst_spindles_, inst);
    p_dsk_ = ComputePDsk(f_spindles_, f_dsk_);
    u_cpu_ = DecIf(online, u_cpu_, inst.vcpus);
    p_cpu_ = u_cpu_ / t_cpu_;
    util_load_ -= inst.util;
    location_score_ -= inst.location_score + DesiredLocationScore(inst);
    for (auto& pair : LocationExclusionPairs(inst)) {
      auto it = instance_map_.find(pair);
      if (it != instance_map_.end() && --it->second <= 0) instance_map_.erase(it);
    }
  }
  for (const auto& tag : inst.excl_tags) {
    auto it = p_tags_.find(tag);
    if (it != p_tags_.end() && --it->second <= 0) p_tags_.erase(it);
  }
  f_mem_forth_ += inst.mem;
  f_dsk_forth_ = IncIf(uses_disk, f_dsk_forth_, inst.dsk);
  f_spindles_forth_ = NewFreeSpindles(false, f_spindles_forth_, inst);
  inst_spindles_forth_ = NewInstSpindles(false, inst_spindles_forth_, inst);
  p_mem_forth_ = f_mem_forth_ / t_mem_;
  p_dsk_forth_ = ComputePDsk(f_spindles_forth_, f_dsk_forth_);
  u_cpu_forth_ = DecIf(online, u_cpu_forth_, inst.vcpus);
  p_cpu_forth_ = u_cpu_forth_ / t_cpu_;
  util_load_forth_ -= inst.util;
}

void NodeState::RemoveSecondary(const InstanceState& inst) {
  const bool uses_disk = inst.UsesLocalStorage();
  if (!inst.forthcoming) {
    --s_count_;
    f_dsk_ = IncIf(uses_disk, f_dsk_, inst.dsk);
    f_spindles_ = NewFreeSpindles(false, f_spindles_, inst);
    inst_spindles_ = NewInstSpindles(false, inst_spindles_, inst);
    const int old_peer = PeerMemory(inst.pnode);
    SetPeerMemory(inst.pnode, inst.UsesSecMem() ? old_peer - inst.mem : old_peer);
    if (old_peer >= r_mem_) r_mem_ = MaxPeerMemory();
    p_rem_ = r_mem_ / t_mem_;
    fail_n1_ = UnallocatedMem() <= r_mem_;
    p_dsk_ = ComputePDsk(f_spindles_, f_dsk_);
    util_load_.dsk -= inst.util.dsk;
  }
  f_dsk_forth_ = IncIf(uses_disk, f_dsk_forth_, inst.dsk);
  f_spindles_forth_ = NewFreeSpindles(false, f_spindles_forth_, inst);
  inst_spindles_forth_ = NewInstSpindles(false, inst_spindles_forth_, inst);
  p_dsk_forth_ = ComputePDsk(f_spindles_forth_, f_dsk_forth_);
  util_load_forth_.dsk -= inst.util.dsk;
}

std::optional<FailMode> NodeState::AddPrimary(const InstanceState& inst, bool force) {
  const bool strict = !force, online = inst.NotOffline(), uses_disk = inst.UsesLocalStorage();
  const double l_cpu = max_cpu_ratio_;

  const int new_mem_forth = f_mem_forth_ - inst.mem;
  const int new_dsk_forth = DecIf(uses_disk, f_dsk_forth_, inst.dsk);
  const int new_free_sp_forth = NewFreeSpindles(true, f_spindles_forth_, inst);
  const double new_inst_sp_forth = NewInstSpindles(true, inst_spindles_forth_, inst);
  const int new_ucpu_forth = IncIf(online, u_cpu_forth_, inst.vcpus);
  const double new_pcpu_forth = new_ucpu_forth / t_cpu_;

  auto forthcoming_violation = [&]() -> std::optional<FailMode> {
    if (new_mem_forth <= 0) return FailMode::kMem;
    if (uses_disk && new_dsk_forth <= 0) return FailMode::kDisk;
    if (uses_disk && new_dsk_forth < lo_dsk_) return FailMode::kDisk;
    if (uses_disk && exclusive_storage_ && new_free_sp_forth < 0) return FailMode::kSpindles;
    if (uses_disk && new_inst_sp_forth > hi_spindles_) return FailMode::kDisk;
    if (l_cpu >= 0 && l_cpu < new_pcpu_forth) return FailMode::kCpu;
    return std::nullopt;
  };
  auto update_forthcoming = [&]() {
    for (const auto& tag : inst.excl_tags) ++p_tags_[tag];
    f_mem_forth_ = new_mem_forth;
    f_dsk_forth_ = new_dsk_forth;
    p_mem_forth_ = new_mem_forth / t_mem_;
    f_spindles_forth_ = new_free_sp_forth;
    p_dsk_forth_ = ComputePDsk(new_free_sp_forth, new_dsk_forth);
    u_cpu_forth_ = new_ucpu_forth;
    p_cpu_forth_ = new_pcpu_forth;
    util_load_forth_ += inst.util;
    inst_spindles_forth_ = new_inst_sp_forth;
  };

  if (inst.forthcoming) {
    if (strict) {
      if (auto fail = forthcoming_violation()) return fail;
    }
    update_forthcoming();
    return std::nullopt;
  }

  const int new_i_mem = inst.UsesMemory() ? i_mem_ + inst.mem : i_mem_;
  const int new_free_mem =
      static_cast<int>(std::trunc(t_mem_)) - n_mem_ - new_i_mem - std::max(0, x_mem_);
  const bool new_fail_n1 = new_free_mem <= r_mem_;
  const int new_dsk = DecIf(uses_disk, f_dsk_, inst.dsk);
  const int new_free_sp = NewFreeSpindles(true, f_spindles_, inst);
  const double new_inst_sp = NewInstSpindles(true, inst_spindles_, inst);
  const int new_ucpu = IncIf(online, u_cpu_, inst.vcpus);
  const double new_pcpu = new_ucpu / t_cpu_;

  if (new_free_mem <= 0) return FailMode::kMem;
  if (uses_disk && new_dsk <= 0) return FailMode::kDisk;
  if (strict && uses_disk && new_dsk < lo_dsk_) return FailMode::kDisk;
  if (uses_disk && exclusive_storage_ && new_free_sp < 0) return FailMode::kSpindles;
  if (strict && uses_disk && new_inst_sp > hi_spindles_) return FailMode::kDisk;
  if (strict && new_fail_n1 && !fail_n1_) return FailMode::kMem;
  if (strict && l_cpu >= 0 && l_cpu < new_pcpu) return FailMode::kCpu;
  if (strict) {
    for (const auto& tag : inst.excl_tags) {
      if (p_tags_.count(tag)) return FailMode::kTags;
    }
    if (auto fail = forthcoming_violation()) return fail;
  }

  update_forthcoming();
  ++p_count_;
  i_mem_ = new_i_mem;
  f_dsk_ = new_dsk;
  fail_n1_ = new_fail_n1;
  p_mem_ = new_free_mem / t_mem_;
  p_dsk_ = ComputePDsk(new_free_sp, new_dsk);
  u_cpu_ = new_ucpu;
  p_cpu_ = new_pcpu;
  util_load_ += inst.util;
  inst_spindles_ = new_inst_sp;
  f_spindles_ = new_free_sp;
  location_score_ += inst.location_score + DesiredLocationScore(inst);
  for (auto& pair : LocationExclusionPairs(inst)) ++instance_map_[pair];
  return std::nullopt;
}

std::optional<FailMode> NodeState::AddSecondary(const InstanceState& inst, int pnode, bool force,
                                                bool ignore_disks) {
  const bool strict = !force;
  const int needed_mem = inst.UsesSecMem() ? inst.mem : 0;
  const int new_peer = PeerMemory(pnode) + needed_mem;

  const int new_dsk_forth = f_dsk_forth_ - inst.dsk;
  const int new_free_sp_forth = NewFreeSpindles(true, f_spindles_forth_, inst);
  const double new_inst_sp_forth = NewInstSpindles(true, inst_spindles_forth_, inst);

  auto forthcoming_violation = [&]() -> std::optional<FailMode> {
    if (!inst.HasSecondary()) return FailMode::kDisk;
    if (new_dsk_forth <= 0) return FailMode::kDisk;
    if (new_dsk_forth < lo_dsk_) return FailMode::kDisk;
    if (exclusive_storage_ && new_free_sp_forth < 0) return FailMode::kSpindles;
    if (new_inst_sp_forth > hi_spindles_) return FailMode::kDisk;
    if (needed_mem >= f_mem_forth_) return FailMode::kMem;
    return std::nullopt;
  };
  auto update_forthcoming = [&]() {
    f_dsk_forth_ = new_dsk_forth;
    f_spindles_forth_ = new_free_sp_forth;
    p_dsk_forth_ = ComputePDsk(new_free_sp_forth, new_dsk_forth);
    util_load_forth_.dsk += inst.util.dsk;
    inst_spindles_forth_ = new_inst_sp_forth;
  };

  if (inst.forthcoming) {
    if (strict) {
      if (auto fail = forthcoming_violation()) return fail;
    }
    update_forthcoming();
    return std::nullopt;
  }

  const int old_mem = UnallocatedMem();
  const int new_dsk = f_dsk_ - inst.dsk;
  const int new_free_sp = NewFreeSpindles(true, f_spindles_, inst);
  const double new_inst_sp = NewInstSpindles(true, inst_spindles_, inst);
  const int new_rmem = std::max(r_mem_, new_peer);
  const bool new_fail_n1 = old_mem <= new_rmem;

  if (!inst.HasSecondary()) return FailMode::kDisk;
  if (!ignore_disks && new_dsk <= 0) return FailMode::kDisk;
  if (strict && new_dsk < lo_dsk_) return FailMode::kDisk;
  if (exclusive_storage_ && new_free_sp < 0) return FailMode::kSpindles;
  if (strict && new_inst_sp > hi_spindles_) return FailMode::kDisk;
  if (strict && needed_mem >= old_mem) return FailMode::kMem;
  if (strict && new_fail_n1 && !fail_n1_) return FailMode::kMem;
  if (strict) {
    if (auto fail = forthcoming_violation()) return fail;
  }

  update_forthcoming();
  ++s_count_;
  f_dsk_ = new_dsk;
  SetPeerMemory(pnode, new_peer);
  fail_n1_ = new_fail_n1;
  r_mem_ = new_rmem;
  p_dsk_ = ComputePDsk(new_free_sp, new_dsk);
  p_rem_ = new_rmem / t_mem_;
  util_load_.dsk += inst.util.dsk;
  inst_spindles_ = new_inst_sp;
  f_spindles_ = new_free_sp;
  return std::nullopt;
}

}  // namespace herd::htools
