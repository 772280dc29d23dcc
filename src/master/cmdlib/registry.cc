// The opcode -> logical unit table.
#include <map>
#include <set>

#include "master/cmdlib/backup.h"
#include "master/cmdlib/cluster.h"
#include "master/cmdlib/debug.h"
#include "master/cmdlib/group.h"
#include "master/cmdlib/instance.h"
#include "master/cmdlib/lu_context.h"
#include "master/cmdlib/network.h"
#include "master/cmdlib/node.h"
#include "master/cmdlib/query_ops.h"
#include "master/cmdlib/tags.h"

namespace herd::master {

const LogicalUnit* FindLogicalUnit(const std::string& op_id) {
  static const std::map<std::string, LogicalUnit> table{
      {"OP_CLUSTER_QUERY", ClusterQuery},
      {"OP_CLUSTER_VERIFY", ClusterVerify},
      {"OP_CLUSTER_VERIFY_CONFIG", ClusterVerifyConfig},
      {"OP_CLUSTER_VERIFY_GROUP", ClusterVerifyGroup},
      {"OP_CLUSTER_REDIST_CONF", ClusterRedistConf},
      {"OP_CLUSTER_DESTROY", ClusterDestroy},
      {"OP_CLUSTER_ACTIVATE_MASTER_IP", ClusterActivateMasterIp},
      {"OP_CLUSTER_DEACTIVATE_MASTER_IP", ClusterDeactivateMasterIp},
      {"OP_CLUSTER_POST_INIT", ClusterPostInit},
      {"OP_CLUSTER_SET_PARAMS", ClusterSetParams},
      {"OP_CLUSTER_RENAME", ClusterRename},
      {"OP_CLUSTER_RENEW_CRYPTO", ClusterRenewCrypto},
      {"OP_NODE_ADD", NodeAdd},
      {"OP_NODE_SET_PARAMS", NodeSetParams},
      {"OP_NODE_REMOVE", NodeRemove},
      {"OP_NODE_MIGRATE", NodeMigrate},
      {"OP_NODE_EVACUATE", NodeEvacuate},
      {"OP_NODE_QUERY_STORAGE", NodeQueryStorage},
      {"OP_NODE_MODIFY_STORAGE", NodeModifyStorage},
      {"OP_REPAIR_NODE_STORAGE", RepairNodeStorage},
      {"OP_NODE_QUERYVOLS", NodeQueryvols},
      {"OP_RESTRICTED_COMMAND", RestrictedCommand},
      {"OP_NODE_POWERCYCLE", NodePowercycle},
      {"OP_OOB_COMMAND", OobCommand},
      {"OP_GROUP_ADD", GroupAdd},
      {"OP_GROUP_ASSIGN_NODES", GroupAssignNodes},
      {"OP_GROUP_SET_PARAMS", GroupSetParams},
      {"OP_GROUP_RENAME", GroupRename},
      {"OP_GROUP_REMOVE", GroupRemove},
      {"OP_CLUSTER_VERIFY_DISKS", ClusterVerifyDisks},
      {"OP_GROUP_VERIFY_DISKS", GroupVerifyDisks},
      {"OP_GROUP_EVACUATE", GroupEvacuate},
      {"OP_INSTANCE_CHANGE_GROUP", InstanceChangeGroup},
      {"OP_CLUSTER_REPAIR_DISK_SIZES", ClusterRepairDiskSizes},
      {"OP_NETWORK_ADD", NetworkAdd},
      {"OP_NETWORK_REMOVE", NetworkRemove},
      {"OP_NETWORK_SET_PARAMS", NetworkSetParams},
      {"OP_NETWORK_CONNECT", NetworkConnect},
      {"OP_NETWORK_DISCONNECT", NetworkDisconnect},
      {"OP_TEST_DELAY", TestDelay},
      {"OP_TEST_ALLOCATOR", TestAllocator},
      {"OP_TEST_JQUEUE", TestJqueue},
      {"OP_TEST_DUMMY", TestDummy},
      {"OP_TEST_OS_PARAMS", TestOsParams},
      {"OP_INSTANCE_CREATE", InstanceCreate},
      {"OP_INSTANCE_MULTI_ALLOC", InstanceMultiAlloc},
      {"OP_INSTANCE_STARTUP", InstanceStartup},
      {"OP_INSTANCE_SHUTDOWN", InstanceShutdown},
      {"OP_INSTANCE_REBOOT", InstanceReboot},
      {"OP_INSTANCE_REMOVE", InstanceRemove},
      {"OP_INSTANCE_REINSTALL", InstanceReinstall},
      {"OP_INSTANCE_RENAME", InstanceRename},
      {"OP_INSTANCE_MIGRATE", InstanceMigrate},
      {"OP_INSTANCE_FAILOVER", InstanceFailover},
      {"OP_INSTANCE_MOVE", InstanceMove},
      {"OP_INSTANCE_SET_PARAMS", InstanceSetParams},
      {"OP_INSTANCE_GROW_DISK", InstanceGrowDisk},
      {"OP_INSTANCE_ACTIVATE_DISKS", InstanceActivateDisks},
      {"OP_INSTANCE_DEACTIVATE_DISKS", InstanceDeactivateDisks},
      {"OP_INSTANCE_REPLACE_DISKS", InstanceReplaceDisks},
      {"OP_INSTANCE_RECREATE_DISKS", InstanceRecreateDisks},
      {"OP_OS_DIAGNOSE", OsDiagnose},
      {"OP_INSTANCE_QUERY_DATA", InstanceQueryData},
      {"OP_INSTANCE_CONSOLE", InstanceConsole},
      {"OP_QUERY", Query},
      {"OP_QUERY_FIELDS", QueryFields},
      {"OP_CLUSTER_CONFIG_QUERY", ClusterConfigQuery},
      {"OP_EXT_STORAGE_DIAGNOSE", ExtStorageDiagnose},
      {"OP_TAGS_GET", TagsGet},
      {"OP_TAGS_SET", TagsSet},
      {"OP_TAGS_DEL", TagsDel},
      {"OP_TAGS_SEARCH", TagsSearch},
      {"OP_BACKUP_REMOVE", BackupRemove},
      {"OP_BACKUP_PREPARE", BackupPrepare},
      {"OP_BACKUP_EXPORT", BackupExport},
  };
  auto it = table.find(op_id);
  return it == table.end() ? nullptr : &it->second;
}

bool SupportsDryRun(const std::string& op_id) {
  static const std::set<std::string> checked_in_commit{
      "OP_GROUP_ADD",       "OP_GROUP_ASSIGN_NODES", "OP_GROUP_SET_PARAMS",
      "OP_GROUP_RENAME",    "OP_GROUP_REMOVE",       "OP_TAGS_SET",
      "OP_TAGS_DEL",        "OP_TEST_DELAY",         "OP_CLUSTER_SET_PARAMS",
      "OP_NETWORK_ADD",     "OP_NETWORK_REMOVE",     "OP_NETWORK_SET_PARAMS",
      "OP_NETWORK_CONNECT", "OP_NETWORK_DISCONNECT"};
  return checked_in_commit.count(op_id) > 0;
}

}  // namespace herd::master
