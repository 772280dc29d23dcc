// Ganeti's restricted commands: executables an administrator placed in the
// node's restricted-commands directory, run by the master's request with
// Ganeti's checks (plain names, directory and file owned by the daemon's
// user and not writable by others, one command at a time).
#pragma once

#include <string>

#include "base/paths.h"

namespace herd {

// The command's output; GenericError "Executing command 'x' failed" (after a
// delay, revealing nothing more) when it may not run, or "Restricted command
// 'x' failed: ..." when it ran and failed.
std::string RunRestrictedCommand(const Paths& paths, const std::string& command);

}  // namespace herd
