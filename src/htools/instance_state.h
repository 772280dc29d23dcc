// An instance as the htools algorithms move it around: resources, nodes,
// status and the tags that constrain where it may go.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "htools/types.h"

namespace herd::htools {

enum class InstanceStatus {
  kRunning,       // running
  kErrorUp,       // ERROR_up
  kErrorDown,     // ERROR_down
  kWrongNode,     // ERROR_wrongnode
  kNodeOffline,   // ERROR_nodeoffline
  kNodeDown,      // ERROR_nodedown
  kAdminDown,     // ADMIN_down
  kAdminOffline,  // ADMIN_offline
  kUserDown,      // USER_down
};
InstanceStatus ParseInstanceStatus(const std::string& text);  // throws ParameterError
const char* InstanceStatusName(InstanceStatus status);

struct DiskSpec {
  int size = 0;  // MiB
  std::optional<int> spindles;
};

struct InstanceState {
  int idx = -1;
  std::string name, alias;
  int mem = 0, dsk = 0, vcpus = 1;
  std::vector<DiskSpec> disks;
  InstanceStatus status = InstanceStatus::kRunning;
  int pnode = -1, snode = -1;
  DynUtil util = kBaseUtil;
  bool movable = true, auto_balance = true, forthcoming = false;
  std::string disk_template = "drbd";
  int spindle_use = 1;
  std::vector<std::string> tags, excl_tags;
  std::set<std::string> desired_location_tags;
  int location_score = 0;

  bool IsRunning() const {
    return status == InstanceStatus::kRunning || status == InstanceStatus::kErrorUp;
  }
  bool IsOffline() const { return status == InstanceStatus::kAdminOffline; }
  bool NotOffline() const { return !IsOffline(); }
  bool UsesSecMem() const { return NotOffline() && auto_balance; }
  bool UsesLocalStorage() const { return disk_template == "drbd" || disk_template == "plain"; }
  bool HasSecondary() const { return disk_template == "drbd"; }
  bool UsesMemory() const;
  MirrorType Mirror() const;
  int RequiredNodes() const { return HasSecondary() ? 2 : 1; }
  std::optional<int> TotalSpindles() const;
};

// Whether instances of `disk_template` can change nodes at all.
bool SupportsMoves(const std::string& disk_template);
MirrorType TemplateMirrorType(const std::string& disk_template);

}  // namespace herd::htools
