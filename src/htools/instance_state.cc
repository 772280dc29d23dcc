#include "htools/instance_state.h"

#include <array>

#include "base/errors.h"

namespace herd::htools {
namespace {

constexpr std::array<const char*, 9> kStatusNames{
    "running",        "ERROR_up",   "ERROR_down",    "ERROR_wrongnode", "ERROR_nodeoffline",
    "ERROR_nodedown", "ADMIN_down", "ADMIN_offline", "USER_down"};

}  // namespace

InstanceStatus ParseInstanceStatus(const std::string& text) {
  for (size_t i = 0; i < kStatusNames.size(); ++i) {
    if (text == kStatusNames[i]) return static_cast<InstanceStatus>(i);
  }
  throw ParameterError("unknown instance status '" + text + "'");
}

const char* InstanceStatusName(InstanceStatus status) {
  return kStatusNames[static_cast<size_t>(status)];
}

const char* FailModeName(FailMode mode) {
  static constexpr std::array<const char*, kFailModeCount> kNames{
      "FailMem", "FailDisk",      "FailCPU",      "FailN1",      "FailTags",
      "FailMig", "FailDiskCount", "FailSpindles", "FailInternal"};
  return kNames[static_cast<size_t>(mode)];
}

bool InstanceState::UsesMemory() const {
  if (forthcoming) return false;
  switch (status) {
    case InstanceStatus::kAdminDown:
    case InstanceStatus::kAdminOffline:
    case InstanceStatus::kErrorDown:
    case InstanceStatus::kUserDown:
      return false;
    default:
      return true;
  }
}

MirrorType TemplateMirrorType(const std::string& t) {
  if (t == "drbd") return MirrorType::kInternal;
  // Ganeti counts diskless instances as externally mirrored: nothing to copy.
  if (t == "diskless" || t == "sharedfile" || t == "blockdev" || t == "rbd" || t == "ext" ||
      t == "gluster") {
    return MirrorType::kExternal;
  }
  return MirrorType::kNone;
}

MirrorType InstanceState::Mirror() const { return TemplateMirrorType(disk_template); }

// Ganeti's movableDiskTemplates: diskless instances are not balanced.
bool SupportsMoves(const std::string& t) {
  return t == "drbd" || t == "blockdev" || t == "sharedfile" || t == "gluster" || t == "rbd" ||
         t == "ext";
}

std::optional<int> InstanceState::TotalSpindles() const {
  int total = 0;
  for (const auto& d : disks) {
    if (!d.spindles) return std::nullopt;
    total += *d.spindles;
  }
  return total;
}

}  // namespace herd::htools
