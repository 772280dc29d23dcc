#include "master/locking/levels.h"

namespace herd::locking {

std::string_view LevelName(Level level) {
  switch (level) {
    case Level::kCluster:
      return "cluster";
    case Level::kInstance:
      return "instance";
    case Level::kNodeGroup:
      return "nodegroup";
    case Level::kNode:
      return "node";
    case Level::kNodeRes:
      return "node-res";
    case Level::kNetwork:
      return "network";
  }
  return "unknown";
}

}  // namespace herd::locking
