#include "htools/evacuate.h"

#include <algorithm>
#include <set>

#include "base/errors.h"
#include "htools/group_allocation.h"
#include "htools/metrics.h"

namespace herd::htools {
namespace {

// Ganeti's applyMoveEx for the moves evacuation uses, reporting the failure
// mode; on success `nodes` and `inst` hold the new state.
std::optional<FailMode> ApplyEvacMove(std::vector<NodeState>& nodes, InstanceState& inst, Move move,
                                      bool force) {
  const int old_pdx = inst.pnode, old_sdx = inst.snode;
  switch (move.kind) {
    case MoveKind::kFailover: {
      const NodeState& old_p = nodes[old_pdx];
      const NodeState& old_s = nodes[old_sdx];
      if (!old_s.CanReceiveMigrationFrom(old_p)) return FailMode::kMig;
      NodeState int_p = old_p, int_s = old_s;
      int_p.RemovePrimary(inst);
      int_s.RemoveSecondary(inst);
      if (auto f = int_s.AddPrimary(inst, old_p.offline() || force)) return f;
      if (auto f = int_p.AddSecondary(inst, old_sdx, old_p.offline() || force, old_p.offline())) {
        return f;
      }
      inst.pnode = old_sdx;
      inst.snode = old_pdx;
      nodes[old_pdx] = std::move(int_p);
      nodes[old_sdx] = std::move(int_s);
      return std::nullopt;
    }
    case MoveKind::kFailoverToAny: {
      const NodeState& old_p = nodes[old_pdx];
      NodeState target = nodes[move.target];
      if (!target.CanReceiveMigrationFrom(old_p)) return FailMode::kMig;
      if (auto f = target.AddPrimary(inst, old_p.offline() || force)) return f;
      NodeState int_p = old_p;
      int_p.RemovePrimary(inst);
      inst.pnode = move.target;
      nodes[old_pdx] = std::move(int_p);
      nodes[move.target] = std::move(target);
      return std::nullopt;
    }
    case MoveKind::kReplaceSecondary: {
      const NodeState& old_s = nodes[old_sdx];
      InstanceState moved = inst;
      moved.location_score = InstanceLocationScore(nodes[old_pdx], &nodes[move.target]);
      moved.snode = move.target;
      NodeState new_s = nodes[move.target];
      if (auto f = new_s.AddSecondary(moved, old_pdx, old_s.offline() || force)) return f;
      NodeState new_p = nodes[old_pdx];
      new_p.RemovePrimary(inst);
      if (auto f = new_p.AddPrimary(moved, true)) return f;
      NodeState int_s = old_s;
      int_s.RemoveSecondary(inst);
      nodes[old_sdx] = std::move(int_s);
      nodes[move.target] = std::move(new_s);
      nodes[old_pdx] = std::move(new_p);
      inst = std::move(moved);
      return std::nullopt;
    }
    default:
      return FailMode::kInternal;
  }
}

// Ganeti's iMoveToJob.
std::vector<JobOpcode> MoveToJob(const Cluster& c, const InstanceState& inst, Move move) {
  const std::string& name = inst.name;
  switch (move.kind) {
    case MoveKind::kFailover:
      return {FailoverStep(name, inst.forthcoming)};
    case MoveKind::kFailoverToAny:
      return {FailoverStep(name, inst.forthcoming, c.nodes[move.target].name())};
    case MoveKind::kReplaceSecondary:
      return {ReplaceSecondaryStep(name, c.nodes[move.target].name())};
    default:
      return {};
  }
}

// Ganeti's compCVNodes over the nodes of `group`.
double GroupScore(const Cluster& c, int group) {
  std::vector<NodeState> nodes;
  for (const auto& n : c.nodes) {
    if (n.group() == group) nodes.push_back(n);
  }
  return ClusterScore(nodes);
}

struct Candidate {
  std::vector<NodeState> nodes;
  InstanceState inst;
  double score = 0;
  std::vector<JobOpcode> job;
};

// Ganeti's evacOneNodeOnly: a new secondary (internal mirror) or primary
// (external mirror) among `available`, the lowest group score winning,
// later nodes on ties.
std::optional<Candidate> EvacOneNodeOnly(const Cluster& c, const InstanceState& inst, int group,
                                         const std::vector<int>& available, bool force,
                                         std::string& error) {
  MoveKind kind;
  switch (inst.Mirror()) {
    case MirrorType::kNone:
      error = "Can't relocate/evacuate non-mirrored instances";
      return std::nullopt;
    case MirrorType::kInternal:
      kind = MoveKind::kReplaceSecondary;
      break;
    default:
      kind = MoveKind::kFailoverToAny;
      break;
  }
  std::optional<Candidate> best;
  std::string failures;
  Cluster trial = c;
  for (int ndx : available) {
    std::vector<NodeState> nodes = c.nodes;
    InstanceState moved = inst;
    const Move move{kind, ndx};
    if (auto f = ApplyEvacMove(nodes, moved, move, force)) {
      failures += " Node " + c.nodes[ndx].name() + " failed: " + FailModeName(*f) + ";";
      continue;
    }
    trial.nodes = nodes;
    const double score = GroupScore(trial, group);
    if (best && best->score < score) continue;
    best = Candidate{std::move(nodes), moved, score, MoveToJob(c, moved, move)};
  }
  if (!best) error = "Can't find any good node: " + failures;
  return best;
}

// Ganeti's evacDrbdAllInner: (failover,) r:primary, f, r:secondary.
std::optional<Candidate> EvacDrbdAll(const Cluster& c, const InstanceState& inst, int group,
                                     int pdx, int sdx, bool force, std::string& error) {
  Candidate cand{c.nodes, inst, 0, {}};
  std::vector<Move> moves;
  auto step = [&](Move move, const char* what) {
    if (auto f = ApplyEvacMove(cand.nodes, cand.inst, move, force)) {
      error = std::string(what) + ": " + FailModeName(*f);
      return false;
    }
    moves.push_back(move);
    return true;
  };
  if (c.nodes[inst.pnode].offline() &&
      !step(Move{MoveKind::kFailover, -1}, "Failing over to the secondary")) {
    return std::nullopt;
  }
  if (!step(Move{MoveKind::kReplaceSecondary, pdx}, "Changing secondary to new primary") ||
      !step(Move{MoveKind::kFailover, -1}, "Failing over to new primary") ||
      !step(Move{MoveKind::kReplaceSecondary, sdx}, "Changing secondary to final secondary")) {
    return std::nullopt;
  }
  for (const Move& m : moves) {
    for (auto& op : MoveToJob(c, cand.inst, m)) cand.job.push_back(std::move(op));
  }
  Cluster trial = c;
  trial.nodes = cand.nodes;
  cand.score = GroupScore(trial, group);
  return cand;
}

std::optional<Candidate> EvacInstance(const Cluster& c, const InstanceState& inst, EvacMode mode,
                                      int group, const std::vector<int>& available, bool force,
                                      std::string& error) {
  const std::string& t = inst.disk_template;
  if (t == "plain" || t == "file") {
    error = "Instances of type " + t + " cannot be relocated";
    return std::nullopt;
  }
  if (t != "drbd") {
    if (mode == EvacMode::kSecondaryOnly) {
      error = "Instances with disk template '" + t + "' can't execute change secondary";
      return std::nullopt;
    }
    return EvacOneNodeOnly(c, inst, group, available, force, error);
  }
  switch (mode) {
    case EvacMode::kPrimaryOnly: {
      Candidate cand{c.nodes, inst, 0, {}};
      const Move move{MoveKind::kFailover, -1};
      if (auto f = ApplyEvacMove(cand.nodes, cand.inst, move, force)) {
        error = FailModeName(*f);
        return std::nullopt;
      }
      cand.job = MoveToJob(c, cand.inst, move);
      return cand;
    }
    case EvacMode::kSecondaryOnly:
      return EvacOneNodeOnly(c, inst, group, available, force, error);
    case EvacMode::kAll:
      break;
  }
  std::optional<Candidate> best;
  std::string failure = "no nodes available";
  for (int p : available) {
    for (int s : available) {
      if (p == s) continue;
      std::string message;
      auto cand = EvacDrbdAll(c, inst, group, p, s, force, message);
      if (!cand) {
        if (!best) failure = "Allocation failed: " + message;
        continue;
      }
      if (best && best->score < cand->score) continue;
      best = std::move(cand);
    }
  }
  if (!best) error = "Can't find any good nodes for relocation: " + failure;
  return best;
}

// Ganeti's availableGroupNodes: the group's nodes outside `excluded`.
std::vector<int> AvailableGroupNodes(const Cluster& c, int group, const std::set<int>& excluded) {
  std::vector<int> out;
  for (const auto& n : c.nodes) {
    if (n.group() == group && !excluded.count(n.idx())) out.push_back(n.idx());
  }
  return out;
}

std::vector<int> InstanceNodes(const InstanceState& inst) {
  std::vector<int> nodes{inst.pnode};
  if (inst.snode >= 0) nodes.push_back(inst.snode);
  return nodes;
}

void Record(Cluster& c, int idx, const std::optional<std::vector<JobOpcode>>& job,
            const std::string& error, EvacSolution& out) {
  if (!job) {
    out.failed.emplace_back(idx, error);
    return;
  }
  const InstanceState& inst = c.instances[idx];
  out.moved.push_back({idx, c.nodes[inst.pnode].group(), InstanceNodes(inst)});
  out.jobs.push_back(*job);
}

}  // namespace

std::optional<std::vector<JobOpcode>> NodeEvacInstance(Cluster& c, int idx, EvacMode mode,
                                                       int group, const std::vector<int>& available,
                                                       bool ignore_soft_errors,
                                                       std::string& error) {
  auto cand = EvacInstance(c, c.instances[idx], mode, group, available, ignore_soft_errors, error);
  if (!cand) return std::nullopt;
  c.nodes = std::move(cand->nodes);
  c.instances[idx] = std::move(cand->inst);
  return std::move(cand->job);
}

EvacSolution TryNodeEvac(Cluster& c, EvacMode mode, const std::vector<int>& instances,
                         const AllocOptions& options) {
  // Ganeti's nodesToEvacuate, plus the offline nodes.
  std::set<int> excluded;
  for (int idx : instances) {
    const InstanceState& i = c.instances[idx];
    if (mode != EvacMode::kSecondaryOnly) excluded.insert(i.pnode);
    if (mode != EvacMode::kPrimaryOnly && i.disk_template == "drbd" && i.snode >= 0) {
      excluded.insert(i.snode);
    }
  }
  for (const auto& n : c.nodes) {
    if (n.offline()) excluded.insert(n.idx());
  }
  EvacSolution out;
  for (int idx : instances) {
    const InstanceState& inst = c.instances[idx];
    const int group = c.nodes[inst.pnode].group();
    std::set<int> local = excluded;
    local.insert(inst.pnode);
    std::string error;
    auto job = NodeEvacInstance(c, idx, mode, group, AvailableGroupNodes(c, group, local),
                                options.ignore_soft_errors, error);
    Record(c, idx, job, error, out);
  }
  return out;
}

EvacSolution TryChangeGroup(Cluster& c, const std::vector<int>& target_groups,
                            const std::vector<int>& instances, const AllocOptions& options) {
  std::vector<int> evacuated;
  for (int idx : instances) {
    const int g = c.nodes[c.instances[idx].pnode].group();
    if (std::find(evacuated.begin(), evacuated.end(), g) == evacuated.end()) evacuated.push_back(g);
  }
  std::vector<int> targets;
  if (target_groups.empty()) {
    for (size_t g = 0; g < c.statics().groups.size(); ++g) targets.push_back(static_cast<int>(g));
  } else {
    targets = target_groups;
  }
  std::erase_if(targets, [&](int g) {
    return std::find(evacuated.begin(), evacuated.end(), g) != evacuated.end();
  });
  std::set<int> offline;
  for (const auto& n : c.nodes) {
    if (n.offline()) offline.insert(n.idx());
  }
  EvacSolution out;
  for (int idx : instances) {
    const InstanceState inst = c.instances[idx];
    std::string error;
    std::optional<std::vector<JobOpcode>> job;
    try {
      const LoggedAllocation best =
          FindBestAllocGroup(c, targets, inst, {}, inst.RequiredNodes(), options);
      // Ganeti moves with the default options here (soft errors count).
      job = NodeEvacInstance(c, idx, EvacMode::kAll, best.group,
                             AvailableGroupNodes(c, best.group, offline), false, error);
    } catch (const GanetiError& e) {
      error = e.args().empty() ? std::string(e.what()) : e.args()[0];
    }
    Record(c, idx, job, error, out);
  }
  return out;
}

EvacuationResult DescribeEvacuation(const Cluster& c, const EvacSolution& solution) {
  EvacuationResult out;
  for (const auto& m : solution.moved) {
    EvacuationResult::Moved moved{c.instances[m.instance].name, c.group(m.group).name, {}};
    for (int n : m.nodes) moved.nodes.push_back(c.nodes[n].name());
    out.moved.push_back(std::move(moved));
  }
  for (const auto& [idx, reason] : solution.failed) {
    out.failed.push_back({c.instances[idx].name, reason});
  }
  out.jobs = solution.jobs;
  return out;
}

}  // namespace herd::htools
