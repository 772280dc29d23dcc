// Instance moves (Ganeti's applyMoveEx): the new state of every node a move
// touches, or nothing when a node refuses the instance.
#pragma once

#include <optional>
#include <vector>

#include "htools/instance_state.h"
#include "htools/node_state.h"
#include "htools/types.h"

namespace herd::htools {

struct MoveResult {
  int count = 0;
  int node[3] = {-1, -1, -1};
  std::optional<NodeState> state[3];
  InstanceState instance;  // with its new nodes and location score
  int new_primary = -1, new_secondary = -1;
  void Set(int i, int idx, NodeState s) {
    node[i] = idx;
    state[i].emplace(std::move(s));
  }
};

// The nodes of `inst` once it has left them, shared by every move of that
// instance: computed once per instance when many targets are tried.
struct Departure {
  std::optional<NodeState> primary;    // without the instance as primary
  std::optional<NodeState> secondary;  // without it as secondary (if any)
};
Departure Depart(const std::vector<NodeState>& nodes, const InstanceState& inst);

// Applies `move`; `force` ignores soft errors (Ganeti's --ignore-soft-errors).
bool ApplyMove(const std::vector<NodeState>& nodes, const InstanceState& inst,
               const Departure& departure, Move move, bool force, MoveResult& out);

// Ganeti's move letters ("f", "r:node3 f", ...) and the gnt-instance commands.
struct MoveDescription {
  std::string letters;
  std::vector<std::string> commands;
};
MoveDescription DescribeMove(const InstanceState& inst, const std::string& instance_name, Move move,
                             const std::string& new_primary, const std::string& new_secondary);

}  // namespace herd::htools
