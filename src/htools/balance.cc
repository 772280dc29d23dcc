#include "htools/balance.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <deque>
#include <limits>
#include <queue>
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

 public:
  // Calls on_score(score, order, move) for every feasible move of victim `v`
  // to `targets` (and its failover), in Ganeti's order.
  template <class F>
  void ForEachCandidate(size_t v, const std::vector<int>& targets, F&& on_score) const {
    const InstanceState& inst = cluster_.instances[victims_[v]];
    const Departure departure = Depart(cluster_.nodes, inst);
    const bool force = options_.ignore_soft_errors;
    MoveResult result;
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
      on_score(stats_.ScoreWith(changes, result.count), order, move);
    };
    const int opdx = inst.pnode, osdx = inst.snode;
    const MirrorType mirror = inst.Mirror();
    const bool use_secondary = osdx >= 0 && online_[osdx] && options_.instance_moves;
    if (mirror == MirrorType::kInternal && use_secondary) consider({MoveKind::kFailover, -1});
    const auto kinds =
        PossibleMoves(mirror, use_secondary, options_.instance_moves, options_.disk_moves,
                      options_.restricted_migration, cluster_.nodes[opdx].offline());
    if (kinds.empty()) return;
    for (int target : targets) {
      if (target == opdx || target == osdx) continue;
      for (MoveKind kind : kinds) consider({kind, target});
    }
  }

  // The first lowest-scoring move of victim `v` to `targets`, improving or not.
  std::optional<Candidate> BestOfVictim(size_t v, const std::vector<int>& targets) const {
    std::optional<Candidate> best;
    ForEachCandidate(v, targets, [&](double s, int order, Move move) {
      if (!best || s < best->score) best = Candidate{s, v, order, move};
    });
    return best;
  }

  const std::vector<int>& victims() const { return victims_; }
  const std::vector<int>& online_nodes() const { return online_nodes_; }
  const std::vector<NodeMetrics>& metrics() const { return metrics_; }
  const ClusterStatistics& stats() const { return stats_; }

 private:
  // The best candidates among victims start, start+stride, ... : every one
  // within the tie tolerance of the best, in search order.
  std::vector<Candidate> Search(size_t start, size_t stride) const {
    std::vector<Candidate> near;
    double best = score_;
    bool improved = false;
    for (size_t v = start; v < victims_.size(); v += stride) {
      ForEachCandidate(v, online_nodes_, [&](double s, int order, Move move) {
        // Only moves that lower the score count, like Ganeti's strict comparison.
        if (!(s < score_)) return;
        if (s > best + TieTolerance(best) && improved) return;
        if (s < best) {
          best = s;
          improved = true;
          std::erase_if(near, [&](const Candidate& c) { return c.score > s + TieTolerance(s); });
        }
        if (near.size() < kMaxTies) near.push_back({s, v, order, move});
      });
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

namespace {

// Applies `move` of instance `victim` when its exact score gains enough
// (Ganeti's tryBalance acceptance).
bool AcceptMove(Cluster& cluster, const BalanceOptions& options, int victim, Move move,
                double& score, Placement& placement) {
  const InstanceState& inst = cluster.instances[victim];
  MoveResult result;
  const Departure departure = Depart(cluster.nodes, inst);
  if (!ApplyMove(cluster.nodes, inst, departure, move, options.ignore_soft_errors, result)) {
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
  placement = {victim, result.new_primary, result.new_secondary, move, new_score};
  score = new_score;
  return true;
}

// Runs fn(i) for i in [0, count) on the machine's cores.
template <class F>
void ParallelFor(size_t count, int threads_option, F&& fn) {
  unsigned threads = threads_option > 0 ? static_cast<unsigned>(threads_option)
                                        : std::max(1u, std::thread::hardware_concurrency());
  threads = std::min<unsigned>(threads, std::max<size_t>(1, count / 8));
  if (threads <= 1) {
    for (size_t i = 0; i < count; ++i) fn(i);
    return;
  }
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (size_t i = t; i < count; i += threads) fn(i);
    });
  }
  for (auto& th : pool) th.join();
}

// Nodes most likely to take load well: furthest below the mean in the load
// metrics and above it in free resources, in units of each metric's spread.
std::vector<int> Shortlist(const Cluster& cluster, const RoundSearch& search, size_t size) {
  const auto& online = search.online_nodes();
  if (online.size() <= size) return online;
  const auto values = search.stats().Values();
  std::array<double, kMetricCount> mean{}, spread{};
  for (int m = 0; m < kMetricCount; ++m) {
    if (!Metrics()[m].std_dev || !Metrics()[m].online) continue;
    for (int n : online) mean[m] += search.metrics()[n][m];
    mean[m] /= online.size();
    spread[m] = values[m] > 0 ? values[m] : 1;
  }
  // +1: more is better for a target (free memory and disk), -1: less is.
  static constexpr std::array<int, kMetricCount> kDirection{1,  1, 0,  -1, 0, 0,  -1, -1, -1, -1,
                                                            -1, 0, -1, 1,  1, -1, -1, 0,  0,  0};
  std::vector<std::pair<double, int>> ranked;
  for (int n : online) {
    double a = 0;
    for (int m = 0; m < kMetricCount; ++m) {
      if (kDirection[m] == 0 || !Metrics()[m].std_dev) continue;
      a += Metrics()[m].weight * kDirection[m] * (search.metrics()[n][m] - mean[m]) / spread[m];
    }
    if (cluster.nodes[n].fail_n1()) a -= 1e6;  // N+1 failing nodes take nothing
    ranked.emplace_back(-a, n);
  }
  std::partial_sort(ranked.begin(), ranked.begin() + size, ranked.end());
  std::vector<int> out;
  for (size_t i = 0; i < size; ++i) out.push_back(ranked[i].second);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

bool BalanceStep(Cluster& cluster, const BalanceOptions& options, double& score,
                 Placement& placement) {
  RoundSearch search(cluster, options, score);
  auto best = search.Run();
  if (!best) return false;
  return AcceptMove(cluster, options, search.VictimInstance(best->victim), best->move, score,
                    placement);
}

struct Balancer::Entry {
  double key = -std::numeric_limits<double>::infinity();  // gain when evaluated
  int version = 0, round = -1;
  std::optional<Move> move;
};

Balancer::Balancer(Cluster& cluster, const BalanceOptions& options)
    : cluster_(cluster), options_(options) {}
Balancer::~Balancer() = default;

bool Balancer::Step(double& score, Placement& placement) {
  size_t online = 0, movable = 0;
  for (const auto& n : cluster_.nodes) online += !n.offline();
  for (const auto& i : cluster_.instances) movable += i.movable && i.auto_balance;
  if (movable * online * 4 <= options_.exhaustive_limit) {
    return BalanceStep(cluster_, options_, score, placement);
  }
  return LazyStep(score, placement);
}

// Lazy greedy: every instance keeps the gain of its best move as last
// evaluated; the instance on top is evaluated again against the current
// cluster until the top one is fresh. Gains shrink as the cluster evens out,
// so a stale gain rarely hides a better fresh one.
bool Balancer::LazyStep(double& score, Placement& placement) {
  ++round_;
  RoundSearch search(cluster_, options_, score);
  const auto targets = Shortlist(cluster_, search, options_.shortlist);
  const auto& victims = search.victims();
  std::vector<int> position(cluster_.instances.size(), -1);
  for (size_t v = 0; v < victims.size(); ++v) position[victims[v]] = static_cast<int>(v);
  if (entries_.empty()) entries_.resize(cluster_.instances.size());

  auto evaluate = [&](int inst) {
    Entry& e = entries_[inst];
    auto best = search.BestOfVictim(position[inst], targets);
    e.key = best ? score - best->score : -std::numeric_limits<double>::infinity();
    e.move = best ? std::optional<Move>(best->move) : std::nullopt;
    e.round = round_;
    ++e.version;
  };
  std::vector<int> batch;
  if (round_ == 1) {
    batch = victims;
  } else {
    for (int i : dirty_) {
      if (position[i] >= 0) batch.push_back(i);
    }
  }
  ParallelFor(batch.size(), options_.threads, [&](size_t k) { evaluate(batch[k]); });
  for (int i : batch) heap_.push({entries_[i].key, i, entries_[i].version});

  while (!heap_.empty()) {
    const auto [key, inst, version] = heap_.top();
    heap_.pop();
    Entry& e = entries_[inst];
    if (version != e.version || position[inst] < 0) continue;
    if (e.round != round_) {
      evaluate(inst);
      heap_.push({e.key, inst, e.version});
      continue;
    }
    if (!(e.key > 0) || !e.move) return false;
    const InstanceState before = cluster_.instances[inst];
    if (!AcceptMove(cluster_, options_, inst, *e.move, score, placement)) return false;
    // Instances on nodes that took on load may now gain more by leaving
    // them; elsewhere gains only shrink, which a later evaluation sees.
    std::vector<int> loaded;
    if (placement.primary != before.pnode) loaded.push_back(placement.primary);
    if (placement.secondary != before.snode && placement.secondary >= 0) {
      loaded.push_back(placement.secondary);
    }
    dirty_.assign(1, inst);
    for (const auto& i : cluster_.instances) {
      for (int n : loaded) {
        if (i.idx != inst && (i.pnode == n || i.snode == n)) {
          dirty_.push_back(i.idx);
          break;
        }
      }
    }
    return true;
  }
  return false;
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
