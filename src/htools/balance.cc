#include "htools/balance.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <deque>
#include <limits>
#include <thread>

#include "htools/metrics.h"
#include "htools/moves.h"

namespace herd::htools {
namespace {

// Ganeti's possibleMoves, in its order.
std::vector<MoveKind> PossibleMoves(MirrorType mirror, bool use_secondary, bool instance_moves,
                                    bool disk_moves, bool restricted_migration,
                                    bool primary_drained) {
  using K = MoveKind;
  switch (mirror) {
    case MirrorType::kNone:
      return {};
    case MirrorType::kExternal:
      return instance_moves ? std::vector<K>{K::kFailoverToAny} : std::vector<K>{};
    case MirrorType::kInternal:
      break;
  }
  if (!disk_moves) return {};
  if (!instance_moves) return {K::kReplaceSecondary};
  if (restricted_migration && !primary_drained) return {K::kReplaceSecondary};
  if (use_secondary && !restricted_migration) {
    return {K::kReplaceSecondary, K::kReplaceAndFailover, K::kReplacePrimary,
            K::kFailoverAndReplace};
  }
  if (use_secondary) {
    return {K::kReplaceSecondary, K::kReplaceAndFailover, K::kFailoverAndReplace};
  }
  return {K::kReplaceSecondary, K::kReplaceAndFailover};
}

struct Candidate {
  double score = std::numeric_limits<double>::infinity();
  size_t victim = std::numeric_limits<size_t>::max();  // position in the victim list
  int order = 0;                                       // position among the victim's moves
  Move move;
  bool Before(const Candidate& o) const {
    return victim != o.victim ? victim < o.victim : order < o.order;
  }
};

// Incremental scores can differ from Ganeti's recomputed ones in the last
// bits; candidates this close to the best are compared on exact scores.
double TieTolerance(double score) { return 1e-9 * std::abs(score) + 1e-12; }
constexpr size_t kMaxTies = 64;

class RoundSearch {
 public:
  RoundSearch(const Cluster& cluster, const BalanceOptions& options, double score)
      : cluster_(cluster), options_(options), score_(score), stats_(cluster.nodes) {
    metrics_.reserve(cluster.nodes.size());
    online_.assign(cluster.nodes.size(), false);
    for (const auto& n : cluster.nodes) {
      metrics_.push_back(ComputeNodeMetrics(n));
      if (!n.offline()) {
        online_[n.idx()] = true;
        online_nodes_.push_back(n.idx());
      }
    }
    for (const auto& inst : cluster.instances) {
      if (!inst.movable || !inst.auto_balance) continue;
      if (options.evac_mode) {
        bool on_offline =
            cluster.nodes[inst.pnode].offline() ||
            (inst.HasSecondary() && inst.snode >= 0 && cluster.nodes[inst.snode].offline());
        if (!on_offline) continue;
      }
      victims_.push_back(inst.idx);
    }
  }

  std::optional<Candidate> Run() {
    unsigned threads = options_.threads > 0 ? static_cast<unsigned>(options_.threads)
                                            : std::max(1u, std::thread::hardware_concurrency());
    threads = std::min<unsigned>(threads, std::max<size_t>(1, victims_.size() / 4));
    std::vector<std::vector<Candidate>> found(threads);
    if (threads <= 1) {
      found[0] = Search(0, 1);
    } else {
      std::vector<std::thread> pool;
      for (unsigned t = 0; t < threads; ++t) {
        pool.emplace_back([this, t, threads, &found] { found[t] = Search(t, threads); });
      }
      for (auto& th : pool) th.join();
    }
    std::vector<Candidate> all;
    double best = std::numeric_limits<double>::infinity();
    for (const auto& list : found) {
      for (const auto& c : list) {
        all.push_back(c);
        best = std::min(best, c.score);
      }
    }
    if (all.empty()) return std::nullopt;
    std::vector<Candidate> ties;
    for (const auto& c : all) {
      if (c.score <= best + TieTolerance(best)) ties.push_back(c);
    }
    std::sort(ties.begin(), ties.end(),
              [](const Candidate& a, const Candidate& b) { return a.Before(b); });
    if (ties.size() == 1) return ties[0];
    // Ganeti keeps the first of equal scores, as it computes them.
    std::optional<Candidate> winner;
    for (auto c : ties) {
      c.score = ExactScore(c);
      if (!winner || c.score < winner->score) winner = c;
    }
    return winner;
  }

