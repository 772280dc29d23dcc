// Daemon logging: spdlog to the node's log directory (Ganeti's file names).
#pragma once

#include <spdlog/spdlog.h>

#include <string>

namespace herd {
class Paths;
// Sets the default logger to append to `paths.LogFile(daemon)`; with
// `to_stderr` also echoes to stderr (foreground debugging).
void InitDaemonLogging(const Paths& paths, const std::string& daemon, bool debug, bool to_stderr);
}  // namespace herd
