#include "confd/answers.h"

#include <boost/json.hpp>

namespace herd::confd {
namespace {

using objects::ConfigData;

const objects::Node* FindNode(const ConfigData& data, const std::string& name_or_uuid) {
  if (auto it = data.nodes.find(name_or_uuid); it != data.nodes.end()) return &it->second;
  return data.FindNodeByName(name_or_uuid);
}

const objects::Instance* FindInstance(const ConfigData& data, const std::string& name_or_uuid) {
  if (auto it = data.instances.find(name_or_uuid); it != data.instances.end()) return &it->second;
  return data.FindInstanceByName(name_or_uuid);
}

const objects::Node* MasterNode(const ConfigData& data) {
  auto it = data.nodes.find(data.cluster.master_node);
  return it == data.nodes.end() ? nullptr : &it->second;
}

Reply Ok(json::value answer, int64_t serial) {
  return Reply{ReplyStatus::kOk, std::move(answer), serial};
}

Reply InvalidQueryType(const Request& request) {
  return ErrorReply("Invalid query type for request type " +
                    std::to_string(static_cast<int>(request.type)));
}

Reply NodeRoleByName(const ConfigData& data, const Request& request) {
  if (request.query.kind != Query::Kind::kString) return InvalidQueryType(request);
  const objects::Node* master = MasterNode(data);
  if (!master) return ErrorReply("The cluster's master node is not in the configuration");
  const std::string& name = request.query.text;
  const objects::Node* node = FindNode(data, name);
  if (!node) return ErrorReply("Node " + name + " not found in the configuration");
  NodeRole role = NodeRole::kRegular;
  if (master->name == name) {
    role = NodeRole::kMaster;
  } else if (node->drained) {
    role = NodeRole::kDrained;
  } else if (node->offline) {
    role = NodeRole::kOffline;
  } else if (node->master_candidate) {
    role = NodeRole::kCandidate;
  }
  return Ok(static_cast<int>(role), data.cluster.serial_no);
}

// [status, answer, serial] of one instance IP's primary node address.
Reply PrimaryIpOfInstanceIp(const ServedConfig& config, const std::string& link,
                            const std::string& ip) {
  const auto& data = config.data;
  auto by_link = config.instance_ips_by_link.find(link);
  if (by_link == config.instance_ips_by_link.end()) return ErrorReply(ErrorCode::kUnknownEntry);
  auto by_ip = by_link->second.find(ip);
  if (by_ip == by_link->second.end()) return ErrorReply(ErrorCode::kUnknownEntry);
  auto instance = data.instances.find(by_ip->second);
  if (instance == data.instances.end()) return ErrorReply(ErrorCode::kUnknownEntry);
  auto node = data.nodes.find(instance->second.primary_node);
  if (node == data.nodes.end()) return ErrorReply(ErrorCode::kUnknownEntry);
  return Ok(json::value(node->second.primary_ip), data.cluster.serial_no);
}

Reply NodePipByInstanceIp(const ServedConfig& config, const Request& request) {
  const auto& query = request.query;
  if (query.kind != Query::Kind::kDict) return ErrorReply(ErrorCode::kArgument);
  const std::string link = query.link ? *query.link : DefaultNicLink(config.data);
  if (query.ip) return PrimaryIpOfInstanceIp(config, link, *query.ip);
  json::array answers;
  for (const auto& ip : query.ip_list) {
    Reply one = PrimaryIpOfInstanceIp(config, link, ip);
    answers.push_back(json::array{static_cast<int>(one.status), one.answer, one.serial});
  }
  return Ok(std::move(answers), config.data.cluster.serial_no);
}

Reply ClusterMaster(const ConfigData& data, const Request& request) {
  const objects::Node* master = MasterNode(data);
  switch (request.query.kind) {
    case Query::Kind::kString:
      return ErrorReply(ErrorCode::kArgument);
    case Query::Kind::kNone:
      if (!master) return ErrorReply("The cluster's master node is not in the configuration");
      return Ok(json::value(master->name), data.cluster.serial_no);
    case Query::Kind::kDict:
      break;
  }
  if (!master) return ErrorReply("The cluster's master node is not in the configuration");
  json::array values;
  for (MasterField field : request.query.fields) {
    switch (field) {
      case MasterField::kName:
        values.emplace_back(master->name);
        break;
      case MasterField::kIp:
        values.emplace_back(data.cluster.master_ip);
        break;
      case MasterField::kMasterNodePrimaryIp:
        values.emplace_back(master->primary_ip);
        break;
    }
  }
  return Ok(std::move(values), data.cluster.serial_no);
}

Reply PrimaryIps(const ConfigData& data, bool candidates_only) {
  json::array ips;
  for (const auto& [uuid, node] : data.nodes) {
    if (!candidates_only || node.master_candidate) ips.emplace_back(node.primary_ip);
  }
  return Ok(std::move(ips), data.cluster.serial_no);
}

Reply InstanceIps(const ServedConfig& config, const Request& request) {
  std::string link;
  switch (request.query.kind) {
    case Query::Kind::kString:
      link = request.query.text;
      break;
    case Query::Kind::kNone:
      link = DefaultNicLink(config.data);
      break;
    case Query::Kind::kDict:
      return InvalidQueryType(request);
  }
  json::array ips;
  if (auto it = config.instance_ips_by_link.find(link); it != config.instance_ips_by_link.end()) {
    for (const auto& [ip, instance] : it->second) ips.emplace_back(ip);
  }
  return Ok(std::move(ips), config.data.cluster.serial_no);
}

// Herd has no DRBD disks, so every node's minor list is empty.
Reply NodeDrbd(const ConfigData& data, const Request& request) {
  if (request.query.kind != Query::Kind::kString) return InvalidQueryType(request);
  const objects::Node* node = FindNode(data, request.query.text);
  if (!node) return ErrorReply("Node " + request.query.text + " not found in the configuration");
  return Ok(json::array{}, node->serial_no);
}

Reply NodeInstances(const ConfigData& data, const Request& request) {
  if (request.query.kind != Query::Kind::kString) return InvalidQueryType(request);
  const objects::Node* node = FindNode(data, request.query.text);
  if (!node) {
    return ErrorReply("Node not found in the configuration: " + request.query.text);
  }
  json::array primaries;
  for (const auto& [uuid, instance] : data.instances) {
    if (instance.primary_node == node->uuid) primaries.push_back(objects::ToJson(instance));
  }
  // Secondaries exist only with DRBD, which Herd does not offer.
  return Ok(json::array{std::move(primaries), json::array{}}, node->serial_no);
}

Reply InstanceDisks(const ConfigData& data, const Request& request) {
  if (request.query.kind != Query::Kind::kString) return InvalidQueryType(request);
  const objects::Instance* instance = FindInstance(data, request.query.text);
  if (!instance) {
    return ErrorReply("Instance not found in the configuration: " + request.query.text);
  }
  json::array disks;
  for (const auto& uuid : instance->disks) {
    auto it = data.disks.find(uuid);
    if (it == data.disks.end()) return ErrorReply("Could not retrieve disks: disk " + uuid);
    disks.push_back(objects::ToJson(it->second));
  }
  return Ok(std::move(disks), instance->serial_no);
}

// An RFC 6901 pointer into the whole config.data object.
Reply ConfigQuery(const ConfigData& data, const Request& request) {
  if (request.query.kind != Query::Kind::kString) return InvalidQueryType(request);
  const json::value whole = objects::ToJson(data);
  boost::system::error_code ec;
  const json::value* found = whole.find_pointer(request.query.text, ec);
  if (!found) return ErrorReply(ErrorCode::kArgument);
  return Ok(*found, data.cluster.serial_no);
}

}  // namespace

Reply Answer(const ServedConfig& config, const Request& request) {
  const ConfigData& data = config.data;
  switch (request.type) {
    case RequestType::kPing:
      return Ok(data.version, 0);
    case RequestType::kNodeRoleByName:
      return NodeRoleByName(data, request);
    case RequestType::kNodePipByInstanceIp:
      return NodePipByInstanceIp(config, request);
    case RequestType::kClusterMaster:
      return ClusterMaster(data, request);
    case RequestType::kNodePipList:
      return PrimaryIps(data, false);
    case RequestType::kMcPipList:
      return PrimaryIps(data, true);
    case RequestType::kInstancesIpsList:
      return InstanceIps(config, request);
    case RequestType::kNodeDrbd:
      return NodeDrbd(data, request);
    case RequestType::kNodeInstances:
      return NodeInstances(data, request);
    case RequestType::kInstanceDisks:
      return InstanceDisks(data, request);
    case RequestType::kConfigQuery:
      return ConfigQuery(data, request);
    case RequestType::kDataCollectors:
      return Ok(data.cluster.data_collectors, data.cluster.serial_no);
  }
  return ErrorReply(ErrorCode::kArgument);
}

}  // namespace herd::confd
