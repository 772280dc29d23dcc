// What a logical unit works with: the config, the lock manager, node RPC and
// its job's context. Logical units never open sockets themselves.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/paths.h"
#include "master/config/config_store.h"
#include "master/jobs/op_context.h"
#include "master/locking/lock_manager.h"
#include "rpc/node_rpc_client.h"

namespace herd::master {

class NodeLiveCache;

// Services of the master daemon a logical unit may call.
class ClusterServices {
 public:
  virtual ~ClusterServices() = default;
  // Submits a new job (as Ganeti's "jobs" results of OP_CLUSTER_VERIFY);
  // returns [success, job id or error].
  virtual boost::json::value SubmitJob(boost::json::array opcodes) = 0;
  // Schedules writing ssconf files to every node (coalesced, in the background).
  virtual void ScheduleSsconfDistribution() = 0;
  // Has ssconf written to every online node now, and waits (at most
  // `timeout_ms`) until it is; returns the nodes it could not reach, or
  // nothing when the time ran out before the push ended (which nodes it had
  // reached by then is not known; it goes on in the background).
  virtual std::optional<std::vector<std::string>> DistributeSsconfNow(int timeout_ms) = 0;
  // Sends the whole config to a (new) master candidate.
  virtual void SendFullConfig(const std::string& node_uuid) = 0;
  // Asks the daemon to exit once the current job has finished (cluster destroy).
  virtual void RequestShutdown() = 0;
  // Waits (at most `timeout_ms`) until the candidates hold every config and
  // job change made so far.
  virtual void FlushReplication(int timeout_ms) = 0;
  // Waits (at most `timeout_ms`) until the candidates hold every config
  // change committed so far.
  virtual void WaitConfigReplicated(int timeout_ms) = 0;
  // The node figures allocations share (see NodeLiveCache).
  virtual NodeLiveCache& AllocatorLiveData() = 0;
  // hooks_runner(`args`) on `targets`, sent together with the hook phases
  // of other jobs under way (see HooksFanout); results in targets' order.
  virtual std::vector<rpc::RpcResult> RunHooks(const std::vector<rpc::NodeAddress>& targets,
                                               const boost::json::array& args) = 0;
};

// Thrown by LuContext::Commit in a dry run once the change passed its checks:
// the opcode succeeds with no result, as in Ganeti.
struct DryRunDone {};

struct LuContext {
  const Paths& paths;
  ConfigStore& config;
  locking::LockManager& locks;
  rpc::NodeRpcClient& rpc;
  jobs::OpContext& op;
  ClusterServices& services;
  std::string owner;     // lock owner id, "job/<id>"
  bool dry_run = false;  // the opcode's dry_run: checks only (see Commit)

  void Feedback(const std::string& msg) { op.Feedback(msg); }
  // Ganeti's LogWarning: " - WARNING: ..." in the job log.
  void LogWarning(const std::string& msg) { op.Feedback(" - WARNING: " + msg); }
  // Commits this opcode's config change, tagged with its job and opcode, as
  // the opcode's last step that may fail (see CommitTag).
  // The candidates hold the change before the opcode goes on: a candidate
  // that takes over knows what was done.
  // In a dry run, the change is checked and taken back, and the opcode ends
  // there (DryRunDone).
  void Commit(const std::function<void(ConfigTxn&)>& mutator) {
    if (dry_run) {
      config.TryUpdate(mutator);
      throw DryRunDone{};
    }
    config.Update(mutator, CommitTag{op.job_id, op.op_index, false});
    services.WaitConfigReplicated(kReplicationWaitMs);
  }
  // Takes back a change made by Commit when a later step failed.
  void CommitUndo(const std::function<void(ConfigTxn&)>& mutator) {
    config.Update(mutator, CommitTag{op.job_id, op.op_index, true});
    services.WaitConfigReplicated(kReplicationWaitMs);
  }
  static constexpr int kReplicationWaitMs = 10000;
};

using LogicalUnit = std::function<boost::json::value(LuContext&, const boost::json::object&)>;

// Looks up the logical unit of an opcode id ("OP_NODE_ADD"); nullptr if none.
const LogicalUnit* FindLogicalUnit(const std::string& op_id);
// Whether the opcode's logical unit does nothing but check before its
// commit, so that a dry run (checks, then the commit taken back) is exact.
bool SupportsDryRun(const std::string& op_id);

}  // namespace herd::master
