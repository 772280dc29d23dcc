// Every filesystem path of a node, computed in one place. Implements Ganeti's
// virtual-cluster scheme: GANETI_ROOTDIR prefixes every path and
// GANETI_HOSTNAME names the node; the root's parent is the cluster directory.
#pragma once

#include <string>

namespace herd {

class Paths {
 public:
  // Reads GANETI_ROOTDIR / GANETI_HOSTNAME; throws GanetiError on a bad pair.
  static Paths FromEnvironment();
  // root "" means a real (non-virtual) node using the system hostname.
  Paths(std::string root, std::string hostname);

  bool is_virtual() const { return !root_.empty(); }
  const std::string& root() const { return root_; }
  const std::string& hostname() const { return hostname_; }
  // Parent of the node roots in a virtual cluster ("" on a real node).
  std::string ClusterDir() const;
  // The same path as seen on another node of this virtual cluster.
  Paths ForNode(const std::string& node_name) const;

  std::string Prefixed(const std::string& absolute) const { return root_ + absolute; }

  std::string DataDir() const { return Prefixed("/var/lib/ganeti"); }
  std::string RunDir() const { return Prefixed("/var/run/ganeti"); }
  std::string LogDir() const { return Prefixed("/var/log/ganeti"); }
  std::string SocketDir() const { return RunDir() + "/socket"; }
  std::string ConfDir() const { return Prefixed("/etc/ganeti"); }
  std::string ConfigFile() const { return DataDir() + "/config.data"; }
  std::string ConfigJournal() const { return DataDir() + "/config.journal"; }
  // Which job opcodes committed config changes (older than the journal).
  std::string ConfigCommitTags() const { return DataDir() + "/config.commits"; }
  // Held by whoever owns config.data and its journal (a master's config
  // store); a candidate's node daemon merges its journal only when it is free.
  std::string ConfigLockFile() const { return DataDir() + "/config.lock"; }
  std::string WatcherPauseFile() const { return DataDir() + "/watcher.pause"; }
  // gnt-cluster upgrade's record of an upgrade under way (Ganeti's INTENT_TO_UPGRADE).
  std::string IntentToUpgradeFile() const { return DataDir() + "/intent-to-upgrade"; }
  // Backups of the data directory taken before an upgrade (Ganeti's BACKUP_DIR).
  std::string BackupDir() const { return DataDir() + "/backup"; }
  std::string QueueDir() const { return DataDir() + "/queue"; }
  std::string QueueArchiveDir() const { return QueueDir() + "/archive"; }
  std::string QueueSerialFile() const { return QueueDir() + "/serial"; }
  std::string NodedCertFile() const { return DataDir() + "/server.pem"; }
  // A cluster certificate renewal under way: the next certificate, and the
  // previous one, both still trusted by the node daemon until it finishes.
  std::string NodedNextCertFile() const { return DataDir() + "/server.pem.next"; }
  std::string NodedPreviousCertFile() const { return DataDir() + "/server.pem.previous"; }
  std::string RapiCertFile() const { return DataDir() + "/rapi.pem"; }
  std::string ConfdHmacKey() const { return DataDir() + "/hmac.key"; }
  std::string ClusterDomainSecretFile() const { return DataDir() + "/cluster-domain-secret"; }
  std::string RapiUsersFile() const { return DataDir() + "/rapi/users"; }
  std::string SsconfFile(const std::string& key) const { return DataDir() + "/ssconf_" + key; }
  std::string MasterSocket() const { return SocketDir() + "/ganeti-master"; }
  // The master's name in this node's ssconf; empty outside a cluster.
  std::string SsconfMaster() const;
  // The LUXI socket of the master this node's ssconf names: a virtual
  // node's master lives on this machine; elsewhere this node's own socket.
  std::string FollowedMasterSocket() const;
  std::string QuerySocket() const { return SocketDir() + "/ganeti-query"; }
  std::string PidFile(const std::string& daemon) const { return RunDir() + "/" + daemon + ".pid"; }
  std::string LogFile(const std::string& daemon) const;
  std::string FileStorageDir() const { return Prefixed("/srv/ganeti/file-storage"); }
  std::string SharedFileStorageDir() const;
  std::string OsSearchDir() const { return Prefixed("/srv/ganeti/os"); }
  // Instance exports, one directory each (Ganeti's EXPORT_DIR).
  std::string ExportDir() const { return Prefixed(kExportDir); }
  // Ganeti's EXPORT_DIR as the master names it to nodes (each maps it under its root).
  static constexpr const char* kExportDir = "/srv/ganeti/export";
  // The first directory of the iallocator search path (Ganeti's IALLOCATOR_SEARCH_PATH).
  std::string IallocatorDir() const { return Prefixed("/usr/lib/ganeti/iallocators"); }
  std::string HooksDir() const { return ConfDir() + "/hooks"; }
  // Commands the master may run on this node (gnt-node restricted-command).
  std::string RestrictedCommandsDir() const { return ConfDir() + "/restricted-commands"; }
  // Per-node declared capacity of a virtual node (memory, disk, cpus).
  std::string NodeCapacityFile() const { return DataDir() + "/virtual-capacity"; }
  // Name -> address (and port) map of a virtual cluster, read before DNS.
  std::string ClusterHostsFile() const;
  // Removes this node's root prefix from a path (for wire formats).
  std::string Unprefixed(const std::string& path) const;

  // Creates the standard directory tree for this node.
  void EnsureDirectories() const;

 private:
  std::string root_;
  std::string hostname_;
};

}  // namespace herd
