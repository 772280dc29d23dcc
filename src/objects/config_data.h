// The whole configuration (config.data): cluster, nodes, groups, instances,
// disks and networks, each keyed by uuid.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "objects/cluster.h"
#include "objects/disk.h"
#include "objects/group.h"
#include "objects/instance.h"
#include "objects/key_index.h"
#include "objects/network.h"
#include "objects/new_cluster.h"
#include "objects/node.h"
#include "objects/params.h"

namespace herd::objects {

// Ganeti 3.0's config version (Constants.hs: buildVersion 3 0 0).
inline constexpr int64_t kConfigVersion = 3000000;

struct ConfigData {
  int64_t version = kConfigVersion;
  Cluster cluster;
  std::map<std::string, Node> nodes;
  std::map<std::string, NodeGroup> nodegroups;
  std::map<std::string, Instance> instances;
  std::map<std::string, Disk> disks;
  std::map<std::string, Network> networks;
  int64_t serial_no = 1;
  double ctime = 0, mtime = 0;
  json::object extra;  // "filters" and whatever else Herd does not model

  // Names are not keys in config.data: nodes and instances are found by
  // name (and instances by MAC) through indexes, groups and networks by a scan.
  const Node* FindNodeByName(std::string_view name) const;
  Node* FindNodeByName(std::string_view name);
  const NodeGroup* FindGroupByName(std::string_view name) const;
  NodeGroup* FindGroupByName(std::string_view name);
  const Instance* FindInstanceByName(std::string_view name) const;
  Instance* FindInstanceByName(std::string_view name);
  const Network* FindNetworkByName(std::string_view name) const;
  Network* FindNetworkByName(std::string_view name);
  // The instance with a NIC of this MAC address.
  const Instance* FindInstanceByMac(std::string_view mac) const;

  // For ConfigTxn: object `uuid` of that kind may change its name or MACs,
  // come or go; SettleIndexes takes the marked changes in.
  void MarkNodeChanged(const std::string& uuid) { node_names_.MarkChanged(uuid); }
  void MarkInstanceChanged(const std::string& uuid) {
    instance_names_.MarkChanged(uuid);
    instance_macs_.MarkChanged(uuid);
  }
  void SettleIndexes();
  // After objects were replaced in another way (journal records).
  void ResetIndexes();

 private:
  KeyIndex node_names_, instance_names_, instance_macs_;
};

json::value ToJson(const ConfigData& config);
// Throws ConfigurationError naming the object and field at fault.
ConfigData ConfigDataFromJson(const json::value& v);

// Applies one record of the master's config journal (see ConfigStore: its
// "serial", "cluster", "filters", "upsert" and "remove" of objects by kind,
// "mtime"); false, and nothing changed, when `config` already holds it.
bool ApplyJournalRecord(ConfigData& config, const json::object& record);

// The instance's disk template: the stored one, else that of its first disk
// ("diskless" without disks), as Ganeti derives it since config 2.16.
std::string DiskTemplateOf(const ConfigData& config, const Instance& instance);

}  // namespace herd::objects
