#include "master/hooks_fanout.h"

#include <boost/json/serialize.hpp>
#include <chrono>
#include <map>
#include <string>
#include <tuple>

namespace herd::master {
namespace json = boost::json;

struct HooksFanout::Phase {
  std::vector<rpc::NodeAddress> targets;
  json::array args;                     // hooks_runner's [hpath, phase, env]
  std::vector<rpc::RpcResult> results;  // one per target
  bool done = false;
};

std::vector<rpc::RpcResult> HooksFanout::Run(const std::vector<rpc::NodeAddress>& targets,
                                             const json::array& args) {
  if (targets.empty()) return {};
  auto phase = std::make_shared<Phase>();
  phase->targets = targets;
  phase->args = args;
  phase->results.resize(targets.size());
  std::unique_lock lock(mu_);
  waiting_.push_back(phase);
  arrived_.notify_one();
  for (;;) {
    cv_.wait(lock, [&] { return phase->done || !sending_; });
    if (phase->done) return std::move(phase->results);
    // No round on its way: this caller sends everything waiting, its own
    // phase included; the others wake up with their results.
    sending_ = true;
    if (last_round_size_ >= kBurstRound) {
      // A burst (jobs released by the last round come back with their next
      // phase within milliseconds): gather them, so that a thousand node
      // adds cost tens of rounds, not hundreds.
      const auto until = std::chrono::steady_clock::now() + kGatherAtMost;
      size_t seen = waiting_.size();
      while (arrived_.wait_for(lock, kQuietGap, [&] { return waiting_.size() != seen; }) &&
             std::chrono::steady_clock::now() < until) {
        seen = waiting_.size();
      }
    }
    std::vector<std::shared_ptr<Phase>> round;
    round.swap(waiting_);
    last_round_size_ = round.size();
    lock.unlock();
    try {
      Send(round);
    } catch (const std::exception& err) {
      // Each phase reports the failure as its nodes' errors.
      for (auto& p : round) {
        for (size_t i = 0; i < p->targets.size(); ++i) {
          if (!p->results[i].ok && p->results[i].error.empty()) {
            p->results[i].node = p->targets[i].name;
            p->results[i].error = err.what();
          }
        }
      }
    }
    lock.lock();
    for (auto& p : round) p->done = true;
    sending_ = false;
    cv_.notify_all();
  }
}

namespace {

// herd_hooks_runner_batch's [common env, [[hpath, phase, own env], ...]]:
// what all environments share is sent once (a node add's hooks differ in
// a few variables out of twenty), so a round's size is not that many times
// the environment.
json::array BatchArguments(const std::vector<std::shared_ptr<HooksFanout::Phase>>& phases,
                           const std::vector<size_t>& indexes) {
  auto env_of = [&](size_t p) -> const json::object& {
    static const json::object kNone;
    const auto& args = phases[p]->args;
    const auto* env = args.size() > 2 ? args[2].if_object() : nullptr;
    return env ? *env : kNone;
  };
  json::object common = env_of(indexes.front());
  for (size_t k = 1; k < indexes.size(); ++k) {
    const json::object& env = env_of(indexes[k]);
    for (auto it = common.begin(); it != common.end();) {
      auto found = env.find(it->key());
      it = (found == env.end() || found->value() != it->value()) ? common.erase(it) : it + 1;
    }
  }
  json::array calls;
  for (size_t p : indexes) {
    const auto& args = phases[p]->args;
    json::object own;
    for (const auto& [key, value] : env_of(p)) {
      if (!common.contains(key)) own[key] = value;
    }
    calls.push_back(json::array{args.size() > 0 ? args[0] : nullptr,
                                args.size() > 1 ? args[1] : nullptr, std::move(own)});
  }
  return json::array{std::move(common), std::move(calls)};
}

}  // namespace

void HooksFanout::Send(const std::vector<std::shared_ptr<Phase>>& phases) {
  if (phases.size() == 1) {
    phases[0]->results =
        rpc_.CallParallel(phases[0]->targets, rpc::procedures::kHooksRunner, phases[0]->args);
    return;
  }
  // Per node, the phases meant for it (and the node's place in each).
  using NodeKey = std::tuple<std::string, std::string, int>;
  struct NodeSlots {
    rpc::NodeAddress address;
    std::vector<size_t> phase_indexes;
    std::vector<size_t> target_indexes;
  };
  std::map<NodeKey, NodeSlots> per_node;
  for (size_t p = 0; p < phases.size(); ++p) {
    const auto& targets = phases[p]->targets;
    for (size_t t = 0; t < targets.size(); ++t) {
      auto& slots = per_node[NodeKey{targets[t].name, targets[t].address, targets[t].port}];
      slots.address = targets[t];
      slots.phase_indexes.push_back(p);
      slots.target_indexes.push_back(t);
    }
  }
  // Nodes that get the same phases get the same call.
  std::map<std::vector<size_t>, std::vector<const NodeSlots*>> groups;
  for (const auto& [key, slots] : per_node) groups[slots.phase_indexes].push_back(&slots);
  for (const auto& [phase_indexes, nodes] : groups) {
    std::vector<rpc::NodeAddress> addresses;
    for (const auto* n : nodes) addresses.push_back(n->address);
    if (phase_indexes.size() == 1) {
      auto results = rpc_.CallParallel(addresses, rpc::procedures::kHooksRunner,
                                       phases[phase_indexes[0]]->args);
      for (size_t i = 0; i < nodes.size(); ++i) {
        phases[phase_indexes[0]]->results[nodes[i]->target_indexes[0]] = std::move(results[i]);
      }
      continue;
    }
    auto results = rpc_.CallParallel(addresses, rpc::procedures::kHerdHooksRunnerBatch,
                                     BatchArguments(phases, phase_indexes));
    for (size_t i = 0; i < nodes.size(); ++i) {
      const NodeSlots& slots = *nodes[i];
      json::array* answers = results[i].ok ? results[i].payload.if_array() : nullptr;
      for (size_t k = 0; k < phase_indexes.size(); ++k) {
        phases[phase_indexes[k]]->results[slots.target_indexes[k]] = rpc::BatchAnswerResult(
            results[i], answers && k < answers->size() ? &(*answers)[k] : nullptr,
            rpc::procedures::kHerdHooksRunnerBatch.name);
      }
    }
  }
}

}  // namespace herd::master
