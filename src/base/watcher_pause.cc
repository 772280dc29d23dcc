#include "base/watcher_pause.h"

#include <chrono>
#include <cmath>
#include <string>

#include "base/files.h"

namespace herd {

std::optional<double> WatcherPausedUntil(const Paths& paths) {
  const std::string file = paths.WatcherPauseFile();
  if (!FileExists(file)) return std::nullopt;
  double until = 0;
  try {
    until = std::stod(ReadFile(file));
  } catch (const std::exception&) {
    return std::nullopt;  // as Ganeti: an unparsable file does not pause
  }
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  if (until < now) return std::nullopt;
  return until;
}

void SetWatcherPause(const Paths& paths, std::optional<double> until) {
  if (!until) {
    RemoveFile(paths.WatcherPauseFile());
    return;
  }
  WriteFileAtomic(paths.WatcherPauseFile(),
                  std::to_string(static_cast<long long>(std::floor(*until))) + "\n");
}

}  // namespace herd
