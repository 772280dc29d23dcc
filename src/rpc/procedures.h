// The node RPC catalogue: every procedure a node daemon serves, declared once
// (Ganeti's names and timeouts); client and server are driven by it.
#pragma once

#include <string_view>

namespace herd::rpc {

inline constexpr int kDefaultNodedPort = 1811;
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
// Herd's config replication: journal records shipped to master candidates.
inline constexpr Procedure kConfigJournalAppend{"herd_config_journal_append", kTimeoutUrgent};
}  // namespace procedures

// Node daemon protocol version, Ganeti's PROTOCOL_VERSION for 3.0.
inline constexpr int kProtocolVersion = 3000000;

}  // namespace herd::rpc
