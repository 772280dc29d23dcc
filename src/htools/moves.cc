#include "htools/moves.h"

#include "htools/cluster.h"

namespace herd::htools {

MoveResult& MoveResult::operator=(const MoveResult& o) {
  if (this == &o) return *this;
  count = o.count;
  instance = o.instance;
  new_primary = o.new_primary;
  new_secondary = o.new_secondary;
  for (int i = 0; i < 3; ++i) {
    node[i] = o.node[i];
    metrics_[i] = o.metrics_[i];
    owned_[i] = o.owned_[i];
    after_[i] = o.after_[i] && o.after_[i] == (o.owned_[i] ? &*o.owned_[i] : nullptr) ? &*owned_[i]
                                                                                      : o.after_[i];
  }
  return *this;
}

void MoveResult::Own(int i, int idx, NodeState s) {
  node[i] = idx;
  owned_[i].emplace(std::move(s));
  after_[i] = &*owned_[i];
  metrics_[i] = nullptr;
}

void MoveResult::Share(int i, int idx, const NodeState& s, const NodeMetrics* metrics) {
  node[i] = idx;
  after_[i] = &s;
  metrics_[i] = metrics;
}

Departure Depart(const std::vector<NodeState>& nodes, const InstanceState& inst) {
  Departure d;
  d.primary.emplace(nodes[inst.pnode]);
  d.primary->RemovePrimary(inst);
  d.primary_metrics = ComputeNodeMetrics(*d.primary);
  if (inst.snode >= 0) {
    d.secondary.emplace(nodes[inst.snode]);
    d.secondary->RemoveSecondary(inst);
    d.secondary_metrics = ComputeNodeMetrics(*d.secondary);
  }
  return d;
}

bool ApplyMove(const std::vector<NodeState>& nodes, const InstanceState& inst,
               const Departure& departure, Move move, bool force, MoveResult& out) {
  const int old_pdx = inst.pnode, old_sdx = inst.snode;
  const NodeState& old_p = nodes[old_pdx];
  out.count = 0;
  // Trials of one instance reuse the copy: only nodes and location change.
  if (out.instance.idx != inst.idx || out.instance.name != inst.name) {
    out.instance = inst;
  } else {
    out.instance.pnode = inst.pnode;
    out.instance.snode = inst.snode;
    out.instance.location_score = inst.location_score;
  }
  switch (move.kind) {
    case MoveKind::kFailover: {
      const NodeState& old_s = nodes[old_sdx];
      if (!old_s.CanReceiveMigrationFrom(old_p)) return false;
      NodeState new_p = *departure.secondary;
      if (new_p.AddPrimary(inst, old_p.offline() || force)) return false;
      NodeState new_s = *departure.primary;
      if (new_s.AddSecondary(inst, old_sdx, old_p.offline() || force, old_p.offline())) {
        return false;
      }
      out.instance.pnode = old_sdx;
      out.instance.snode = old_pdx;
      out.Own(0, old_pdx, std::move(new_s));
      out.Own(1, old_sdx, std::move(new_p));
      out.count = 2;
      break;
    }
    case MoveKind::kFailoverToAny: {
      const NodeState& target = nodes[move.target];
      if (!target.CanReceiveMigrationFrom(old_p)) return false;
      NodeState new_p = target;
      if (new_p.AddPrimary(inst, old_p.offline() || force)) return false;
      out.instance.pnode = move.target;
      out.Share(0, old_pdx, *departure.primary, &departure.primary_metrics);
      if (move.target == old_pdx) {
        // A "move" to the node the instance is on (only hail's capacity
        // check asks for it): Ganeti files both node states under one
        // index, and the one without the instance is filed last.
        out.count = 1;
        break;
      }
      out.Own(1, move.target, std::move(new_p));
      out.count = 2;
      break;
    }
    case MoveKind::kReplacePrimary: {
      const NodeState& old_s = nodes[old_sdx];
      const NodeState& target = nodes[move.target];
      const bool force_p = old_p.offline() || force;
      if (!old_s.CanReceiveMigrationFrom(old_p) || !target.CanReceiveMigrationFrom(old_s)) {
        return false;
      }
      out.instance.location_score = InstanceLocationScore(target, &*departure.secondary);
      out.instance.pnode = move.target;
      NodeState tmp_s = *departure.secondary;
      if (tmp_s.AddPrimary(out.instance, force_p)) return false;
      tmp_s.RemovePrimary(out.instance);
      NodeState new_p = target;
      if (new_p.AddPrimary(out.instance, force_p)) return false;
      if (tmp_s.AddSecondary(out.instance, move.target, force_p)) return false;
      out.Own(0, move.target, std::move(new_p));
      out.Share(1, old_pdx, *departure.primary, &departure.primary_metrics);
      out.Own(2, old_sdx, std::move(tmp_s));
      out.count = 3;
      break;
    }
    case MoveKind::kReplaceSecondary: {
      const NodeState& old_s = nodes[old_sdx];
      const NodeState& target = nodes[move.target];
      out.instance.location_score = InstanceLocationScore(old_p, &target);
      out.instance.snode = move.target;
      NodeState new_s = target;
      if (new_s.AddSecondary(out.instance, old_pdx, old_s.offline() || force)) return false;
      NodeState new_p = *departure.primary;
      if (new_p.AddPrimary(out.instance, true)) return false;
      out.Own(0, old_pdx, std::move(new_p));
      out.Own(1, move.target, std::move(new_s));
      out.Share(2, old_sdx, *departure.secondary, &departure.secondary_metrics);
      out.count = 3;
      break;
    }
    case MoveKind::kReplaceAndFailover: {
      const NodeState& old_s = nodes[old_sdx];
      const NodeState& target = nodes[move.target];
      out.instance.location_score = InstanceLocationScore(target, &*departure.primary);
      out.instance.pnode = move.target;
      out.instance.snode = old_pdx;
      if (!target.CanReceiveMigrationFrom(old_p)) return false;
      NodeState new_p = target;
      if (new_p.AddPrimary(out.instance, force)) return false;
      NodeState new_s = *departure.primary;
      if (new_s.AddSecondary(out.instance, move.target, old_s.offline() || force)) return false;
      out.Own(0, move.target, std::move(new_p));
      out.Own(1, old_pdx, std::move(new_s));
      out.Share(2, old_sdx, *departure.secondary, &departure.secondary_metrics);
      out.count = 3;
      break;
    }
    case MoveKind::kFailoverAndReplace: {
      const NodeState& old_s = nodes[old_sdx];
      const NodeState& target = nodes[move.target];
      const bool force_p = old_p.offline() || force;
      out.instance.location_score = InstanceLocationScore(*departure.secondary, &target);
      out.instance.pnode = old_sdx;
      out.instance.snode = move.target;
      if (!old_s.CanReceiveMigrationFrom(old_p)) return false;
      NodeState new_p = *departure.secondary;
      if (new_p.AddPrimary(out.instance, force_p)) return false;
      NodeState new_s = target;
      if (new_s.AddSecondary(out.instance, old_sdx, force_p)) return false;
      out.Own(0, move.target, std::move(new_s));
      out.Own(1, old_sdx, std::move(new_p));
      out.Share(2, old_pdx, *departure.primary, &departure.primary_metrics);
      out.count = 3;
      break;
    }
  }
  out.new_primary = out.instance.pnode;
  out.new_secondary = out.instance.snode;
  return true;
}

MoveDescription DescribeMove(const InstanceState& inst, const std::string& name, Move move,
                             const std::string& c, const std::string& d) {
  const std::string morf = inst.IsRunning() ? "migrate" : "failover";
  const std::string mig = morf + " -f " + name;
  auto rep = [&](const std::string& node) { return "replace-disks -n " + node + " " + name; };
  switch (move.kind) {
    case MoveKind::kFailover:
      return {"f", {mig}};
    case MoveKind::kFailoverToAny:
      return {"fa:" + c, {morf + " -f -n " + c + " " + name}};
    case MoveKind::kFailoverAndReplace:
      return {"f r:" + d, {mig, rep(d)}};
    case MoveKind::kReplaceSecondary:
      return {"r:" + d, {rep(d)}};
    case MoveKind::kReplaceAndFailover:
      return {"r:" + c + " f", {rep(c), mig}};
    case MoveKind::kReplacePrimary:
      return {"f r:" + c + " f", {mig, rep(c), mig}};
  }
  return {};
}

}  // namespace herd::htools
