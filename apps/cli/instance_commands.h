// gnt-instance's commands, grouped as Ganeti's gnt_instance.py groups its
// functions: creation and parameters, disks, placement. Each file gives the
// table entries of its commands; gnt_instance.cc assembles the program.
#pragma once

#include <string>
#include <vector>

#include "cli/command.h"
#include "program.h"

namespace herd::cli {

// add, batch-create, modify, reinstall (instance_param_commands.cc).
std::vector<CommandEntry> InstanceParamCommands();
// gnt-instance add, or gnt-backup import (`importing`).
CommandEntry InstanceCreateEntry(bool importing, std::string name, std::string description);
// activate-disks, deactivate-disks, recreate-disks, replace-disks, grow-disk.
std::vector<CommandEntry> InstanceDiskCommands();
// migrate, failover, move, change-group.
std::vector<CommandEntry> InstancePlacementCommands();

// Ganeti's confirmation before acting on an instance ("Are you sure..."):
// as Ganeti's AskUser, without a terminal to answer, the answer is no.
inline bool ConfirmInstanceOperation(const std::string& question, bool force) {
  return force || AskUser(question, false);
}

}  // namespace herd::cli
