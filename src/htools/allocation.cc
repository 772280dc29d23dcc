#include "htools/allocation.h"

#include <pthread.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <exception>
#include <functional>

#include "base/errors.h"
#include "htools/metrics.h"
#include "htools/moves.h"

namespace herd::htools {

int PolicyRank(const std::string& policy) {
  if (policy == "preferred") return 0;
  if (policy == "last_resort") return 1;
  return 2;
}

namespace {

// Ganeti's instCompareISpec: `sign` 1 fails above the spec, -1 below it.
std::optional<FailMode> CompareISpec(int sign, const InstanceState& inst, const ISpec& spec,
                                     bool exclusive_storage) {
  auto beyond = [sign](int64_t value, int64_t limit) {
    return sign > 0 ? value > limit : value < limit;
  };
  if (beyond(inst.mem, spec.memory_size)) return FailMode::kMem;
  for (const auto& d : inst.disks) {
    if (beyond(d.size, spec.disk_size)) return FailMode::kDisk;
  }
  if (beyond(inst.vcpus, spec.cpu_count)) return FailMode::kCpu;
  if (exclusive_storage) {
    const auto total = inst.TotalSpindles();
    if (!total || beyond(*total, spec.spindle_use)) return FailMode::kSpindles;
  } else if (beyond(inst.spindle_use, spec.spindle_use)) {
    return FailMode::kSpindles;
  }
  if (inst.disk_template != "diskless" &&
      beyond(static_cast<int64_t>(inst.disks.size()), spec.disk_count)) {
    return FailMode::kDiskCount;
  }
  return std::nullopt;
}

// Ganeti's diskTemplateMovable: storage reachable from other nodes.
bool TemplateMovable(const std::string& t) {
  return t == "diskless" || t == "sharedfile" || t == "rbd" || t == "ext" || t == "gluster";
}

bool GroupAllocable(const Group& g) { return g.alloc_policy != "unallocable"; }

// A candidate placement that fits: its score and where it goes.
struct Candidate {
  double score;
  int primary, secondary;
};

// Builds the placement of `inst` on `p` (and `s`), or the failure.
struct Placed {
  std::optional<FailMode> fail;
  InstanceState inst;
  std::optional<NodeState> p, s;
};

Placed PlaceOnSingle(const Cluster& c, const InstanceState& inst, int p, bool force) {
  Placed out;
  const NodeState& tp = c.nodes[p];
  if ((out.fail = InstanceMatchesPolicy(inst, tp.policy(), tp.exclusive_storage()))) return out;
  out.p.emplace(tp);
  if ((out.fail = out.p->AddPrimary(inst, force))) return out;
  out.inst = inst;
  out.inst.pnode = p;
  out.inst.snode = -1;
  return out;
}

Placed PlaceOnPair(const Cluster& c, const InstanceState& inst, int p, int s, bool force) {
  Placed out;
  const NodeState &tp = c.nodes[p], &ts = c.nodes[s];
  if ((out.fail = InstanceMatchesPolicy(inst, tp.policy(), tp.exclusive_storage()))) return out;
  out.inst = inst;
  out.inst.location_score = InstanceLocationScore(tp, &ts);
  out.inst.pnode = p;
  out.inst.snode = s;
  out.p.emplace(tp);
  if ((out.fail = out.p->AddPrimary(out.inst, force))) return out;
  out.s.emplace(ts);
  if ((out.fail = out.s->AddSecondary(out.inst, p))) return out;
  return out;
}

void Commit(Cluster& c, Placed&& placed) {
  c.nodes[placed.inst.pnode] = std::move(*placed.p);
  if (placed.s) c.nodes[placed.inst.snode] = std::move(*placed.s);
  placed.inst.idx = static_cast<int>(c.instances.size());
  c.instances.push_back(std::move(placed.inst));
}

bool SurelyRedundantWith(const Cluster& c, const Placed& placed, const AllocOptions& options);

// Whether the cluster stays globally N+1 redundant with the placement. The
// cluster is copied only when the evacuation shortcut cannot vouch for
// every node (Redundant asks it first too, so the answer is the same).
bool RedundantWith(const Cluster& c, const Placed& placed, const AllocOptions& options) {
  if (SurelyRedundantWith(c, placed, options)) return true;
  Cluster copy = c;
  Placed p = placed;
  Commit(copy, std::move(p));
  return Redundant(copy, options);
}

// Ganeti's collectionToSolution: candidates by score (later ones first on
// ties), the first one passing the capacity check wins; the others before it
// count as FailN1.
struct Collection {
  std::vector<Candidate> fits;
  FailCounts failures{};
  int failure_total = 0;
  void Fail(FailMode m, int count = 1) {
    failures[static_cast<int>(m)] += count;
    failure_total += count;
  }
};

void Collapse(const Cluster& c, const InstanceState& inst, Collection& col,
              const AllocOptions& options, bool capacity, AllocSolution& sol) {
  for (int m = 0; m < kFailModeCount; ++m) sol.failures[m] += col.failures[m];
  sol.failure_total += col.failure_total;
  if (col.fits.empty()) return;
  // Later candidates win ties, as Ganeti's solutions list is built in
  // reverse; NaN scores (no order) are sorted as Haskell's sortBy does.
  std::vector<int> order;
  const bool nan = std::any_of(col.fits.begin(), col.fits.end(),
                               [](const Candidate& f) { return std::isnan(f.score); });
  if (capacity || nan) {
    order.resize(col.fits.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(order.size() - 1 - i);
    if (nan) {
      HaskellSortBy(order, [&](int a, int b) {
        return HaskellCompare(col.fits[a].score, col.fits[b].score);
      });
    } else {
      std::stable_sort(order.begin(), order.end(),
                       [&](int a, int b) { return col.fits[a].score < col.fits[b].score; });
    }
    if (!capacity) order.resize(1);
  } else {
    // Only the first of that order is taken: the lowest score, the latest
    // candidate on ties.
    size_t first = 0;
    for (size_t i = 1; i < col.fits.size(); ++i) {
      if (!(col.fits[first].score < col.fits[i].score)) first = i;
    }
    order.push_back(static_cast<int>(first));
  }
  int dropped = 0;
  std::optional<Placed> chosen;
  const Candidate* best = nullptr;
  for (int i : order) {
    const Candidate& cand = col.fits[i];
    Placed placed =
        cand.secondary >= 0
            ? PlaceOnPair(c, inst, cand.primary, cand.secondary, options.ignore_soft_errors)
            : PlaceOnSingle(c, inst, cand.primary, options.ignore_soft_errors);
    if (!capacity || RedundantWith(c, placed, options)) {
      chosen.emplace(std::move(placed));
      best = &cand;
      break;
    }
    ++dropped;
  }
  sol.failures[static_cast<int>(FailMode::kN1)] += dropped;
  sol.failure_total += dropped;
  sol.allocs += static_cast<int>(col.fits.size()) - dropped;
  if (!chosen) return;
  // Ganeti's bestAllocElement: the new solution unless the old one is better.
  if (sol.found && sol.score < best->score) return;
  sol.found = true;
  sol.score = best->score;
  sol.instance = std::move(chosen->inst);
  sol.primary = std::move(chosen->p);
  sol.secondary = std::move(chosen->s);
}

InstanceState NamedCopy(const InstanceState& inst, int depth, int idx) {
  InstanceState out = inst;
  out.name = out.alias = "new-" + std::to_string(depth);
  out.idx = idx;
  return out;
}

bool AnyFailure(const FailCounts& f, FailMode m) { return f[static_cast<int>(m)] > 0; }

}  // namespace

size_t GanetiBestCandidate(const std::vector<double>& scores) {
  if (std::none_of(scores.begin(), scores.end(), [](double d) { return std::isnan(d); })) {
    size_t best = 0;
    for (size_t i = 1; i < scores.size(); ++i) {
      if (!(scores[best] < scores[i])) best = i;
    }
    return best;
  }
  std::vector<size_t> order(scores.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = order.size() - 1 - i;
  HaskellSortBy(order, [&](size_t a, size_t b) { return HaskellCompare(scores[a], scores[b]); });
  return order.front();
}

std::optional<FailMode> InstanceMatchesPolicy(const InstanceState& inst, const IPolicy& policy,
                                              bool exclusive_storage) {
  if (!policy.minmax.empty()) {
    std::optional<FailMode> result = FailMode::kInternal;
    // Ganeti folds from the right: the last pair is tried first.
    for (auto it = policy.minmax.rbegin(); it != policy.minmax.rend() && result; ++it) {
      result = CompareISpec(-1, inst, it->min, exclusive_storage);
      if (!result) result = CompareISpec(1, inst, it->max, exclusive_storage);
    }
    if (result) return result;
  }
  if (std::find(policy.disk_templates.begin(), policy.disk_templates.end(), inst.disk_template) ==
      policy.disk_templates.end()) {
    return FailMode::kDisk;
  }
  return std::nullopt;
}

AllocNodes GenAllocNodes(const Cluster& c, int required, bool drop_unallocable,
                         const AllocOptions& options, const std::vector<bool>& allocable) {
  std::vector<int> all;
  for (const auto& n : c.nodes) {
    if (n.offline()) continue;
    if (drop_unallocable) {
      const bool ok = allocable.empty() ? GroupAllocable(c.group(n.group())) : allocable[n.group()];
      if (!ok) continue;
    }
    if (options.restrict_to_nodes &&
        std::find(options.restrict_to_nodes->begin(), options.restrict_to_nodes->end(), n.name()) ==
            options.restrict_to_nodes->end()) {
      continue;
    }
    all.push_back(n.idx());
  }
  AllocNodes out;
  out.required = required;
  if (required == 1) {
    out.singles = std::move(all);
  } else if (required == 2) {
    for (int p : all) {
      std::vector<int> ss;
      for (int s : all) {
        if (s != p && c.nodes[s].group() == c.nodes[p].group()) ss.push_back(s);
      }
      if (!ss.empty()) out.pairs.emplace_back(p, std::move(ss));
    }
  } else {
    throw ParameterError("Unsupported number of nodes, only one or two  supported");
  }
  return out;
}

namespace {

// Pairs beyond which hspace's DRBD placements try a shortlist first (about
// 100 nodes in one group): every pair would cost O(nodes^2) per instance.
constexpr size_t kExhaustivePairs = 10'000;
constexpr size_t kShortlistSize = 32;
// Pairs beyond which even hail's capacity-checked DRBD allocation tries the
// shortlist first (about 200 nodes in one group).
constexpr size_t kCapacityExhaustivePairs = 40'000;

// The best primaries and secondaries, each scored alone (a secondary as if
// the primary were not yet its peer), then every pair of those exactly.
// Returns false, with `sol` untouched, when no shortlisted pair fits: the
// caller then tries every pair, which also counts the failures right.
bool TryAllocShortlist(const Cluster& c, const InstanceState& inst, const AllocNodes& nodes,
                       const AllocOptions& options, const ClusterStatistics& stats,
                       const std::vector<NodeMetrics>& metrics, AllocSolution& sol) {
  const bool force = options.ignore_soft_errors;
  for (const auto& n : c.nodes) {
    if (!n.fixed().location_tags.empty()) return false;  // scores depend on the pair
  }
  InstanceState placed = inst;
  placed.location_score = 0;
  std::vector<char> secondary_ok(c.nodes.size(), 0);
  std::vector<int> candidates;
  // Nodes of a group share one policy: check it once per policy.
  std::vector<std::pair<const IPolicy*, bool>> policy_ok;
  for (const auto& [p, ss] : nodes.pairs) {
    // Ganeti's pairs join the nodes of one group: a secondary is a primary
    // candidate of its group as well.
    secondary_ok[p] = 1;
    const NodeState& tp = c.nodes[p];
    auto known = std::find_if(policy_ok.begin(), policy_ok.end(),
                              [&](const auto& e) { return e.first == &tp.policy(); });
    if (known == policy_ok.end() || tp.exclusive_storage()) {
      const bool ok = !InstanceMatchesPolicy(inst, tp.policy(), tp.exclusive_storage());
      if (!tp.exclusive_storage()) policy_ok.emplace_back(&tp.policy(), ok);
      if (!ok) continue;
    } else if (!known->second) {
      continue;
    }
    candidates.push_back(p);
  }
  std::vector<std::pair<double, int>> primaries, secondaries;
  for (int p : candidates) {
    const NodeState& tp = c.nodes[p];
    NodeState np = tp;
    placed.pnode = p;
    if (np.AddPrimary(placed, force)) continue;
    const ClusterStatistics::Change change{&tp, &metrics[p], &np};
    primaries.emplace_back(stats.ScoreWith(&change, 1), p);
  }
  for (size_t s = 0; s < c.nodes.size(); ++s) {
    if (!secondary_ok[s]) continue;
    NodeState ns = c.nodes[s];
    if (ns.AddSecondary(placed, -1)) continue;
    const ClusterStatistics::Change change{&c.nodes[s], &metrics[s], &ns};
    secondaries.emplace_back(stats.ScoreWith(&change, 1), static_cast<int>(s));
  }
  auto keep_best = [](std::vector<std::pair<double, int>>& v) {
    const size_t k = std::min(kShortlistSize, v.size());
    std::partial_sort(v.begin(), v.begin() + k, v.end());
    v.resize(k);
    std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
  };
  keep_best(primaries);
  keep_best(secondaries);
  Collection col;
  for (const auto& [ps, p] : primaries) {
    const NodeState& tp = c.nodes[p];
    placed.pnode = p;
    NodeState np = tp;
    if (np.AddPrimary(placed, force)) continue;
    for (const auto& [ss, s] : secondaries) {
      if (s == p || c.nodes[s].group() != tp.group()) continue;
      const NodeState& ts = c.nodes[s];
      NodeState new_s = ts;
      if (new_s.AddSecondary(placed, p)) continue;
      const ClusterStatistics::Change changes[2] = {{&tp, &metrics[p], &np},
                                                    {&ts, &metrics[s], &new_s}};
      col.fits.push_back({stats.ScoreWith(changes, 2), p, s});
    }
  }
  if (col.fits.empty()) return false;
  AllocSolution trial = sol;
  Collapse(c, inst, col, options, options.capacity, trial);
  if (!trial.found) return false;
  sol = std::move(trial);
  return true;
}

}  // namespace

AllocSolution TryAlloc(const Cluster& c, const InstanceState& inst, const AllocNodes& nodes,
                       const AllocOptions& options) {
  AllocSolution sol;
  const bool force = options.ignore_soft_errors;
  std::vector<NodeMetrics> metrics;
  metrics.reserve(c.nodes.size());
  for (const auto& n : c.nodes) metrics.push_back(ComputeNodeMetrics(n));
  const ClusterStatistics stats(c.nodes, metrics);
  if (nodes.required == 2) {
    if (nodes.pairs.empty()) throw ParameterError("Not enough online nodes");
    size_t pair_count = 0;
    for (const auto& [p, ss] : nodes.pairs) pair_count += ss.size();
    // With the capacity check, every pair is only tried up to about 200
    // nodes (Ganeti's hail needs some twenty minutes there; each primary's
    // best pair costs a check of the whole cluster).
    const bool shortlist = options.pair_shortlist
                               ? pair_count > kExhaustivePairs
                               : options.capacity && pair_count > kCapacityExhaustivePairs;
    if (shortlist && TryAllocShortlist(c, inst, nodes, options, stats, metrics, sol)) {
      return sol;
    }
    // A node refusing the secondary with no peer reservation refuses it for
    // every primary, in the same way (only the N+1 reservation depends on
    // the primary, and it only grows): test each node once.
    // Its new state is the same for every primary it holds no memory for
    // yet: the state and metrics of each node taking the secondary are
    // computed once, for the nodes that are secondaries of some primary.
    std::vector<std::optional<FailMode>> secondary_fail(c.nodes.size());
    std::vector<std::optional<NodeState>> probe_state(c.nodes.size());
    std::vector<NodeMetrics> probe_metrics(c.nodes.size());
    {
      InstanceState probe = inst;
      probe.location_score = 0;
      std::vector<char> secondary(c.nodes.size(), 0);
      for (const auto& [p, ss] : nodes.pairs) {
        for (int s : ss) secondary[s] = 1;
      }
      for (size_t n = 0; n < c.nodes.size(); ++n) {
        if (!secondary[n]) continue;
        NodeState trial = c.nodes[n];
        secondary_fail[n] = trial.AddSecondary(probe, -1);
        if (!secondary_fail[n]) {
          probe_metrics[n] = ComputeNodeMetrics(trial);
          probe_state[n].emplace(std::move(trial));
        }
      }
    }
    for (const auto& [p, ss] : nodes.pairs) {
      Collection col;
      const NodeState& tp = c.nodes[p];
      if (auto fail = InstanceMatchesPolicy(inst, tp.policy(), tp.exclusive_storage())) {
        col.Fail(*fail, static_cast<int>(ss.size()));
        Collapse(c, inst, col, options, options.capacity, sol);
        continue;
      }
      // Without location tags the primary's new state is the same for
      // every secondary: compute it once.
      const bool per_pair = !tp.fixed().location_tags.empty();
      std::optional<NodeState> shared_p;
      std::optional<FailMode> shared_fail;
      NodeMetrics shared_metrics;
      ClusterStatistics::Partial partial;
      InstanceState placed = inst;
      placed.pnode = p;
      if (!per_pair) {
        placed.location_score = 0;
        shared_p.emplace(tp);
        shared_fail = shared_p->AddPrimary(placed, force);
        if (shared_fail) {
          // Every pair with this primary fails the same way.
          col.Fail(*shared_fail, static_cast<int>(ss.size()));
          Collapse(c, inst, col, options, options.capacity, sol);
          continue;
        }
        shared_metrics = ComputeNodeMetrics(*shared_p);
        if (options.exact_scores) {
          partial = stats.SequentialAfter({&tp, &metrics[p], &*shared_p, &shared_metrics});
        }
      }
      col.fits.reserve(ss.size());
      for (int s : ss) {
        if (!per_pair && !secondary_fail[s] && c.nodes[s].PeerMemory(p) == 0) {
          // The secondary's state and metrics as computed without a peer;
          // the primary's location tags, none, leave the tag map as it is.
          const NodeState& ts = c.nodes[s];
          const ClusterStatistics::Change second{&ts, &metrics[s], &*probe_state[s],
                                                 &probe_metrics[s]};
          double score;
          if (options.exact_scores) {
            score = stats.SequentialScoreFrom(partial, second);
          } else {
            const ClusterStatistics::Change changes[2] = {
                {&tp, &metrics[p], &*shared_p, &shared_metrics}, second};
            score = stats.ScoreWith(changes, 2);
          }
          col.fits.push_back({score, p, s});
          continue;
        }
        const NodeState& ts = c.nodes[s];
        std::optional<NodeState> local_p;
        const NodeState* new_p;
        if (per_pair) {
          placed.location_score = InstanceLocationScore(tp, &ts);
          local_p.emplace(tp);
          if (auto fail = local_p->AddPrimary(placed, force)) {
            col.Fail(*fail);
            continue;
          }
          new_p = &*local_p;
        } else {
          if (shared_fail) {
            col.Fail(*shared_fail);
            continue;
          }
          new_p = &*shared_p;
        }
        if (secondary_fail[s]) {
          col.Fail(*secondary_fail[s]);
          continue;
        }
        NodeState new_s = ts;
        if (auto fail = new_s.AddSecondary(placed, p)) {
          col.Fail(*fail);
          continue;
        }
        const ClusterStatistics::Change changes[2] = {{&tp, &metrics[p], new_p},
                                                      {&ts, &metrics[s], &new_s}};
        col.fits.push_back({options.exact_scores ? stats.SequentialScoreWith(changes, 2)
                                                 : stats.ScoreWith(changes, 2),
                            p, s});
      }
      Collapse(c, inst, col, options, options.capacity, sol);
    }
  } else {
    if (nodes.singles.empty()) throw ParameterError("No online nodes");
    Collection col;
    for (int p : nodes.singles) {
      const NodeState& tp = c.nodes[p];
      if (auto fail = InstanceMatchesPolicy(inst, tp.policy(), tp.exclusive_storage())) {
        col.Fail(*fail);
        continue;
      }
      NodeState new_p = tp;
      if (auto fail = new_p.AddPrimary(inst, force)) {
        col.Fail(*fail);
        continue;
      }
      const ClusterStatistics::Change change{&tp, &metrics[p], &new_p};
      col.fits.push_back({options.exact_scores ? stats.TwoPassScoreWith(c.nodes, metrics, change)
                                               : stats.ScoreWith(&change, 1),
                          p, -1});
    }
    Collapse(c, inst, col, options, options.capacity, sol);
  }
  return sol;
}

std::string DescribeAllocSolution(const Cluster& c, const AllocSolution& sol) {
  char score[64];
  if (std::isnan(sol.score)) {
    std::snprintf(score, sizeof score, "NaN");  // Haskell's printf
  } else if (std::isinf(sol.score)) {
    std::snprintf(score, sizeof score, "%sInfinity", sol.score < 0 ? "-" : "");
  } else {
    std::snprintf(score, sizeof score, "%.8f", sol.score);
  }
  return DescribeAllocSolution(c, sol, score);
}

std::string DescribeAllocSolution(const Cluster& c, const AllocSolution& sol,
                                  const std::string& score) {
  std::string reasons;
  for (int m = 0; m < kFailModeCount; ++m) {
    if (sol.failures[m] == 0) continue;
    if (!reasons.empty()) reasons += ", ";
    reasons += std::string(FailModeName(static_cast<FailMode>(m))) + ": " +
               std::to_string(sol.failures[m]);
  }
  if (!sol.found) {
    return "No valid allocation solutions, failure reasons: " +
           (sol.failure_total == 0 ? std::string("unknown reasons") : reasons);
  }
  std::string names = c.nodes[sol.instance.pnode].name();
  if (sol.instance.snode >= 0) names += "/" + c.nodes[sol.instance.snode].name();
  return "score: " + score + ", successes " + std::to_string(sol.allocs) + ", failures " +
         std::to_string(sol.failure_total) + " (" + reasons + ") for node(s) " + names;
}

void CommitAllocation(Cluster& c, const AllocSolution& sol) {
  Placed placed;
  placed.inst = sol.instance;
  placed.p = sol.primary;
  placed.s = sol.secondary;
  Commit(c, std::move(placed));
}

namespace {

// Evacuation trials on a working copy of the nodes and instances; every
// change is logged so that the next node starts from the original state.
class Evacuation {
 public:
  // `unindexed`: the instance (if any) whose moves Ganeti files under index
  // -1 (a request's new instance), so that they do not update it.
  explicit Evacuation(const Cluster& c, int unindexed = -1)
      : c_(c), nodes_(c.nodes), instances_(c.instances), unindexed_(unindexed) {}

  bool CanEvacuate(int n, const std::vector<int>& primaries) {
    const bool ok = TryEvacuate(n, primaries);
    for (auto it = saved_nodes_.rbegin(); it != saved_nodes_.rend(); ++it) {
      nodes_[it->first] = std::move(it->second);
    }
    for (auto it = saved_instances_.rbegin(); it != saved_instances_.rend(); ++it) {
      instances_[it->first] = std::move(it->second);
    }
    saved_nodes_.clear();
    saved_instances_.clear();
    return ok;
  }

 private:
  std::vector<NodeState> GroupNodes(int group) const {
    std::vector<NodeState> out;
    for (const auto& n : nodes_) {
      if (n.group() == group) out.push_back(n);
    }
    return out;
  }
  void SetNode(int idx, NodeState state) {
    saved_nodes_.emplace_back(idx, std::move(nodes_[idx]));
    nodes_[idx] = std::move(state);
  }
  void SetInstance(int idx, InstanceState state) {
    saved_instances_.emplace_back(idx, std::move(instances_[idx]));
    instances_[idx] = std::move(state);
  }
  void ApplyResult(MoveResult& r) {
    for (int k = 0; k < r.count; ++k) SetNode(r.node[k], r.After(k));
    SetInstance(r.instance.idx, r.instance);
  }

  bool TryEvacuate(int n, const std::vector<int>& primaries) {
    std::vector<int> shared, others;
    for (int i : primaries) {
      const auto& inst = instances_[i];
      if (inst.disk_template == "drbd") {
        // Fail over, ignoring soft errors (Ganeti's Moves.move).
        if (inst.snode < 0) return false;
        const Departure d = Depart(nodes_, inst);
        MoveResult r;
        if (!ApplyMove(nodes_, inst, d, Move{MoveKind::kFailover, -1}, true, r)) return false;
        ApplyResult(r);
      } else if (TemplateMovable(inst.disk_template)) {
        shared.push_back(i);
      } else {
        others.push_back(i);
      }
    }
    if (shared.empty() && others.empty()) return true;
    const int group = nodes_[n].group();
    std::vector<int> escape;
    for (const auto& node : nodes_) {
      if (node.group() == group && node.idx() != n) escape.push_back(node.idx());
    }
    for (int i : shared) {
      // Ganeti's evacOneNodeOnly: the best-scoring node taking the instance.
      const auto& inst = instances_[i];
      const Departure d = Depart(nodes_, inst);
      std::optional<MoveResult> best;
      double best_score = 0;
      const ClusterStatistics stats(GroupNodes(group));
      for (int t : escape) {
        MoveResult r;
        if (!ApplyMove(nodes_, inst, d, Move{MoveKind::kFailoverToAny, t}, true, r)) continue;
        NodeMetrics before[3];
        ClusterStatistics::Change changes[3];
        for (int k = 0; k < r.count; ++k) {
          before[k] = ComputeNodeMetrics(nodes_[r.node[k]]);
          changes[k] = {&nodes_[r.node[k]], &before[k], &r.After(k)};
        }
        const double score = stats.ScoreWith(changes, r.count);
        // Later nodes win ties (Ganeti's evacOneNodeInner).
        if (!best || !(best_score < score)) {
          best = std::move(r);
          best_score = score;
        }
      }
      if (!best) return false;
      if (i == unindexed_) {
        // Ganeti files the moved instance under its own index, -1 for a
        // request's new instance: the instance list keeps it unmoved.
        for (int k = 0; k < best->count; ++k) SetNode(best->node[k], best->After(k));
      } else {
        ApplyResult(*best);
      }
    }
    std::stable_sort(others.begin(), others.end(),
                     [&](int a, int b) { return instances_[a].mem > instances_[b].mem; });
    for (int i : others) {
      // Recreated elsewhere (Ganeti's recreate): the best single placement.
      const auto& inst = instances_[i];
      const ClusterStatistics stats(nodes_);  // Ganeti scores the whole cluster here
      std::optional<NodeState> best;
      int best_node = -1;
      double best_score = 0;
      std::vector<std::pair<double, int>> tried;
      for (int t : escape) {
        const NodeState& tn = nodes_[t];
        if (InstanceMatchesPolicy(inst, tn.policy(), tn.exclusive_storage())) continue;
        NodeState after = tn;
        if (after.AddPrimary(inst, true)) continue;
        const NodeMetrics before = ComputeNodeMetrics(tn);
        const ClusterStatistics::Change change{&tn, &before, &after};
        const double score = stats.ScoreWith(&change, 1);
        tried.emplace_back(score, t);
        if (!best || !(best_score < score)) {
          best = std::move(after);
          best_node = t;
          best_score = score;
        }
      }
      if (!best) return false;
      if (std::any_of(tried.begin(), tried.end(),
                      [](const auto& e) { return std::isnan(e.first); })) {
        // NaN scores: the node Ganeti's sort puts first.
        std::vector<double> scores;
        for (const auto& [score, t] : tried) scores.push_back(score);
        best_node = tried[GanetiBestCandidate(scores)].second;
        best = nodes_[best_node];
        best->AddPrimary(inst, true);
      }
      SetNode(best_node, std::move(*best));
    }
    return true;
  }

  const Cluster& c_;
  std::vector<NodeState> nodes_;
  std::vector<InstanceState> instances_;
  int unindexed_;
  std::vector<std::pair<int, NodeState>> saved_nodes_;
  std::vector<std::pair<int, InstanceState>> saved_instances_;
};

}  // namespace

namespace {

// Whether evacuating `n` (Evacuation::TryEvacuate) must succeed, decided
// without running it. Every primary must move to any node of the group
// (TemplateMovable, no local storage) and the moves are forced, so a target
// only refuses for lack of memory. The greedy evacuation then succeeds when
// some other node of the group could take all of the instances at once, or
// when as many other nodes as there are instances could each take the
// largest one: at every step one of them is still untouched. False means
// "not known", not "cannot".
class EvacuationShortcut {
 public:
  // `placed`, if given, counts as made: its nodes in their new states, its
  // instance as the next one of the cluster (no copy of the cluster).
  explicit EvacuationShortcut(const Cluster& c, const Placed* placed = nullptr)
      : c_(c), placed_(placed) {
    for (size_t i = 0; i < c.nodes.size(); ++i) {
      const NodeState& n = Node(static_cast<int>(i));
      by_group_[n.group()].push_back({n.UnallocatedMem(), n.idx()});
    }
    for (auto& [group, nodes] : by_group_) {
      std::sort(nodes.begin(), nodes.end(), std::greater<>());  // most free memory first
    }
  }

  const NodeState& Node(int i) const {
    if (placed_ && i == placed_->inst.pnode) return *placed_->p;
    if (placed_ && placed_->s && i == placed_->inst.snode) return *placed_->s;
    return c_.nodes[i];
  }
  const InstanceState& Instance(int i) const {
    if (placed_ && i == static_cast<int>(c_.instances.size())) return placed_->inst;
    return c_.instances[i];
  }

  // What the shortcut needs of a node's primary instances.
  struct Load {
    bool any = false;        // the node has primary instances
    bool immovable = false;  // one of them cannot move by itself
    long long total = 0;     // memory of those a move counts
    int largest = 0;
    size_t counted = 0;
    void Add(const InstanceState& inst) {
      any = true;
      if (!TemplateMovable(inst.disk_template) || inst.UsesLocalStorage()) immovable = true;
      if (immovable || inst.forthcoming) return;  // forthcoming: never refused by a forced move
      // Even an instance using no memory needs a node with some unallocated.
      const int mem = inst.UsesMemory() ? inst.mem : 0;
      total += mem;
      largest = std::max(largest, mem);
      ++counted;
    }
  };

  bool SurelyEvacuable(const NodeState& n, const std::vector<int>& primaries) const {
    Load load;
    for (int i : primaries) load.Add(Instance(i));
    return SurelyEvacuable(n, load);
  }

  bool SurelyEvacuable(const NodeState& n, const Load& load) const {
    if (!load.any) return true;
    // Any node takes an instance from a node without migration tags.
    if (!n.fixed().migration_tags.empty() || load.immovable) return false;
    const auto& nodes = by_group_.at(n.group());
    size_t roomy = 0;  // other nodes that could take the largest instance
    for (const auto& [free, idx] : nodes) {
      if (idx == n.idx()) continue;
      if (roomy == 0 && free - load.total > 0) return true;
      if (free - load.largest <= 0) break;
      if (++roomy >= load.counted) return true;
    }
    return load.counted == 0;
  }

 private:
  const Cluster& c_;
  const Placed* placed_;
  std::map<int, std::vector<std::pair<int, int>>> by_group_;  // (unallocated MiB, node)
};

// Nodes the capacity check leaves out.
bool OutsideCapacityCheck(const NodeState& n, const AllocOptions& options) {
  return (options.accept_existing && n.offline()) ||
         std::find(options.capacity_ignore_groups.begin(), options.capacity_ignore_groups.end(),
                   n.group()) != options.capacity_ignore_groups.end();
}

// True if the shortcut alone finds the cluster N+1 redundant with `placed`.
bool SurelyRedundantWith(const Cluster& c, const Placed& placed, const AllocOptions& options) {
  if (!placed.p || options.capacity_replaced_instance >= 0 ||
      options.capacity_existing_instance >= 0) {
    return false;
  }
  // The primaries' loads in one pass (as Cluster::PrimaryLists lists them).
  std::vector<EvacuationShortcut::Load> loads(c.nodes.size());
  for (const auto& inst : c.instances) {
    if (!inst.forthcoming) loads[inst.pnode].Add(inst);
  }
  if (!placed.inst.forthcoming) loads[placed.inst.pnode].Add(placed.inst);
  const EvacuationShortcut shortcut(c, &placed);
  for (size_t i = 0; i < c.nodes.size(); ++i) {
    const NodeState& n = shortcut.Node(static_cast<int>(i));
    if (OutsideCapacityCheck(n, options)) continue;
    if (!shortcut.SurelyEvacuable(n, loads[i])) return false;
  }
  return true;
}

}  // namespace

bool Redundant(const Cluster& c, const AllocOptions& options) {
  auto primaries = c.PrimaryLists();
  int unindexed = -1;
  if (const int replaced = options.capacity_replaced_instance; replaced >= 0) {
    // The newest instance, just placed, answers for the replaced one: it
    // may then be listed twice, and its first move must not hide the
    // second (see Evacuation).
    const int newest = static_cast<int>(c.instances.size()) - 1;
    for (int& i : primaries[c.instances[replaced].pnode]) {
      if (i == replaced) i = newest;
    }
    unindexed = newest;
  }
  if (const int existing = options.capacity_existing_instance; existing >= 0) {
    // The placed copy, the newest instance, is listed under the existing
    // instance's index, in the copy's place: the lists name the instance
    // as it was, latest on its primary.
    const int newest = static_cast<int>(c.instances.size()) - 1;
    auto& old_list = primaries[c.instances[existing].pnode];
    old_list.erase(std::remove(old_list.begin(), old_list.end(), existing), old_list.end());
    for (int& i : primaries[c.instances[newest].pnode]) {
      if (i == newest) i = existing;
    }
  }
  // Ganeti's node lists put the latest instance first; evacuation order
  // decides what still fits.
  for (auto& list : primaries) std::reverse(list.begin(), list.end());
  const EvacuationShortcut shortcut(c);
  std::optional<Evacuation> evac;  // built only for nodes the shortcut cannot decide
  for (const auto& n : c.nodes) {
    if (OutsideCapacityCheck(n, options)) continue;
    if (shortcut.SurelyEvacuable(n, primaries[n.idx()])) continue;
    if (!evac) evac.emplace(c, unindexed);
    if (!evac->CanEvacuate(n.idx(), primaries[n.idx()])) return false;
  }
  return true;
}

namespace {

// Changes made to a cluster by allocations, to take them back.
struct Journal {
  std::vector<std::pair<int, NodeState>> nodes;
  std::vector<size_t> instance_counts;
  void Append(Journal&& other) {
    for (auto& e : other.nodes) nodes.push_back(std::move(e));
    for (size_t n : other.instance_counts) instance_counts.push_back(n);
  }
  void Restore(Cluster& c) {
    for (auto it = nodes.rbegin(); it != nodes.rend(); ++it)
      c.nodes[it->first] = std::move(it->second);
    if (!instance_counts.empty()) c.instances.resize(instance_counts.front());
    nodes.clear();
    instance_counts.clear();
  }
};

void CommitJournaled(Cluster& c, const AllocSolution& sol, Journal* journal) {
  if (journal) {
    journal->instance_counts.push_back(c.instances.size());
    journal->nodes.emplace_back(sol.instance.pnode, c.nodes[sol.instance.pnode]);
    if (sol.instance.snode >= 0) {
      journal->nodes.emplace_back(sol.instance.snode, c.nodes[sol.instance.snode]);
    }
  }
  CommitAllocation(c, sol);
}

// Ganeti's iterateAllocSmallStep.
AllocRun SmallStep(Cluster& c, const InstanceState& inst, const AllocNodes& nodes,
                   std::optional<int> limit, const AllocOptions& options, AllocRun run,
                   Journal* journal) {
  // DRBD placements skip the capacity check.
  AllocOptions step_options = options;
  if (inst.disk_template == "drbd") step_options.capacity = false;
  for (;;) {
    const InstanceState named = NamedCopy(inst, static_cast<int>(run.allocated.size()),
                                          static_cast<int>(c.instances.size()));
    AllocSolution sol = TryAlloc(c, named, nodes, step_options);
    run.failures = sol.failures;
    if (!sol.found || (limit && *limit == 0)) return run;
    CommitJournaled(c, sol, journal);
    run.allocated.push_back(static_cast<int>(c.instances.size()) - 1);
    if (limit) --*limit;
  }
}

int GuessBigstepSize(const Cluster& c, const InstanceState& inst) {
  long total = 0;
  for (const auto& n : c.nodes) total += n.AvailMem();
  const long guess = total / inst.mem - static_cast<long>(c.nodes.size());
  return guess < 20 ? 20 : static_cast<int>(guess);
}

// Ganeti's iterateAlloc': steps without the capacity check, kept when the
// result is redundant; smaller steps, then single ones, when it is not.
AllocRun BigStep(bool huge, Cluster& c, const InstanceState& inst, const AllocNodes& nodes,
                 std::optional<int> limit, const AllocOptions& options, AllocRun run,
                 Journal* journal) {
  for (;;) {
    const int step = huge ? GuessBigstepSize(c, inst) : 10;
    const std::optional<int> step_limit = limit ? std::min(step, *limit) : step;
    const std::optional<int> rest =
        limit ? std::optional<int>(std::max(0, *limit - step)) : std::nullopt;
    AllocOptions unchecked = options;
    unchecked.capacity = false;
    Journal local;
    AllocRun res = SmallStep(c, inst, nodes, step_limit, unchecked, run, &local);
    if (Redundant(c, options)) {
      if (journal) journal->Append(std::move(local));
      if (rest == 0 || res.allocated.size() == run.allocated.size()) return res;
      run = std::move(res);
      limit = rest;
      continue;
    }
    local.Restore(c);
    if (huge) {
      huge = false;
      continue;
    }
    return SmallStep(c, inst, nodes, limit, options, std::move(run), journal);
  }
}

AllocRun Iterate(Cluster& c, const InstanceState& inst, const AllocNodes& nodes,
                 std::optional<int> limit, const AllocOptions& options, AllocRun run,
                 Journal* journal) {
  if (!options.capacity) return SmallStep(c, inst, nodes, limit, options, std::move(run), journal);
  return BigStep(true, c, inst, nodes, limit, options, std::move(run), journal);
}

}  // namespace

AllocRun IterateAlloc(Cluster& c, const InstanceState& inst, const AllocNodes& nodes,
                      std::optional<int> limit, const AllocOptions& options, AllocRun run) {
  return Iterate(c, inst, nodes, limit, options, std::move(run), nullptr);
}

std::optional<InstanceState> ShrinkByType(const InstanceState& inst, FailMode mode) {
  InstanceState out = inst;
  switch (mode) {
    case FailMode::kMem:
      out.mem = inst.mem - kUnitMem;
      if (out.mem < kUnitMem) return std::nullopt;
      return out;
    case FailMode::kDisk:
      for (auto& d : out.disks) {
        d.size -= kUnitDsk;
        if (d.size < kUnitDsk) return std::nullopt;
      }
      out.dsk = inst.dsk - static_cast<int>(inst.disks.size()) * kUnitDsk;
      return out;
    case FailMode::kCpu:
      out.vcpus = inst.vcpus - kUnitCpu;
      if (out.vcpus < kUnitCpu) return std::nullopt;
      return out;
    case FailMode::kSpindles:
      if (out.disks.size() != 1 || !out.disks[0].spindles) return std::nullopt;
      *out.disks[0].spindles -= kUnitSpindle;
      if (*out.disks[0].spindles < kUnitSpindle) return std::nullopt;
      return out;
    default:
      return std::nullopt;
  }
}

namespace {

// Ganeti's sufficesShrinking: shrinking only along `mode`, the first spec
// that fits, as long as `mode` is among the reasons for not fitting.
std::optional<InstanceState> SufficesShrinking(const Cluster& c, const InstanceState& inst,
                                               const AllocNodes& nodes, const AllocOptions& options,
                                               FailMode mode) {
  std::optional<InstanceState> current = inst;
  while (current) {
    AllocSolution sol;
    try {
      sol = TryAlloc(c, *current, nodes, options);
    } catch (const GanetiError&) {
      sol = AllocSolution{};
    }
    if (sol.found) return current;
    if (!AnyFailure(sol.failures, mode)) return std::nullopt;
    current = ShrinkByType(*current, mode);
  }
  return std::nullopt;
}

}  // namespace

namespace {

AllocRun Tiered(Cluster& c, InstanceState spec, const AllocNodes& nodes, std::optional<int> limit,
                const AllocOptions& options, AllocRun run, Journal* journal) {
  for (;;) {
    run = Iterate(c, spec, nodes, limit, options, std::move(run), journal);
    if (limit) {
      // Ganeti counts all instances allocated so far against the limit.
      const int total = static_cast<int>(run.allocated.size());
      if (*limit <= total) return run;
      *limit -= total;
    }
    // Failure modes by count, ascending (stable in FailMode order).
    std::vector<int> modes(kFailModeCount);
    for (int m = 0; m < kFailModeCount; ++m) modes[m] = m;
    std::stable_sort(modes.begin(), modes.end(),
                     [&](int a, int b) { return run.failures[a] < run.failures[b]; });
    // Shrinking along the most frequent reason is kept if it ends with more
    // instances; otherwise jump to a spec that suffices along some reason.
    if (auto shrunk = ShrinkByType(spec, static_cast<FailMode>(modes.back()))) {
      Journal trial;
      AllocRun trial_run = Tiered(c, *shrunk, nodes, limit, options, run, &trial);
      if (trial_run.allocated.size() > run.allocated.size()) {
        if (journal) journal->Append(std::move(trial));
        return trial_run;
      }
      trial.Restore(c);
    }
    std::optional<InstanceState> big_step;
    for (auto it = modes.rbegin(); it != modes.rend() && !big_step; ++it) {
      big_step = SufficesShrinking(c, spec, nodes, options, static_cast<FailMode>(*it));
    }
    if (!big_step) return run;
    spec = *big_step;
  }
}

}  // namespace

AllocRun TieredAlloc(Cluster& c, const InstanceState& inst, const AllocNodes& nodes,
                     std::optional<int> limit, const AllocOptions& options, AllocRun run) {
  // Each shrinking step is one level of recursion (as in Ganeti): thousands
  // of levels for a large spec, so the work runs on a thread with a big stack.
  struct Job {
    Cluster& c;
    const InstanceState& inst;
    const AllocNodes& nodes;
    std::optional<int> limit;
    const AllocOptions& options;
    AllocRun run;
    std::exception_ptr error;
  } job{c, inst, nodes, limit, options, std::move(run), nullptr};
  auto body = [](void* arg) -> void* {
    auto* j = static_cast<Job*>(arg);
    try {
      j->run = Tiered(j->c, j->inst, j->nodes, j->limit, j->options, std::move(j->run), nullptr);
    } catch (...) {
      j->error = std::current_exception();
    }
    return nullptr;
  };
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, size_t{2} << 30);
  pthread_t thread;
  if (pthread_create(&thread, &attr, body, &job) != 0) {
    pthread_attr_destroy(&attr);
    body(&job);
  } else {
    pthread_attr_destroy(&attr);
    pthread_join(thread, nullptr);
  }
  if (job.error) std::rethrow_exception(job.error);
  return std::move(job.run);
}

std::optional<GroupAllocation> TryMultiGroupAlloc(const Cluster& c, const InstanceState& inst,
                                                  int required, const AllocOptions& options,
                                                  std::string* error) {
  std::vector<std::string> log;
  std::vector<GroupAllocation> good;
  for (int g : c.NodeGroups()) {
    const Group& group = c.group(g);
    AllocNodes candidates;
    AllocSolution sol;
    std::string message;
    try {
      // Candidates from the group, scores over the whole cluster.
      AllocNodes all = GenAllocNodes(c, required, false, options);
      candidates.required = required;
      for (int s : all.singles) {
        if (c.nodes[s].group() == g) candidates.singles.push_back(s);
      }
      for (auto& pr : all.pairs) {
        if (c.nodes[pr.first].group() == g) candidates.pairs.push_back(pr);
      }
      sol = TryAlloc(c, inst, candidates, options);
    } catch (const GanetiError& e) {
      log.push_back("Group " + group.name + ": error " +
                    (e.args().empty() ? std::string(e.what()) : e.args()[0]));
      continue;
    }
    message = DescribeAllocSolution(c, sol);
    log.push_back("Group " + group.name + " (" + group.alloc_policy + "): " + message);
    if (sol.found && GroupAllocable(group)) good.push_back({g, std::move(sol), {}});
  }
  if (good.empty()) {
    if (error) {
      std::string joined;
      for (const auto& l : log) joined += (joined.empty() ? "" : ", ") + l;
      *error = joined;
    }
    return std::nullopt;
  }
  GroupAllocation best = std::move(good[BestGroupIndex(c, good)]);
  best.log.push_back("Selected group: " + c.group(best.group).name);
  for (auto& l : log) best.log.push_back(std::move(l));
  return best;
}

}  // namespace herd::htools