  double ExactScore(const Candidate& c) const {
    const InstanceState& inst = cluster_.instances[victims_[c.victim]];
    MoveResult result;
    const Departure departure = Depart(cluster_.nodes, inst);
    if (!ApplyMove(cluster_.nodes, inst, departure, c.move, options_.ignore_soft_errors, result)) {
      return std::numeric_limits<double>::infinity();
    }
    std::vector<NodeState> nodes = cluster_.nodes;
    for (int i = 0; i < result.count; ++i) nodes[result.node[i]] = result.After(i);
    return ClusterScore(nodes);
  }

  int VictimInstance(size_t position) const { return victims_[position]; }

 private:
  // The best candidates among victims start, start+stride, ... : every one
  // within the tie tolerance of the best, in search order.
  std::vector<Candidate> Search(size_t start, size_t stride) const {
    std::vector<Candidate> near;
    double best = score_;
    bool improved = false;
    MoveResult result;
    const bool force = options_.ignore_soft_errors;
    for (size_t v = start; v < victims_.size(); v += stride) {
      const InstanceState& inst = cluster_.instances[victims_[v]];
      const Departure departure = Depart(cluster_.nodes, inst);
      int order = 0;
      auto consider = [&](Move move) {
        ++order;
        if (!ApplyMove(cluster_.nodes, inst, departure, move, force, result)) return;
        ClusterStatistics::Change changes[3];
        for (int c = 0; c < result.count; ++c) {
          const int idx = result.node[c];
          changes[c] = {&cluster_.nodes[idx], &metrics_[idx], &result.After(c),
                        result.KnownMetrics(c)};
        }
        const double s = stats_.ScoreWith(changes, result.count);
        // Only moves that lower the score count, like Ganeti's strict comparison.
        if (!(s < score_)) return;
        if (s > best + TieTolerance(best) && improved) return;
        if (s < best) {
          best = s;
          improved = true;
          std::erase_if(near, [&](const Candidate& c) { return c.score > s + TieTolerance(s); });
        }
        if (near.size() < kMaxTies) near.push_back({s, v, order, move});
      };
      const int opdx = inst.pnode, osdx = inst.snode;
      const MirrorType mirror = inst.Mirror();
      const bool use_secondary = osdx >= 0 && online_[osdx] && options_.instance_moves;
      if (mirror == MirrorType::kInternal && use_secondary) consider({MoveKind::kFailover, -1});
      const auto kinds =
          PossibleMoves(mirror, use_secondary, options_.instance_moves, options_.disk_moves,
                        options_.restricted_migration, cluster_.nodes[opdx].offline());
      if (kinds.empty()) continue;
      for (int target : online_nodes_) {
        if (target == opdx || target == osdx) continue;
        for (MoveKind kind : kinds) consider({kind, target});
      }
    }
    return near;
  }

