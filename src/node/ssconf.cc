#include "node/ssconf.h"

#include <set>

#include "base/errors.h"
#include "base/file_cache.h"
#include "base/files.h"
#include "base/paths.h"

namespace herd {
namespace {
const std::set<std::string>& ValidKeys() {
  static const std::set<std::string> keys{"cluster_name",
                                          "cluster_tags",
                                          "file_storage_dir",
                                          "shared_file_storage_dir",
                                          "gluster_storage_dir",
                                          "master_candidates",
                                          "master_candidates_ips",
                                          "master_candidates_certs",
                                          "master_ip",
                                          "master_netdev",
                                          "master_netmask",
                                          "master_node",
                                          "node_list",
                                          "node_primary_ips",
                                          "node_secondary_ips",
                                          "node_vm_capable",
                                          "offline_nodes",
                                          "online_nodes",
                                          "primary_ip_family",
                                          "instance_list",
                                          "release_version",
                                          "hypervisor_list",
                                          "maintain_node_health",
                                          "uid_pool",
                                          "nodegroups",
                                          "networks",
                                          "enabled_user_shutdown",
                                          "ssh_ports",
                                          "hvparams_chroot",
                                          "hvparams_fake",
                                          "hvparams_kvm",
                                          "hvparams_lxc",
                                          "hvparams_xen-hvm",
                                          "hvparams_xen-pvm"};
  return keys;
}
}  // namespace

void WriteSsconfFiles(const Paths& paths, const std::map<std::string, std::string>& values) {
  for (const auto& [key, value] : values) {
    if (!ValidKeys().count(key)) throw GenericError("Invalid ssconf key '" + key + "'");
  }
  // Only changed keys are rewritten; one directory fsync covers them all.
  bool changed = false;
  for (const auto& [key, value] : values) {
    const std::string file = paths.SsconfFile(key);
    if (FileHolds(file, value)) continue;
    WriteFileAtomic(file, value, 0444, /*sync_directory=*/false, Inodes::kRecycled);
    changed = true;
  }
  if (changed) FsyncDirectory(paths.DataDir());
}

std::optional<std::string> ReadSsconfValue(const Paths& paths, const std::string& key) {
  auto text = ReadFileCached(paths.SsconfFile(key));
  if (!text) return std::nullopt;
  std::string v = std::move(*text);
  while (!v.empty() && (v.back() == '\n')) v.pop_back();
  return v;
}

}  // namespace herd
