#include "node/capacity.h"

#include <sys/statvfs.h>
#include <unistd.h>

#include <fstream>

#include "base/file_cache.h"
#include "base/files.h"
#include "base/json.h"
#include "base/paths.h"

namespace herd {

NodeCapacity ReadNodeCapacity(const Paths& paths) {
  NodeCapacity cap;
  const std::string file = paths.NodeCapacityFile();
  if (auto text = ReadFileCached(file)) {
    auto v = ParseJson(*text, file);
    const auto& o = AsObject(v, file);
    cap.memory_mib = GetInt(o, "memory", file);
    cap.disk_mib = GetInt(o, "disk", file);
    cap.cpus = GetInt(o, "cpus", file);
    cap.memory_dom0_mib = GetIntOr(o, "memory_dom0", 0);
    return cap;
  }
  cap.cpus = sysconf(_SC_NPROCESSORS_ONLN);
  cap.memory_mib = static_cast<int64_t>(sysconf(_SC_PHYS_PAGES)) * sysconf(_SC_PAGESIZE) >> 20;
  struct statvfs st;
  if (statvfs(paths.FileStorageDir().c_str(), &st) == 0) {
    cap.disk_mib = static_cast<int64_t>(st.f_blocks * st.f_frsize >> 20);
  }
  return cap;
}

void WriteNodeCapacity(const Paths& paths, const NodeCapacity& capacity) {
  json::object o{{"memory", capacity.memory_mib},
                 {"disk", capacity.disk_mib},
                 {"cpus", capacity.cpus},
                 {"memory_dom0", capacity.memory_dom0_mib}};
  WriteFileAtomic(paths.NodeCapacityFile(), SerializeJson(o) + "\n");
}

}  // namespace herd
