#include "master/master_daemon.h"

#include <signal.h>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <iostream>
#include <optional>
#include <thread>

#include "base/errors.h"
#include "base/files.h"
#include "base/heap.h"
#include "base/json.h"
#include "base/logging.h"
#include "base/paths.h"
#include "base/process.h"
#include "luxi/server.h"
#include "master/cluster_services.h"
#include "master/cmdlib/common.h"
#include "master/cmdlib/hooks.h"
#include "master/cmdlib/lu_context.h"
#include "master/config/config_store.h"
#include "master/filters.h"
#include "master/jobs/queue.h"
#include "master/locking/lock_manager.h"
#include "master/luxi/luxi_methods.h"
#include "master/queue_replicator.h"
#include "master/voting.h"
#include "node/ssconf.h"
#include "rpc/node_rpc_client.h"

namespace herd::master {
namespace {

// Refuses to run anywhere but on the master named in the configuration.
void CheckIsMaster(const Paths& paths) {
  if (!FileExists(paths.ConfigFile())) {
    throw GenericError("No cluster configuration at " + paths.ConfigFile() +
                       "; initialise a cluster with 'gnt-cluster init' first");
  }
  auto master = ReadSsconfValue(paths, kSsconfMasterNode);
  if (master && *master != paths.hostname()) {
    throw GenericError("This is not the master node (the master is " + *master + ")");
  }
}

// Ganeti's master voting: serve only once a majority of the nodes in the
// configuration name this node as master; wait a while for silent nodes.
void HoldMasterVote(const Paths& paths, const ConfigStore& config, rpc::NodeRpcClient& rpc) {
  std::vector<rpc::NodeAddress> nodes = config.Read([](const objects::ConfigData& d) {
    std::vector<rpc::NodeAddress> out;
    for (const auto& [uuid, n] : d.nodes) out.push_back(AddressOf(n));
    return out;
  });
  if (nodes.size() == 1 && nodes[0].name == paths.hostname()) return;  // alone in the cluster
  constexpr int kAttempts = 30;
  for (int attempt = 1;; ++attempt) {
    MasterVotes votes = GatherMasterVotes(rpc, nodes);
    if (votes.WonBy(paths.hostname())) {
      spdlog::info("master vote won ({})", votes.Describe());
      return;
    }
    if (!votes.Undecided(paths.hostname()) || attempt == kAttempts) {
      throw GenericError("Voting cannot be won by this node (" + paths.hostname() +
                         "): the nodes voted " + votes.Describe() +
                         ". If this node is the master and the others cannot answer, start it "
                         "with --no-voting --yes-do-it");
    }
    spdlog::warn("master vote undecided ({}), asking again", votes.Describe());
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
}

// True while this node's ssconf still names it master: a failover elsewhere
// rewrites it, and the old master must stop acting as one.
bool StillMaster(const Paths& paths) {
  auto master = ReadSsconfValue(paths, kSsconfMasterNode);
  return !master || *master == paths.hostname();
}

}  // namespace

int RunMasterDaemon(int argc, char** argv) {
  CLI::App app{"Ganeti master daemon (Herd)", "ganeti-masterd"};
  bool foreground = false, debug = false, no_voting = false, yes_do_it = false;
  // Ganeti runs 25; a job here spends most of its time waiting on node
  // daemons and disk syncs, and at 1,000 nodes 25 of them left a third of
  // the CPU idle while creations queued (64: 81-88 jobs/s, 25: 54-65).
  int workers = 64;
  app.add_flag("-f,--foreground", foreground, "Don't detach from the current terminal");
  app.add_flag("-d,--debug", debug, "Enable debug messages");
  app.add_option("--workers", workers, "Job worker threads")->check(CLI::Range(1, 256));
  app.add_flag("--no-voting", no_voting,
               "Do not check that the nodes agree on this master (dangerous)");
  app.add_flag("--yes-do-it", yes_do_it, "Confirm --no-voting");
  CLI11_PARSE(app, argc, argv);
  if (no_voting && !yes_do_it) {
    std::cerr << "ganeti-masterd: --no-voting can lead to two masters in one cluster; "
                 "confirm it with --yes-do-it\n";
    return 1;
  }
  std::optional<DaemonStart> start;
  try {
    Paths paths = Paths::FromEnvironment();
    CheckIsMaster(paths);
    // Detach before any thread starts (fork keeps only the calling thread).
    start.emplace(Daemonize(paths.PidFile("ganeti-masterd"), foreground));
    InitDaemonLogging(paths, "ganeti-masterd", debug, foreground);
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    // Many job threads, one config: a few arenas, and freed memory returned,
    // keep the daemon's footprint to its configuration (see bench/scale).
    LimitMallocArenas(2);
    // Once masterd stayed quiet for 3 s after some work, and during a burst
    // of jobs whenever 32 MiB of freed memory piled up: between bursts its
    // PSS would otherwise hold up to twice its config. Not more often:
    // commands a second or two apart (a script, a watcher, live queries at
    // a thousand nodes) would each pay for faulting their memory in again.
    HeapTrimmer heap_trimmer(std::chrono::seconds(1), size_t{32} << 20, 3);

    ConfigStore config(paths);
    auto rpc = rpc::MakeHttpsNodeRpcClient(paths.NodedCertFile());
    if (!no_voting) HoldMasterVote(paths, config, *rpc);
    locking::LockManager locks;
    MasterServices services(config, *rpc);
    config.SetCommitListener([&services](const std::string& line) { services.OnCommit(line); });
    config.SetSummaryListener([&services](const CommitSummary& summary) {
      services.AllocatorLiveData().OnCommit(summary);
    });

    auto execute = [&](const json::object& opcode, jobs::OpContext& op) -> json::value {
      auto id = opcode.find("OP_ID");
      if (id == opcode.end() || !id->value().is_string()) {
        throw OpCodeUnknown("opcode without OP_ID");
      }
      const std::string op_id(id->value().get_string());
      const LogicalUnit* lu = FindLogicalUnit(op_id);
      if (!lu) throw OpCodeUnknown("Unknown opcode " + op_id);
      LuContext ctx{paths, config, locks, *rpc, op, services, "job/" + std::to_string(op.job_id)};
      if (auto dry = opcode.find("dry_run");
          dry != opcode.end() && dry->value() == json::value(true)) {
        // Never run for real what was asked as a dry run.
        if (!SupportsDryRun(op_id)) {
          throw OpPrereqError("A dry run of " + op_id +
                                  " is not supported yet; nothing was done (run it without "
                                  "--dry-run to carry it out)",
                              kEcodeInval);
        }
        ctx.dry_run = true;
      }
      struct Release {
        locking::LockManager& locks;
        std::string owner;
        ~Release() { locks.ReleaseAll(owner); }
      } release{locks, ctx.owner};
      spdlog::info("job {}: running {}", op.job_id, op_id);
      try {
        return RunWithHooks(ctx, opcode, [&](LuContext& hooked) { return (*lu)(hooked, opcode); });
      } catch (const DryRunDone&) {
        return nullptr;
      } catch (const GanetiError& e) {
        // A committed change is never reported as failed (the outcome must
        // agree with the config, as after a crash): the error becomes a warning.
        if (!config.Committed(op.job_id, op.op_index)) throw;
        op.Feedback(std::string("Warning: ") + (e.args().empty() ? e.what() : e.args()[0]));
        return nullptr;
      }
    };
    QueueReplicator replicator(config, *rpc, paths.QueueDir());
    services.SetQueueReplicator(&replicator);
    jobs::JobQueue queue(
        paths.QueueDir(), execute, workers,
        [&replicator](const std::string& name, const std::string& contents, bool archived) {
          replicator.OnJobFile(name, contents, archived);
        },
        [&config](jobs::JobId job, int op_index) { return config.Committed(job, op_index); },
        config.Read([](const objects::ConfigData& d) { return FilterRulesOf(d); }));
    services.SetQueue(&queue);
    // Acknowledged jobs are on the candidates too, as in Ganeti.
    queue.SetReplicaSync([&replicator] { replicator.Flush(5000); });
    services.Start();
    replicator.Start();

    LuxiMethods methods(paths, config, queue, *rpc, locks);
    luxi::Server server({paths.MasterSocket(), paths.QuerySocket()},
                        [&methods](const std::string& method, const json::array& args) {
                          return methods.Call(method, args);
                        });
    server.Start();
    spdlog::info("ganeti-masterd serving LUXI on {}", paths.MasterSocket());
    start->Ready();

    std::atomic<bool> stop{false};
    std::thread signal_waiter([&] {
      int sig = 0;
      sigwait(&signals, &sig);
      spdlog::info("received signal {}, shutting down", sig);
      stop = true;
    });
    signal_waiter.detach();
    for (int tick = 1; !stop && !services.shutdown_requested(); ++tick) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      if (tick % 10 == 0 && !StillMaster(paths)) {
        spdlog::warn("this node is no longer the master ({} is): stopping",
                     ReadSsconfValue(paths, kSsconfMasterNode).value_or("?"));
        break;
      }
    }
    if (services.shutdown_requested()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(500));  // let the job finish
    }
    server.Stop();
    queue.Shutdown();
    replicator.Stop();
    services.Stop();
    RemoveFile(paths.PidFile("ganeti-masterd"));
    spdlog::info("ganeti-masterd stopped");
    return 0;
  } catch (const GanetiError& e) {
    const std::string message = e.args().empty() ? e.what() : e.args()[0];
    spdlog::error("{}", e.what());
    if (start) {
      start->Failed(message);  // the launcher prints it
    } else {
      std::cerr << "ganeti-masterd: " << message << "\n";
    }
    return 1;
  }
}

}  // namespace herd::master
