// The watcher's pause file (Ganeti's WATCHER_PAUSEFILE): "gnt-cluster
// watcher pause" writes the time until which the watcher does nothing.
#pragma once

#include <optional>

#include "base/paths.h"

namespace herd {

// Seconds since the epoch until which the watcher is paused; nullopt when it
// is not paused (no file, an unreadable one, or a time already past).
std::optional<double> WatcherPausedUntil(const Paths& paths);
// Writes the pause file (crash-safe), or removes it for nullopt.
void SetWatcherPause(const Paths& paths, std::optional<double> until);

}  // namespace herd
