// gnt-debug's commands beyond the test opcodes, grouped as in Ganeti's
// gnt_debug.py; gnt_debug.cc assembles the program.
#pragma once

#include <vector>

#include "program.h"

namespace herd::cli {

// test-jobqueue: Ganeti's job queue checks (submission, dependencies,
// OP_TEST_JQUEUE's notifications and log messages).
std::vector<CommandEntry> DebugJobqueueCommands();
// wconfd, metad: Ganeti's daemons that Herd folds into the master daemon
// (or does without).
std::vector<CommandEntry> DebugDaemonCommands();

}  // namespace herd::cli
