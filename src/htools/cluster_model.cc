#include "htools/cluster_model.h"

namespace herd::htools {

IPolicy DefaultIPolicy() {
  IPolicy p;
  p.minmax.push_back({ISpec{128, 1, 1024, 1, 1, 1}, ISpec{32768, 8, 1024 * 1024, 16, 8, 12}});
  p.std_spec = ISpec{128, 1, 1024, 1, 1, 1};
  // Every template in Ganeti's declaration order; hspace takes the first
  // (diskless) as the default.
  p.disk_templates = {"diskless", "file", "sharedfile", "plain",  "blockdev",
                      "drbd",     "rbd",  "ext",        "gluster"};
  return p;
}

int ClusterData::FindNode(const std::string& name) const {
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (nodes[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

int ClusterData::FindGroup(const std::string& key) const {
  for (size_t i = 0; i < groups.size(); ++i) {
    if (groups[i].uuid == key || groups[i].name == key) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace herd::htools
