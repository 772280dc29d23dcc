// The opcode -> logical unit table.
#include <map>

#include "master/cmdlib/cluster.h"
#include "master/cmdlib/lu_context.h"
#include "master/cmdlib/node.h"

namespace herd::master {

const LogicalUnit* FindLogicalUnit(const std::string& op_id) {
  static const std::map<std::string, LogicalUnit> table{
      {"OP_CLUSTER_QUERY", ClusterQuery},
      {"OP_CLUSTER_VERIFY", ClusterVerify},
      {"OP_CLUSTER_VERIFY_CONFIG", ClusterVerifyConfig},
      {"OP_CLUSTER_VERIFY_GROUP", ClusterVerifyGroup},
      {"OP_CLUSTER_REDIST_CONF", ClusterRedistConf},
      {"OP_CLUSTER_DESTROY", ClusterDestroy},
      {"OP_NODE_ADD", NodeAdd},
      {"OP_NODE_SET_PARAMS", NodeSetParams},
      {"OP_NODE_REMOVE", NodeRemove},
      {"OP_TEST_DELAY", TestDelay},
  };
  auto it = table.find(op_id);
  return it == table.end() ? nullptr : &it->second;
}

}  // namespace herd::master
