// A node's resources: declared by a virtual node (its capacity file), read
// from the system on a real one.
#pragma once

#include <cstdint>
#include <string>

namespace herd {
class Paths;

struct NodeCapacity {
  int64_t memory_mib = 0;
  int64_t disk_mib = 0;
  int64_t cpus = 0;
  int64_t memory_dom0_mib = 0;  // memory the node keeps for itself
};

NodeCapacity ReadNodeCapacity(const Paths& paths);
// Writes a virtual node's capacity file: {"memory": MiB, "disk": MiB, "cpus": N}.
void WriteNodeCapacity(const Paths& paths, const NodeCapacity& capacity);

}  // namespace herd
