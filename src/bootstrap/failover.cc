#include "bootstrap/failover.h"

#include <algorithm>
#include <boost/json.hpp>
#include <sstream>

#include "base/errors.h"
#include "base/json.h"
#include "master/cmdlib/common.h"
#include "master/config/config_store.h"
#include "master/jobs/job_storage.h"
#include "master/voting.h"
#include "node/ssconf.h"
#include "rpc/node_rpc_client.h"
#include "rpc/procedures.h"

namespace herd::bootstrap {
namespace {

std::vector<std::string> Lines(const std::optional<std::string>& text) {
  std::vector<std::string> out;
  std::istringstream in(text.value_or(""));
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

std::string Required(const Paths& paths, const char* key) {
  auto value = ReadSsconfValue(paths, key);
  if (!value) {
    throw OpPrereqError(
        std::string("This node has no ssconf ") + key + "; is it part of a cluster?", kEcodeState);
  }
  return *value;
}

// Node addresses as this node's ssconf knows them (no master is needed).
std::vector<rpc::NodeAddress> SsconfNodes(const Paths& paths, const char* list_key) {
  std::map<std::string, std::string> ips;
  for (const auto& line : Lines(ReadSsconfValue(paths, kSsconfNodePrimaryIps))) {
    auto space = line.find(' ');
    if (space != std::string::npos) ips[line.substr(0, space)] = line.substr(space + 1);
  }
  std::vector<rpc::NodeAddress> out;
  for (const auto& name : Lines(ReadSsconfValue(paths, list_key))) {
    auto it = ips.find(name);
    if (it != ips.end()) out.push_back({name, it->second, rpc::kDefaultNodedPort});
  }
  return out;
}

rpc::NodeAddress Self(const Paths& paths) {
  for (const auto& node : SsconfNodes(paths, kSsconfNodeList)) {
    if (node.name == paths.hostname()) return node;
  }
  throw OpPrereqError("This node (" + paths.hostname() + ") is not in the cluster's node list",
                      kEcodeState);
}

}  // namespace

FailoverResult MasterFailover(const Paths& paths, bool no_voting) {
  const std::string old_master = Required(paths, kSsconfMasterNode);
  const std::string new_master = paths.hostname();
  if (old_master == new_master) {
    throw OpPrereqError(
        "This commands must be run on the node where you want the new master to "
        "be. " +
            old_master + " is already the master",
        kEcodeInval);
  }
  auto candidates = Lines(ReadSsconfValue(paths, kSsconfMasterCandidates));
  if (std::find(candidates.begin(), candidates.end(), new_master) == candidates.end()) {
    std::string list;
    for (const auto& c : candidates) list += "\n" + c;
    throw OpPrereqError(
        "This node is not among the nodes marked as master candidates. The list "
        "of nodes marked as master candidates is:" +
            list,
        kEcodeState);
  }
  auto rpc = rpc::MakeHttpsNodeRpcClient(paths.NodedCertFile());
  if (!no_voting) {
    auto online = master::GatherMasterVotes(*rpc, SsconfNodes(paths, kSsconfOnlineNodes));
    if (!online.MajorityAnswered()) {
      throw OpPrereqError(
          "Master-failover with voting is only possible if the majority of nodes are still "
          "healthy; use the --no-voting option after ensuring by other means that you won't end "
          "up in a dual-master scenario. Votes: " +
              online.Describe(),
          kEcodeState);
    }
    auto votes = master::GatherMasterVotes(*rpc, SsconfNodes(paths, kSsconfNodeList));
    if (votes.Leader() != old_master) {
      throw OpPrereqError("I have a wrong configuration, I believe the master is " + old_master +
                              " but the other nodes voted " + votes.Leader() +
                              ". Please resync the configuration of this node.",
                          kEcodeState);
    }
  }

  FailoverResult result;
  auto warn = [&result](const std::string& text) {
    result.warnings.push_back(text);
    result.exit_code = 1;
  };
  // The old master stops first (its daemons finish their jobs and ship the
  // last config and queue changes here); if it is down, our copy stands.
  std::optional<rpc::NodeAddress> old_address;
  for (const auto& node : SsconfNodes(paths, kSsconfNodeList)) {
    if (node.name == old_master) old_address = node;
  }
  if (old_address) {
    auto stopped = rpc->Call(*old_address, rpc::procedures::kNodeStopMaster, json::array{});
    if (!stopped.ok) {
      warn("Could not disable the master role on the old master " + old_master +
           ", please disable manually: " + stopped.error);
    }
  }

  // This node's copy of the config names it master; every node's ssconf too.
  std::map<std::string, std::string> ssconf;
  std::vector<rpc::NodeAddress> online;
  {
    master::ConfigStore config(paths);
    config.Update([&](master::ConfigTxn& txn) {
      const objects::Node* self = txn.data().FindNodeByName(new_master);
      if (!self) {
        throw OpPrereqError(
            "Could not find new master node '" + new_master + "' in cluster configuration.",
            kEcodeNoEnt);
      }
      txn.MutableCluster().master_node = self->uuid;
    });
    config.WriteSnapshot();
    config.Read([&](const objects::ConfigData& d) {
      ssconf = master::ComputeSsconf(d);
      online = master::AddressesOf(master::OnlineNodes(d));
      return 0;
    });
  }
  json::object values;
  for (const auto& [k, v] : ssconf) values[k] = v;
  for (const auto& r :
       rpc->CallParallel(online, rpc::procedures::kWriteSsconfFiles, json::array{values})) {
    if (!r.ok) warn("Could not update the ssconf files of " + r.node + ": " + r.error);
  }
  jobs::JobStorage queue(paths.QueueDir());
  if (queue.DrainFlag()) queue.SetDrainFlag(false);  // as Ganeti: a new master takes jobs

  auto started =
      rpc->Call(Self(paths), rpc::procedures::kNodeStartMasterDaemons, json::array{no_voting});
  if (!started.ok) {
    warn("Could not start the master role on the new master " + new_master +
         ", please check: " + started.error);
  }
  return result;
}

}  // namespace herd::bootstrap
