// The shape of a virtual cluster on disk: node names, addresses, the hosts
// file and the per-node helper scripts.
#pragma once

#include <string>
#include <vector>

#include "base/file_lock.h"
#include "node/capacity.h"

namespace herd::vcluster {

struct VirtualNode {
  std::string name;
  std::string address;
  NodeCapacity capacity;
};

// Each virtual cluster owns one block 127.<block>.0.0/16 (so that several
// clusters can run at once): node i (1-based) is "node<i>" on
// 127.<block>.<(i+1)/256>.<(i+1)%256>, the cluster name is 127.<block>.0.1.
std::string NodeName(int index);
std::string NodeAddress(int block, int index);
std::string ClusterAddress(int block);
// A block whose addresses are free right now (probed by binding) and that
// no other creation by this user has claimed. The claim (a lock on a file
// under the temporary directory) lasts as long as the returned value: until
// the new cluster's daemons hold the addresses, a creation started at the
// same moment (parallel tests) must not pick the same block.
struct AddressBlock {
  int block = 0;
  FileLock claim;
};
AddressBlock ClaimFreeAddressBlock(int port);

// Writes DIR/hosts (cluster name and every node); crash-safe.
void WriteHostsFile(const std::string& dir, const std::string& cluster_name,
                    const std::string& cluster_address, const std::vector<VirtualNode>& nodes);
std::vector<VirtualNode> ReadNodes(const std::string& dir);

// DIR/<node>/cmd: runs a command as that node (GANETI_ROOTDIR, GANETI_HOSTNAME, PATH).
void WriteNodeCommandWrapper(const std::string& dir, const std::string& node,
                             const std::string& bin_dir);
// DIR/start-all, stop-all, watcher-all.
void WriteClusterScripts(const std::string& dir, const std::string& bin_dir);

}  // namespace herd::vcluster
