// The node RPC catalogue: every procedure a node daemon serves, declared once
// (Ganeti's names and timeouts); client and server are driven by it.
#pragma once

#include <chrono>
#include <string_view>

namespace herd::rpc {

inline constexpr int kDefaultNodedPort = 1811;
// How long a node daemon keeps an idle connection from the master open.
inline constexpr std::chrono::seconds kNodedIdleTimeout{60 * 60};
// Ganeti's RPC_TMO_* classes, in seconds.
inline constexpr int kTimeoutUrgent = 60;
inline constexpr int kTimeoutFast = 5 * 60;
inline constexpr int kTimeoutNormal = 15 * 60;

struct Procedure {
  std::string_view name;
  int timeout_seconds;
};

namespace procedures {
inline constexpr Procedure kVersion{"version", kTimeoutUrgent};
inline constexpr Procedure kNodeInfo{"node_info", kTimeoutUrgent};
inline constexpr Procedure kNodeVerify{"node_verify", kTimeoutNormal};
inline constexpr Procedure kWriteSsconfFiles{"write_ssconf_files", kTimeoutNormal};
inline constexpr Procedure kUploadFile{"upload_file", kTimeoutNormal};
inline constexpr Procedure kJobqueueUpdate{"jobqueue_update", kTimeoutUrgent};
inline constexpr Procedure kJobqueueRename{"jobqueue_rename", kTimeoutUrgent};
inline constexpr Procedure kNodeLeaveCluster{"node_leave_cluster", kTimeoutNormal};
inline constexpr Procedure kMasterNodeName{"master_node_name", kTimeoutUrgent};
inline constexpr Procedure kNodeStopMaster{"node_stop_master", kTimeoutFast};
inline constexpr Procedure kNodeStartMasterDaemons{"node_start_master_daemons", kTimeoutFast};
// Instances: hypervisor (Ganeti's names; Herd's argument layouts).
inline constexpr Procedure kInstanceStart{"instance_start", kTimeoutNormal};
inline constexpr Procedure kInstanceShutdown{"instance_shutdown", kTimeoutNormal};
inline constexpr Procedure kInstanceReboot{"instance_reboot", kTimeoutNormal};
inline constexpr Procedure kInstanceInfo{"instance_info", kTimeoutUrgent};
inline constexpr Procedure kAllInstancesInfo{"all_instances_info", kTimeoutUrgent};
inline constexpr Procedure kInstanceList{"instance_list", kTimeoutUrgent};
inline constexpr Procedure kAcceptInstance{"accept_instance", kTimeoutNormal};
inline constexpr Procedure kInstanceMigrate{"instance_migrate", kTimeoutNormal};
inline constexpr Procedure kFinalizeMigrationDst{"finalize_migration_dst", kTimeoutNormal};
inline constexpr Procedure kInstanceBalloonMemory{"instance_balloon_memory", kTimeoutNormal};
// Disks.
inline constexpr Procedure kBlockdevCreate{"blockdev_create", kTimeoutNormal};
inline constexpr Procedure kBlockdevRemove{"blockdev_remove", kTimeoutNormal};
inline constexpr Procedure kBlockdevGrow{"blockdev_grow", kTimeoutNormal};
inline constexpr Procedure kBlockdevRename{"blockdev_rename", kTimeoutNormal};
inline constexpr Procedure kBlockdevAssemble{"blockdev_assemble", kTimeoutNormal};
inline constexpr Procedure kBlockdevShutdown{"blockdev_shutdown", kTimeoutNormal};
inline constexpr Procedure kBlockdevGetDimensions{"blockdev_getdimensions", kTimeoutNormal};
inline constexpr Procedure kBlockdevDataExtents{"blockdev_data_extents", kTimeoutNormal};
inline constexpr Procedure kBlockdevRead{"blockdev_read", kTimeoutNormal};
inline constexpr Procedure kBlockdevWrite{"blockdev_write", kTimeoutNormal};
// OS definitions and scripts (an install may take long: Ganeti's 1-day class).
inline constexpr Procedure kOsDiagnose{"os_diagnose", kTimeoutFast};
inline constexpr Procedure kExportList{"export_list", kTimeoutFast};
inline constexpr Procedure kExportRemove{"export_remove", kTimeoutFast};
// Export and import: transfers run by a helper the node starts
// (Ganeti's import-export daemon), driven by the master through these.
inline constexpr Procedure kImportStart{"import_start", kTimeoutNormal};
inline constexpr Procedure kExportStart{"export_start", kTimeoutNormal};
inline constexpr Procedure kImpexpStatus{"impexp_status", kTimeoutFast};
inline constexpr Procedure kImpexpAbort{"impexp_abort", kTimeoutNormal};
inline constexpr Procedure kImpexpCleanup{"impexp_cleanup", kTimeoutNormal};
inline constexpr Procedure kFinalizeExport{"finalize_export", kTimeoutNormal};
inline constexpr Procedure kExportInfo{"export_info", kTimeoutFast};
inline constexpr Procedure kX509CertCreate{"x509_cert_create", kTimeoutNormal};
inline constexpr Procedure kX509CertRemove{"x509_cert_remove", kTimeoutNormal};
inline constexpr Procedure kStorageList{"storage_list", kTimeoutNormal};
inline constexpr Procedure kRestrictedCommand{"restricted_command", kTimeoutNormal};
inline constexpr Procedure kRunOob{"run_oob", kTimeoutNormal};
inline constexpr Procedure kNodeCryptoTokens{"node_crypto_tokens", kTimeoutNormal};
// Herd's: a cluster certificate renewal step on the node, [action, pem]:
// "stage" (pem: the next certificate), "activate", "finish" or "abort".
inline constexpr Procedure kHerdClusterCertificate{"herd_cluster_certificate", kTimeoutFast};
// Herd's: [run] starts (true) or stops (false) the node's ganeti-confd now,
// on a promotion to master candidate or a demotion.
inline constexpr Procedure kHerdConfd{"herd_confd", kTimeoutFast};
// Hooks: [hpath, phase, env] -> [[script, status, output], ...].
inline constexpr Procedure kHooksRunner{"hooks_runner", kTimeoutNormal};
// Herd's: several hooks_runner calls in one, run in order:
// [[[hpath, phase, env], ...]] -> [[true, hooks_runner's result] or [false, error], ...].
inline constexpr Procedure kHerdHooksRunnerBatch{"herd_hooks_runner_batch", kTimeoutNormal};
// Herd's: several calls in one request, run in order, each answered as alone:
// [[[procedure, [argument, ...]], ...]] -> [[true, result] or [false, error], ...].
// A call to a node costs it a wake-up, which a thousand-node query pays per node.
inline constexpr Procedure kHerdBatch{"herd_batch", kTimeoutNormal};
inline constexpr Procedure kSetWatcherPause{"set_watcher_pause", kTimeoutFast};
inline constexpr Procedure kTestDelay{"test_delay", kTimeoutNormal};
inline constexpr Procedure kNodeActivateMasterIp{"node_activate_master_ip", kTimeoutFast};
inline constexpr Procedure kNodeDeactivateMasterIp{"node_deactivate_master_ip", kTimeoutFast};
inline constexpr Procedure kOsValidate{"os_validate", kTimeoutFast};
inline constexpr Procedure kInstanceOsAdd{"instance_os_add", 24 * 3600};
inline constexpr Procedure kInstanceRunRename{"instance_run_rename", 4 * 3600};
// Herd's job queue replication: [[[file name, contents, archived], ...], full copy?]
inline constexpr Procedure kJobqueueReplicate{"herd_jobqueue_replicate", kTimeoutUrgent};
// Herd's config replication: journal records shipped to master candidates.
inline constexpr Procedure kConfigJournalAppend{"herd_config_journal_append", kTimeoutUrgent};
}  // namespace procedures

// Procedures that run scripts, move data or sync job files (by name, or
// "/name" as an HTTP target): a node daemon runs them on a thread of their
// own, so that a disk busy with its syncs does not hold up the node's other
// calls. Config replication stays in arrival order (a full copy and the
// records after it must not overtake each other).
bool IsLongRunningProcedure(std::string_view target);

// Node daemon protocol version, Ganeti's PROTOCOL_VERSION for 3.0.
inline constexpr int kProtocolVersion = 3000000;

}  // namespace herd::rpc
