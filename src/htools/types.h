// Shared vocabulary of the htools model: failure modes, dynamic utilisation,
// instance moves and mirror types, with Ganeti's names.
#pragma once

#include <array>
#include <string>

namespace herd::htools {

// Why a placement was refused (Ganeti's FailMode, in its order).
enum class FailMode {
  kMem,
  kDisk,
  kCpu,
  kN1,
  kTags,
  kMig,
  kDiskCount,
  kSpindles,
  kInternal,
};
constexpr int kFailModeCount = 9;
// "FailMem", "FailDisk", ... as Ganeti prints them.
const char* FailModeName(FailMode mode);

// Dynamic utilisation (cpu, memory, disk, network weights).
struct DynUtil {
  double cpu = 0, mem = 0, dsk = 0, net = 0;
  DynUtil& operator+=(const DynUtil& o) {
    cpu += o.cpu, mem += o.mem, dsk += o.dsk, net += o.net;
    return *this;
  }
  DynUtil& operator-=(const DynUtil& o) {
    cpu -= o.cpu, mem -= o.mem, dsk -= o.dsk, net -= o.net;
    return *this;
  }
};
inline constexpr DynUtil kBaseUtil{1, 1, 1, 1};

// Kinds of instance move considered by the balancer.
enum class MoveKind {
  kFailover,            // f
  kFailoverToAny,       // fa:NODE (externally mirrored)
  kReplacePrimary,      // f r:NODE f
  kReplaceSecondary,    // r:NODE
  kReplaceAndFailover,  // r:NODE f
  kFailoverAndReplace,  // f r:NODE
};

struct Move {
  MoveKind kind = MoveKind::kFailover;
  int target = -1;  // node index; unused for kFailover
};

enum class MirrorType { kNone, kInternal, kExternal };

// Ganeti's allocation units, used when shrinking tiered specs.
inline constexpr int kUnitMem = 64, kUnitDsk = 256, kUnitCpu = 1, kUnitSpindle = 1;

}  // namespace herd::htools
