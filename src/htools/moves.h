// Instance moves (Ganeti's applyMoveEx): the new state of every node a move
// touches, or nothing when a node refuses the instance.
#pragma once

#include <optional>
#include <vector>

#include "htools/instance_state.h"
#include "htools/metrics.h"
#include "htools/node_state.h"
#include "htools/types.h"

namespace herd::htools {

// The nodes a move touches and their states afterwards. A node left as the
// instance's departure made it points into that Departure (no copy): a
// MoveResult must not outlive the Departure it was computed from.
class MoveResult {
 public:
  MoveResult() = default;
  MoveResult(const MoveResult& o) { *this = o; }
  MoveResult& operator=(const MoveResult& o);

  int count = 0;
  int node[3] = {-1, -1, -1};
  InstanceState instance;  // with its new nodes and location score
  int new_primary = -1, new_secondary = -1;

  const NodeState& After(int i) const { return *after_[i]; }
  // The node's metrics after the move when already known, else null.
  const NodeMetrics* KnownMetrics(int i) const { return metrics_[i]; }

  void Own(int i, int idx, NodeState s);
  void Share(int i, int idx, const NodeState& s, const NodeMetrics* metrics);

 private:
  const NodeState* after_[3] = {nullptr, nullptr, nullptr};
  const NodeMetrics* metrics_[3] = {nullptr, nullptr, nullptr};
  std::optional<NodeState> owned_[3];
};

// The nodes of `inst` once it has left them, shared by every move of that
// instance: computed once per instance when many targets are tried.
struct Departure {
  std::optional<NodeState> primary;    // without the instance as primary
  std::optional<NodeState> secondary;  // without it as secondary (if any)
  NodeMetrics primary_metrics{}, secondary_metrics{};
};
Departure Depart(const std::vector<NodeState>& nodes, const InstanceState& inst);

// Applies `move`; `force` ignores soft errors (Ganeti's --ignore-soft-errors).
bool ApplyMove(const std::vector<NodeState>& nodes, const InstanceState& inst,
               const Departure& departure, Move move, bool force, MoveResult& out);
// The result may point into the departure: a temporary one would dangle.
bool ApplyMove(const std::vector<NodeState>& nodes, const InstanceState& inst,
               Departure&& departure, Move move, bool force, MoveResult& out) = delete;

// Ganeti's move letters ("f", "r:node3 f", ...) and the gnt-instance commands.
struct MoveDescription {
  std::string letters;
  std::vector<std::string> commands;
};
MoveDescription DescribeMove(const InstanceState& inst, const std::string& instance_name, Move move,
                             const std::string& new_primary, const std::string& new_secondary);

}  // namespace herd::htools
