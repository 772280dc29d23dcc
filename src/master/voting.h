// The nodes' vote on who the master is (Ganeti's master_node_name RPC to
// every node; each answers what its ssconf says): held by a master daemon
// before it serves, and by master-failover before it takes the role over.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "rpc/node_rpc_client.h"

namespace herd::master {

struct MasterVotes {
  int asked = 0;                      // nodes asked
  std::map<std::string, int> counts;  // voted master name -> votes
  std::vector<std::string> silent;    // nodes that did not answer

  int answered() const { return asked - static_cast<int>(silent.size()); }
  // The name with the most votes ("" without any answer).
  std::string Leader() const;
  // A strict majority of the nodes asked answered (Ganeti's MajorityHealthy).
  bool MajorityAnswered() const { return 2 * answered() > asked; }
  // `name` holds a strict majority of the nodes asked.
  bool WonBy(const std::string& name) const;
  // `name` may still win once the silent nodes answer.
  bool Undecided(const std::string& name) const;
  // "node1: 3, node2: 1; no answer from node4" for messages.
  std::string Describe() const;
};

MasterVotes GatherMasterVotes(rpc::NodeRpcClient& rpc, const std::vector<rpc::NodeAddress>& nodes);

}  // namespace herd::master