  const Cluster& cluster_;
  const BalanceOptions& options_;
  double score_;
  ClusterStatistics stats_;
  std::vector<NodeMetrics> metrics_;
  std::vector<bool> online_;
  std::vector<int> online_nodes_;
  std::vector<int> victims_;
};

}  // namespace

bool BalanceStep(Cluster& cluster, const BalanceOptions& options, double& score,
                 Placement& placement) {
  RoundSearch search(cluster, options, score);
  auto best = search.Run();
  if (!best) return false;
  const int victim = search.VictimInstance(best->victim);
  const InstanceState& inst = cluster.instances[victim];
  MoveResult result;
  const Departure departure = Depart(cluster.nodes, inst);
  if (!ApplyMove(cluster.nodes, inst, departure, best->move, options.ignore_soft_errors, result)) {
    return false;
  }
  // The search scored candidates incrementally; the accepted score is exact.
  std::vector<NodeState> nodes = cluster.nodes;
  for (int c = 0; c < result.count; ++c) nodes[result.node[c]] = result.After(c);
  const double new_score = ClusterScore(nodes);
  const bool gain = new_score < score &&
                    (score > options.min_gain_limit || score - new_score >= options.min_gain);
  if (!gain) return false;
  cluster.nodes = std::move(nodes);
  cluster.instances[victim] = result.instance;
  placement = {victim, result.new_primary, result.new_secondary, best->move, new_score};
  score = new_score;
  return true;
}

std::string SolutionLine(const Cluster& before, const Placement& plc, int position, int nmlen,
                         int imlen, MoveJob& job) {
  const InstanceState& inst = before.instances[plc.instance];
  auto alias = [&](int n) { return before.nodes[n].fixed().alias; };
  const std::string npri = alias(plc.primary);
  const std::string nsec = plc.secondary >= 0 ? alias(plc.secondary) : "";
  const std::string ostr =
      inst.snode < 0 ? alias(inst.pnode) : alias(inst.pnode) + ":" + alias(inst.snode);
  const std::string nstr = plc.secondary < 0 ? npri : npri + ":" + nsec;
  const auto desc = DescribeMove(inst, inst.alias, plc.move, npri, nsec);
  const int pmlen = 2 * nmlen + 1;
  char line[1024];
  std::snprintf(line, sizeof line, "  %3d. %-*s %-*s => %-*s %12.8f a=%s", position, imlen,
                inst.alias.c_str(), pmlen, ostr.c_str(), pmlen, nstr.c_str(), plc.score,
                desc.letters.c_str());
  job.nodes.clear();
  for (int n : {plc.primary, plc.secondary, inst.pnode, inst.HasSecondary() ? inst.snode : -1}) {
    if (n >= 0 && std::find(job.nodes.begin(), job.nodes.end(), n) == job.nodes.end()) {
      job.nodes.push_back(n);
    }
  }
  job.instance = plc.instance;
  job.move = plc.move;
  job.commands = desc.commands;
  return line;
}

std::vector<std::vector<const MoveJob*>> SplitJobSets(const std::vector<MoveJob>& jobs) {
  // Ganeti's splitJobs walks the moves from the last one back.
  std::deque<std::deque<const MoveJob*>> sets;
  std::vector<int> buffer;
  for (auto it = jobs.rbegin(); it != jobs.rend(); ++it) {
    bool disjoint = !sets.empty() && std::none_of(it->nodes.begin(), it->nodes.end(), [&](int n) {
      return std::find(buffer.begin(), buffer.end(), n) != buffer.end();
    });
    if (disjoint) {
      sets.front().push_front(&*it);
      buffer.insert(buffer.end(), it->nodes.begin(), it->nodes.end());
    } else {
      sets.push_front({&*it});
      buffer = it->nodes;
    }
  }
  std::vector<std::vector<const MoveJob*>> out;
  for (const auto& set : sets) out.emplace_back(set.begin(), set.end());
  return out;
}

std::string FormatCommands(const std::vector<MoveJob>& jobs, bool first_job_set_only) {
  auto sets = SplitJobSets(jobs);
  if (first_job_set_only && sets.size() > 1) sets.resize(1);
  std::string out;
  int jsn = 0;
  for (const auto& set : sets) {
    ++jsn;
    int sn = 0;
    for (const MoveJob* job : set) {
      ++sn;
      if (sn == 1) {
        out += "\n";
        out += "echo jobset " + std::to_string(jsn) + ", " + std::to_string(set.size()) + " jobs\n";
      }
      out += "  echo job " + std::to_string(jsn) + "/" + std::to_string(sn) + "\n";
      for (const auto& cmd : job->commands) out += "  gnt-instance " + cmd + "\n";
    }
  }
  return out;
}

}  // namespace herd::htools
