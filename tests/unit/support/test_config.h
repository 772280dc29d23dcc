// The smallest cluster configuration tests start from: one node ("node1",
// uuid "n1"), one group ("g"), Herd's defaults for everything else.
#pragma once

#include "base/paths.h"
#include "objects/new_cluster.h"

namespace herd::testconfig {

inline objects::ConfigData OneNodeCluster() {
  objects::NewClusterOptions o;
  o.cluster_name = "cluster";
  o.cluster_uuid = "c";
  o.group_uuid = "g";
  o.master_node_name = "node1";
  o.master_node_uuid = "n1";
  o.master_node_ip = "127.0.0.2";
  return objects::NewClusterConfig(o);
}

// A node of group "g" named "node-<uuid>".
inline objects::Node GroupNode(const std::string& uuid) {
  objects::Node n;
  n.uuid = uuid;
  n.name = "node-" + uuid;
  n.group = "g";
  return n;
}

}  // namespace herd::testconfig
