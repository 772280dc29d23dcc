// The shape of a virtual cluster on disk: node names, addresses, the hosts
// file and the per-node helper scripts.
#pragma once

#include <string>
#include <vector>

#include "node/capacity.h"

namespace herd::vcluster {

struct VirtualNode {
  std::string name;
  std::string address;
  NodeCapacity capacity;
};

// Node i (1-based) is "node<i>" on 127.1.<i/256>.<i%256>; the cluster name
// gets 127.1.0.1 (node numbering starts at 2 in that space).
std::string NodeName(int index);
std::string NodeAddress(int index);
inline constexpr const char* kClusterAddress = "127.1.0.1";

// Writes DIR/hosts (cluster name and every node); crash-safe.
void WriteHostsFile(const std::string& dir, const std::string& cluster_name,
                    const std::vector<VirtualNode>& nodes);
std::vector<VirtualNode> ReadNodes(const std::string& dir);

// DIR/<node>/cmd: runs a command as that node (GANETI_ROOTDIR, GANETI_HOSTNAME, PATH).
void WriteNodeCommandWrapper(const std::string& dir, const std::string& node,
                             const std::string& bin_dir);
// DIR/start-all, stop-all, watcher-all.
void WriteClusterScripts(const std::string& dir, const std::string& bin_dir);

}  // namespace herd::vcluster
