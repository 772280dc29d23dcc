// ganeti-watcher for one node: keeps the node's daemons running and, on the
// master, restarts instances that should run but do not and archives old
// jobs, as Ganeti's watcher does.
#pragma once

#include <string>

#include "base/paths.h"

namespace herd::watcher {

struct WatcherOptions {
  int job_age_seconds = 6 * 3600;  // archive finished jobs older than this
  int max_restart_attempts = 5;    // Ganeti's MAXTRIES per instance
};

// Returns the process exit code (0 when every step worked).
int RunWatcher(const Paths& paths, const WatcherOptions& options);

}  // namespace herd::watcher
