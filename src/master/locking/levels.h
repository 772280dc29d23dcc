// Ganeti's lock levels; an owner acquires them in increasing order only.
#pragma once

#include <array>
#include <string_view>

namespace herd::locking {

// Order and names as Ganeti's locking.LEVELS / LEVEL_NAMES (the node-allocation
// level was removed in Ganeti 2.16, so Ganeti 3 clients never see it).
enum class Level : int {
  kCluster = 0,  // holds only the Big Ganeti Lock, kBgl
  kInstance,
  kNodeGroup,
  kNode,
  kNodeRes,
  kNetwork,
};

inline constexpr int kNumLevels = 6;
inline constexpr std::array<Level, kNumLevels> kAllLevels = {
    Level::kCluster, Level::kInstance, Level::kNodeGroup,
    Level::kNode,    Level::kNodeRes,  Level::kNetwork,
};

inline constexpr std::string_view kBgl = "BGL";

// "cluster", "instance", "nodegroup", "node", "node-res", "network".
std::string_view LevelName(Level level);

}  // namespace herd::locking
