// Which hooks each opcode runs, where, and with which variables: Ganeti's
// HPATH, HTYPE, BuildHooksEnv and BuildHooksNodes of every logical unit.
#include <map>

#include "base/hosts.h"
#include "base/python_repr.h"
#include "master/cmdlib/hooks.h"
#include "master/cmdlib/instance_common.h"
#include "objects/params.h"

namespace herd::master {
namespace json = boost::json;

namespace {

using objects::ConfigData;

// str() of an opcode parameter as Ganeti's LU sees it: its default when
// absent (None unless given).
std::string OpStr(const json::object& op, const char* key, const char* fallback = "None") {
  auto it = op.find(key);
  if (it == op.end()) return fallback;
  return PythonStr(it->value());
}

std::string OpString(const json::object& op, const char* key) {
  auto it = op.find(key);
  return it != op.end() && it->value().is_string() ? std::string(it->value().get_string()) : "";
}

std::string Joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : " ") + item;
  return out;
}

std::string NodeName(const ConfigData& d, const std::string& uuid) {
  auto it = d.nodes.find(uuid);
  return it == d.nodes.end() ? uuid : it->second.name;
}

std::vector<std::string> NodeNames(const ConfigData& d, const std::vector<std::string>& uuids) {
  std::vector<std::string> names;
  for (const auto& uuid : uuids) names.push_back(NodeName(d, uuid));
  return names;
}

std::vector<std::string> AllNodes(const ConfigData& d) {
  std::vector<std::string> uuids;
  for (const auto& [uuid, node] : d.nodes) uuids.push_back(uuid);
  return uuids;
}

std::vector<std::string> GroupMembers(const ConfigData& d, const std::string& group_uuid) {
  std::vector<std::string> uuids;
  for (const auto& [uuid, node] : d.nodes) {
    if (node.group == group_uuid) uuids.push_back(uuid);
  }
  return uuids;
}

// TARGET_GROUPS: the groups named by the opcode, else every group but `own`.
std::string TargetGroups(const ConfigData& d, const json::object& op, const std::string& own) {
  std::vector<std::string> targets;
  if (auto t = op.find("target_groups"); t != op.end() && t->value().is_array()) {
    for (const auto& name : t->value().get_array()) {
      if (const auto* g = name.is_string() ? d.FindGroupByName(name.get_string()) : nullptr) {
        targets.push_back(g->uuid);
      }
    }
  } else {
    for (const auto& [uuid, g] : d.nodegroups) {
      if (uuid != own) targets.push_back(uuid);
    }
  }
  return Joined(targets);
}

void AddNetworkEnv(HookEnv& env, const std::string& prefix, const objects::Network& net) {
  env[prefix + "NETWORK_NAME"] = net.name;
  env[prefix + "NETWORK_UUID"] = net.uuid;
  env[prefix + "NETWORK_TAGS"] = Joined(net.tags);
  if (!net.network.empty()) env[prefix + "NETWORK_SUBNET"] = net.network;
  if (!net.gateway.empty()) env[prefix + "NETWORK_GATEWAY"] = net.gateway;
  if (!net.network6.empty()) env[prefix + "NETWORK_SUBNET6"] = net.network6;
  if (!net.gateway6.empty()) env[prefix + "NETWORK_GATEWAY6"] = net.gateway6;
  if (!net.mac_prefix.empty()) env[prefix + "NETWORK_MAC_PREFIX"] = net.mac_prefix;
}

void AddNicEnv(HookEnv& env, const ConfigData& d, size_t index, const objects::Nic& nic) {
  const std::string prefix = "INSTANCE_NIC" + std::to_string(index) + "_";
  const json::object params = objects::FilledNicParams(d, nic);
  auto param = [&](const char* key) {
    auto it = params.find(key);
    return it == params.end() ? std::string() : PythonStr(it->value());
  };
  if (!nic.name.empty()) env[prefix + "NAME"] = nic.name;
  env[prefix + "UUID"] = nic.uuid;
  env[prefix + "IP"] = nic.ip;
  env[prefix + "MAC"] = nic.mac;
  env[prefix + "MODE"] = param("mode");
  env[prefix + "LINK"] = param("link");
  env[prefix + "VLAN"] = param("vlan");
  if (!nic.network.empty()) {
    auto net = d.networks.find(nic.network);
    if (net != d.networks.end()) {
      AddNetworkEnv(env, prefix, net->second);
    } else {
      env[prefix + "NETWORK_NAME"] = nic.network;
    }
  }
  if (param("mode") == "bridged" || param("mode") == "openvswitch") {
    env[prefix + "BRIDGE"] = param("link");
  }
}

void AddDiskEnv(HookEnv& env, size_t index, const objects::Disk& disk) {
  const std::string prefix = "INSTANCE_DISK" + std::to_string(index) + "_";
  const auto& id = disk.logical_id;
  auto id_part = [&](size_t i) { return i < id.size() ? PythonStr(id[i]) : std::string(); };
  if (disk.dev_type == "plain") {
    env[prefix + "VG"] = id_part(0);
    env[prefix + "ID"] = id_part(1);
  } else if (disk.dev_type == "file" || disk.dev_type == "sharedfile" ||
             disk.dev_type == "blockdev" || disk.dev_type == "rbd" || disk.dev_type == "gluster") {
    env[prefix + "DRIVER"] = id_part(0);
    env[prefix + "ID"] = id_part(1);
  } else if (disk.dev_type == "ext") {
    env[prefix + "PROVIDER"] = id_part(0);
    env[prefix + "ID"] = id_part(1);
  }
  env[prefix + "DEV_TYPE"] = disk.dev_type;
  if (!disk.name.empty()) env[prefix + "NAME"] = disk.name;
  env[prefix + "UUID"] = disk.uuid;
  env[prefix + "SIZE"] = std::to_string(disk.size);
  env[prefix + "MODE"] = disk.mode;
}

void AddParams(HookEnv& env, const std::string& prefix, const json::object& params) {
  for (const auto& [key, value] : params) env[prefix + std::string(key)] = PythonStr(value);
}

// Ganeti's BuildInstanceHookEnvByObject.
HookEnv InstanceEnv(const ConfigData& d, const objects::Instance& inst) {
  const json::object be = objects::FilledBeParams(d, inst);
  auto be_value = [&](const char* key) {
    auto it = be.find(key);
    return it == be.end() ? std::string("None") : PythonStr(it->value());
  };
  HookEnv env{{"OP_TARGET", inst.name},
              {"INSTANCE_NAME", inst.name},
              {"INSTANCE_PRIMARY", NodeName(d, inst.primary_node)},
              {"INSTANCE_SECONDARIES", Joined(NodeNames(d, SecondaryNodes(d, inst)))},
              {"INSTANCE_OS_TYPE", inst.os},
              {"INSTANCE_STATUS", inst.admin_state},
              {"INSTANCE_MINMEM", be_value("minmem")},
              {"INSTANCE_MAXMEM", be_value("maxmem")},
              {"INSTANCE_MEMORY", be_value("maxmem")},
              {"INSTANCE_VCPUS", be_value("vcpus")},
              {"INSTANCE_DISK_TEMPLATE", objects::DiskTemplateOf(d, inst)},
              {"INSTANCE_HYPERVISOR", inst.hypervisor},
              {"INSTANCE_NIC_COUNT", std::to_string(inst.nics.size())},
              {"INSTANCE_DISK_COUNT", std::to_string(inst.disks.size())},
              {"INSTANCE_TAGS", Joined(inst.tags)}};
  for (size_t i = 0; i < inst.nics.size(); ++i) AddNicEnv(env, d, i, inst.nics[i]);
  for (size_t i = 0; i < inst.disks.size(); ++i) {
    if (auto disk = d.disks.find(inst.disks[i]); disk != d.disks.end()) {
      AddDiskEnv(env, i, disk->second);
    }
  }
  AddParams(env, "INSTANCE_BE_", be);
  AddParams(env, "INSTANCE_HV_", objects::FilledHvParams(d, inst));
  return env;
}

// Ganeti's BuildInstanceHookEnv for an instance still to be created: what
// the opcode asks for.
HookEnv NewInstanceEnv(const ConfigData& d, const json::object& op) {
  const std::string name = OpString(op, "instance_name");
  const json::object be = objects::FilledBeParams(
      d, op.contains("beparams") && op.at("beparams").is_object() ? op.at("beparams").get_object()
                                                                  : json::object{});
  std::string hypervisor = OpString(op, "hypervisor");
  if (hypervisor.empty() && !d.cluster.enabled_hypervisors.empty()) {
    hypervisor = d.cluster.enabled_hypervisors.front();
  }
  auto be_value = [&](const char* key) {
    auto it = be.find(key);
    return it == be.end() ? std::string("None") : PythonStr(it->value());
  };
  HookEnv env{{"ADD_MODE", OpStr(op, "mode", "create")},
              {"OP_TARGET", name},
              {"INSTANCE_NAME", name},
              {"INSTANCE_PRIMARY", OpStr(op, "pnode")},
              {"INSTANCE_SECONDARIES", OpString(op, "snode")},
              {"INSTANCE_OS_TYPE", OpStr(op, "os_type")},
              {"INSTANCE_STATUS", OpStr(op, "start", "True")},
              {"INSTANCE_MINMEM", be_value("minmem")},
              {"INSTANCE_MAXMEM", be_value("maxmem")},
              {"INSTANCE_MEMORY", be_value("maxmem")},
              {"INSTANCE_VCPUS", be_value("vcpus")},
              {"INSTANCE_DISK_TEMPLATE", OpStr(op, "disk_template")},
              {"INSTANCE_HYPERVISOR", hypervisor},
              {"INSTANCE_TAGS", ""}};
  if (OpString(op, "mode") == "import") {
    env["SRC_NODE"] = OpStr(op, "src_node");
    env["SRC_PATH"] = OpStr(op, "src_path");
  }
  size_t disk_count = 0, nic_count = 0;
  if (auto disks = op.find("disks"); disks != op.end() && disks->value().is_array()) {
    for (const auto& disk : disks->value().get_array()) {
      if (!disk.is_object()) continue;
      const std::string prefix = "INSTANCE_DISK" + std::to_string(disk_count++) + "_";
      const auto& o = disk.get_object();
      if (!OpString(o, "name").empty()) env[prefix + "NAME"] = OpString(o, "name");
      env[prefix + "UUID"] = "";
      env[prefix + "SIZE"] = OpStr(o, "size", "");
      env[prefix + "MODE"] = OpStr(o, "mode", "rw");
    }
  }
  if (auto nics = op.find("nics"); nics != op.end() && nics->value().is_array()) {
    for (const auto& requested : nics->value().get_array()) {
      if (!requested.is_object()) continue;
      const auto& o = requested.get_object();
      objects::Nic nic;
      nic.name = OpString(o, "name");
      nic.ip = OpString(o, "ip");
      nic.mac = OpStr(o, "mac", "auto");
      for (const char* key : {"mode", "link", "vlan"}) {
        if (!OpString(o, key).empty()) nic.nicparams[key] = OpString(o, key);
      }
      if (const auto* net = d.FindNetworkByName(OpString(o, "network"))) nic.network = net->uuid;
      AddNicEnv(env, d, nic_count++, nic);
    }
  }
  env["INSTANCE_DISK_COUNT"] = std::to_string(disk_count);
  env["INSTANCE_NIC_COUNT"] = std::to_string(nic_count);
  if (auto tags = op.find("tags"); tags != op.end() && tags->value().is_array()) {
    std::vector<std::string> names;
    for (const auto& t : tags->value().get_array()) names.push_back(PythonStr(t));
    env["INSTANCE_TAGS"] = Joined(names);
  }
  AddParams(env, "INSTANCE_BE_", be);
  return env;
}

HooksPlan NewPlan(const std::string& op_id, const std::string& hpath, const char* object_type) {
  HooksPlan plan;
  plan.op_id = op_id;
  plan.hpath = hpath;
  plan.object_type = object_type;
  return plan;
}

// An opcode's hooks, given the instance it acts on (found by name).
using InstancePlanner = void (*)(HooksPlan&, const ConfigData&, const objects::Instance&,
                                 const json::object&);

struct InstanceHooks {
  const char* hpath;
  InstancePlanner plan;
};

// Master, primary and secondaries before and after: most instance opcodes.
void MasterAndInstanceNodes(HooksPlan& p, const ConfigData& d, const objects::Instance& inst) {
  p.pre_nodes = {d.cluster.master_node};
  for (const auto& uuid : InstanceNodes(d, inst)) p.pre_nodes.push_back(uuid);
  p.post_nodes = p.pre_nodes;
}

void AddOpValues(HooksPlan& p, const json::object& op,
                 std::initializer_list<std::tuple<const char*, const char*, const char*>> vars) {
  for (const auto& [env_name, param, fallback] : vars)
    p.pre_env[env_name] = OpStr(op, param, fallback);
}

const std::map<std::string, InstanceHooks>& InstanceHookTable() {
  static const std::map<std::string, InstanceHooks> table{
      {"OP_INSTANCE_STARTUP",
       {"instance-start",
        [](HooksPlan& p, const ConfigData& d, const objects::Instance& i, const json::object& op) {
          MasterAndInstanceNodes(p, d, i);
          AddOpValues(p, op, {{"FORCE", "force", "False"}});
        }}},
      {"OP_INSTANCE_SHUTDOWN",
       {"instance-stop",
        [](HooksPlan& p, const ConfigData& d, const objects::Instance& i, const json::object& op) {
          MasterAndInstanceNodes(p, d, i);
          AddOpValues(p, op, {{"TIMEOUT", "timeout", "120"}});
        }}},
      {"OP_INSTANCE_REBOOT",
       {"instance-reboot",
        [](HooksPlan& p, const ConfigData& d, const objects::Instance& i, const json::object& op) {
          MasterAndInstanceNodes(p, d, i);
          AddOpValues(p, op,
                      {{"IGNORE_SECONDARIES", "ignore_secondaries", "False"},
                       {"REBOOT_TYPE", "reboot_type", "None"},
                       {"SHUTDOWN_TIMEOUT", "shutdown_timeout", "120"}});
        }}},
      {"OP_INSTANCE_REINSTALL",
       {"instance-reinstall", [](HooksPlan& p, const ConfigData& d, const objects::Instance& i,
                                 const json::object&) { MasterAndInstanceNodes(p, d, i); }}},
      {"OP_INSTANCE_RECREATE_DISKS",
       {"instance-recreate-disks", [](HooksPlan& p, const ConfigData& d, const objects::Instance& i,
                                      const json::object&) { MasterAndInstanceNodes(p, d, i); }}},
      {"OP_INSTANCE_SET_PARAMS",
       {"instance-modify",
        [](HooksPlan& p, const ConfigData& d, const objects::Instance& i, const json::object& op) {
          MasterAndInstanceNodes(p, d, i);
          if (!OpString(op, "disk_template").empty()) {
            p.pre_env["NEW_DISK_TEMPLATE"] = OpString(op, "disk_template");
          }
          if (auto mem = op.find("runtime_mem"); mem != op.end() && !mem->value().is_null()) {
            p.pre_env["RUNTIME_MEMORY"] = PythonStr(mem->value());
          }
        }}},
      {"OP_INSTANCE_GROW_DISK",
       {"disk-grow",
        [](HooksPlan& p, const ConfigData& d, const objects::Instance& i, const json::object& op) {
          MasterAndInstanceNodes(p, d, i);
          AddOpValues(p, op,
                      {{"DISK", "disk", "None"},
                       {"AMOUNT", "amount", "None"},
                       {"ABSOLUTE", "absolute", "False"}});
        }}},
      {"OP_INSTANCE_RENAME",
       {"instance-rename",
        [](HooksPlan& p, const ConfigData& d, const objects::Instance& i, const json::object& op) {
          MasterAndInstanceNodes(p, d, i);
          AddOpValues(p, op, {{"INSTANCE_NEW_NAME", "new_name", "None"}});
        }}},
      {"OP_INSTANCE_REMOVE",
       {"instance-remove",
        [](HooksPlan& p, const ConfigData& d, const objects::Instance& i, const json::object& op) {
          MasterAndInstanceNodes(p, d, i);
          p.pre_nodes = {d.cluster.master_node};
          AddOpValues(p, op, {{"SHUTDOWN_TIMEOUT", "shutdown_timeout", "120"}});
        }}},
      {"OP_BACKUP_EXPORT",
       {"instance-export",
        [](HooksPlan& p, const ConfigData& d, const objects::Instance& i, const json::object& op) {
          p.pre_nodes = {d.cluster.master_node, i.primary_node};
          const std::string mode = OpString(op, "mode").empty() ? "local" : OpString(op, "mode");
          std::string target = OpString(op, "target_node");
          if (mode == "local") {
            if (const auto* n = d.FindNodeByName(target)) {
              p.pre_nodes.push_back(n->uuid);
              target = n->name;
            }
          }
          p.post_nodes = p.pre_nodes;
          p.pre_env["EXPORT_MODE"] = mode;
          p.pre_env["EXPORT_NODE"] = mode == "local" ? target : OpStr(op, "target_node");
          AddOpValues(p, op,
                      {{"EXPORT_DO_SHUTDOWN", "shutdown", "True"},
                       {"SHUTDOWN_TIMEOUT", "shutdown_timeout", "120"},
                       {"REMOVE_INSTANCE", "remove_instance", "False"}});
        }}},
      {"OP_INSTANCE_MIGRATE",
       {"instance-migrate",
        [](HooksPlan& p, const ConfigData& d, const objects::Instance& i, const json::object& op) {
          MasterAndInstanceNodes(p, d, i);
          const auto secondaries = SecondaryNodes(d, i);
          std::string target = OpString(op, "target_node");
          if (target.empty() && !secondaries.empty()) target = NodeName(d, secondaries.front());
          p.pre_env["MIGRATE_LIVE"] = OpStr(op, "mode", "None") == "non-live" ? "False" : "True";
          p.pre_env["MIGRATE_CLEANUP"] = OpStr(op, "cleanup", "False");
          p.pre_env["OLD_PRIMARY"] = NodeName(d, i.primary_node);
          p.pre_env["NEW_PRIMARY"] = target;
          p.pre_env["ALLOW_RUNTIME_CHANGES"] = OpStr(op, "allow_runtime_changes", "True");
          p.pre_env["OLD_SECONDARY"] = secondaries.empty() ? "" : NodeName(d, secondaries[0]);
          p.pre_env["NEW_SECONDARY"] = secondaries.empty() ? "" : NodeName(d, i.primary_node);
        }}},
      {"OP_INSTANCE_FAILOVER",
       {"instance-failover",
        [](HooksPlan& p, const ConfigData& d, const objects::Instance& i, const json::object& op) {
          const auto secondaries = SecondaryNodes(d, i);
          std::string target = OpString(op, "target_node");
          if (target.empty() && !secondaries.empty()) target = NodeName(d, secondaries.front());
          p.pre_nodes = {d.cluster.master_node};
          for (const auto& s : secondaries) p.pre_nodes.push_back(s);
          if (const auto* t = d.FindNodeByName(target)) p.pre_nodes.push_back(t->uuid);
          p.post_nodes = p.pre_nodes;
          p.post_nodes.push_back(i.primary_node);
          p.pre_env["IGNORE_CONSISTENCY"] = OpStr(op, "ignore_consistency", "False");
          p.pre_env["SHUTDOWN_TIMEOUT"] = OpStr(op, "shutdown_timeout", "120");
          p.pre_env["OLD_PRIMARY"] = NodeName(d, i.primary_node);
          p.pre_env["NEW_PRIMARY"] = target;
          p.pre_env["FAILOVER_CLEANUP"] = OpStr(op, "cleanup", "False");
          p.pre_env["OLD_SECONDARY"] = secondaries.empty() ? "" : NodeName(d, secondaries[0]);
          p.pre_env["NEW_SECONDARY"] = secondaries.empty() ? "" : NodeName(d, i.primary_node);
        }}},
      {"OP_INSTANCE_MOVE",
       {"instance-move",
        [](HooksPlan& p, const ConfigData& d, const objects::Instance& i, const json::object& op) {
          MasterAndInstanceNodes(p, d, i);
          if (const auto* t = d.FindNodeByName(OpString(op, "target_node"))) {
            p.pre_nodes.push_back(t->uuid);
            p.post_nodes.push_back(t->uuid);
          }
          AddOpValues(p, op,
                      {{"TARGET_NODE", "target_node", "None"},
                       {"SHUTDOWN_TIMEOUT", "shutdown_timeout", "120"}});
        }}},
      {"OP_INSTANCE_REPLACE_DISKS",
       {"mirrors-replace",
        [](HooksPlan& p, const ConfigData& d, const objects::Instance& i, const json::object& op) {
          MasterAndInstanceNodes(p, d, i);
          const auto secondaries = SecondaryNodes(d, i);
          AddOpValues(p, op, {{"MODE", "mode", "None"}, {"NEW_SECONDARY", "remote_node", "None"}});
          p.pre_env["OLD_SECONDARY"] = secondaries.empty() ? "" : NodeName(d, secondaries[0]);
        }}},
      {"OP_INSTANCE_CHANGE_GROUP",
       {"instance-change-group",
        [](HooksPlan& p, const ConfigData& d, const objects::Instance& i, const json::object& op) {
          p.pre_nodes = p.post_nodes = {d.cluster.master_node};
          auto node = d.nodes.find(i.primary_node);
          p.pre_env["TARGET_GROUPS"] =
              TargetGroups(d, op, node == d.nodes.end() ? "" : node->second.group);
        }}},
  };
  return table;
}

std::optional<HooksPlan> PlanInstanceHooks(const ConfigData& d, const json::object& op,
                                           const std::string& op_id) {
  if (op_id == "OP_INSTANCE_CREATE") {
    HooksPlan p = NewPlan(op_id, "instance-add", "INSTANCE");
    p.pre_nodes = {d.cluster.master_node};
    for (const char* key : {"pnode", "snode"}) {
      if (const auto* n = d.FindNodeByName(OpString(op, key))) p.pre_nodes.push_back(n->uuid);
    }
    p.post_nodes = p.pre_nodes;
    p.pre_env = NewInstanceEnv(d, op);
    const std::string name = OpString(op, "instance_name");
    const HookEnv pre = p.pre_env;
    p.post_env = [name, pre](const ConfigData& after) -> std::optional<HookEnv> {
      const auto* inst = after.FindInstanceByName(name);
      if (!inst) return std::nullopt;
      HookEnv env = InstanceEnv(after, *inst);
      for (const char* key : {"ADD_MODE", "SRC_NODE", "SRC_PATH"}) {
        if (auto it = pre.find(key); it != pre.end()) env[key] = it->second;
      }
      return env;
    };
    // An allocator chooses the nodes: the post phase knows them.
    p.more_post_nodes = [name](const ConfigData& after) {
      const auto* inst = after.FindInstanceByName(name);
      return inst ? InstanceNodes(after, *inst) : std::vector<std::string>{};
    };
    return p;
  }
  const auto& table = InstanceHookTable();
  auto entry = table.find(op_id);
  if (entry == table.end()) return std::nullopt;
  const auto* inst = d.FindInstanceByName(OpString(op, "instance_name"));
  if (!inst) return std::nullopt;
  HooksPlan p = NewPlan(op_id, entry->second.hpath, "INSTANCE");
  // The planner gives the nodes and the opcode's own variables; the
  // instance's variables are computed once and added under them.
  entry->second.plan(p, d, *inst, op);
  const HookEnv extras = p.pre_env;
  p.pre_env = InstanceEnv(d, *inst);
  for (const auto& [key, value] : extras) p.pre_env[key] = value;
  const std::string uuid = inst->uuid;
  p.post_env = [uuid, extras](const ConfigData& after) -> std::optional<HookEnv> {
    auto it = after.instances.find(uuid);
    if (it == after.instances.end()) return std::nullopt;
    HookEnv env = InstanceEnv(after, it->second);
    env.insert(extras.begin(), extras.end());
    return env;
  };
  return p;
}

std::optional<HooksPlan> PlanNodeHooks(const ConfigData& d, const json::object& op,
                                       const std::string& op_id, const Paths& paths) {
  const std::string name = OpString(op, "node_name");
  const objects::Node* node = d.FindNodeByName(name);
  HooksPlan p = NewPlan(op_id, "", "NODE");
  if (op_id == "OP_NODE_ADD") {
    p.hpath = "node-add";
    for (const auto& uuid : AllNodes(d)) {
      if (!node || uuid != node->uuid) p.pre_nodes.push_back(uuid);
    }
    p.post_nodes = p.pre_nodes;
    p.more_post_nodes = [name](const ConfigData& after) {
      const auto* added = after.FindNodeByName(name);
      return added ? std::vector<std::string>{added->uuid} : std::vector<std::string>{};
    };
    std::string ip = OpString(op, "primary_ip");
    if (ip.empty()) ip = ResolveHost(paths, name).value_or("None");
    std::string secondary = OpString(op, "secondary_ip");
    p.pre_env = {{"OP_TARGET", name},
                 {"NODE_NAME", name},
                 {"NODE_PIP", ip},
                 {"NODE_SIP", secondary.empty() ? ip : secondary},
                 {"MASTER_CAPABLE", OpStr(op, "master_capable")},
                 {"VM_CAPABLE", OpStr(op, "vm_capable")}};
    return p;
  }
  if (!node) return std::nullopt;
  if (op_id == "OP_NODE_REMOVE") {
    p.hpath = "node-remove";
    for (const auto& uuid : AllNodes(d)) {
      if (uuid != node->uuid) p.pre_nodes.push_back(uuid);
    }
    p.post_nodes = p.pre_nodes;
    p.pre_env = {{"OP_TARGET", name}, {"NODE_NAME", name}};
  } else if (op_id == "OP_NODE_SET_PARAMS") {
    p.hpath = "node-modify";
    p.pre_nodes = p.post_nodes = {d.cluster.master_node, node->uuid};
    p.pre_env = {{"OP_TARGET", name},
                 {"MASTER_CANDIDATE", OpStr(op, "master_candidate")},
                 {"OFFLINE", OpStr(op, "offline")},
                 {"DRAINED", OpStr(op, "drained")},
                 {"MASTER_CAPABLE", OpStr(op, "master_capable")},
                 {"VM_CAPABLE", OpStr(op, "vm_capable")}};
  } else if (op_id == "OP_NODE_MIGRATE") {
    p.hpath = "node-migrate";
    p.pre_nodes = p.post_nodes = {d.cluster.master_node};
    p.pre_env = {{"NODE_NAME", name},
                 {"ALLOW_RUNTIME_CHANGES", OpStr(op, "allow_runtime_changes", "True")}};
  } else {
    return std::nullopt;
  }
  return p;
}

std::optional<HooksPlan> PlanGroupHooks(const ConfigData& d, const json::object& op,
                                        const std::string& op_id) {
  const std::string name = OpString(op, "group_name");
  HooksPlan p = NewPlan(op_id, "", "GROUP");
  p.pre_nodes = p.post_nodes = {d.cluster.master_node};
  if (op_id == "OP_GROUP_ADD") {
    p.hpath = "group-add";
    p.pre_env = {{"GROUP_NAME", name}};
    return p;
  }
  const objects::NodeGroup* group = d.FindGroupByName(name);
  if (!group) return std::nullopt;
  if (op_id == "OP_GROUP_SET_PARAMS") {
    p.hpath = "group-modify";
    p.pre_env = {{"GROUP_NAME", name}, {"NEW_ALLOC_POLICY", OpStr(op, "alloc_policy")}};
  } else if (op_id == "OP_GROUP_REMOVE") {
    p.hpath = "group-remove";
    p.pre_env = {{"GROUP_NAME", name}};
  } else if (op_id == "OP_GROUP_RENAME" || op_id == "OP_GROUP_EVACUATE") {
    for (const auto& uuid : GroupMembers(d, group->uuid)) {
      if (uuid != d.cluster.master_node) p.pre_nodes.push_back(uuid);
    }
    p.post_nodes = p.pre_nodes;
    if (op_id == "OP_GROUP_RENAME") {
      p.hpath = "group-rename";
      p.pre_env = {{"OLD_NAME", name}, {"NEW_NAME", OpStr(op, "new_name")}};
    } else {
      p.hpath = "group-evacuate";
      p.pre_env = {{"GROUP_NAME", name}, {"TARGET_GROUPS", TargetGroups(d, op, group->uuid)}};
    }
  } else {
    return std::nullopt;
  }
  return p;
}

std::optional<HooksPlan> PlanNetworkHooks(const ConfigData& d, const json::object& op,
                                          const std::string& op_id) {
  const std::string name = OpString(op, "network_name");
  HooksPlan p = NewPlan(op_id, "", "NETWORK");
  p.pre_nodes = p.post_nodes = {d.cluster.master_node};
  if (op_id == "OP_NETWORK_ADD") {
    p.hpath = "network-add";
    objects::Network wanted;
    wanted.name = name;
    wanted.network = OpString(op, "network");
    wanted.gateway = OpString(op, "gateway");
    wanted.network6 = OpString(op, "network6");
    wanted.gateway6 = OpString(op, "gateway6");
    wanted.mac_prefix = OpString(op, "mac_prefix");
    if (auto t = op.find("tags"); t != op.end() && t->value().is_array()) {
      for (const auto& tag : t->value().get_array()) wanted.tags.push_back(PythonStr(tag));
    }
    AddNetworkEnv(p.pre_env, "", wanted);
    // Ganeti's network-add environment names only what is set.
    p.pre_env.erase("NETWORK_UUID");
    if (wanted.tags.empty()) p.pre_env.erase("NETWORK_TAGS");
    return p;
  }
  const objects::Network* net = d.FindNetworkByName(name);
  if (!net) return std::nullopt;
  if (op_id == "OP_NETWORK_REMOVE") {
    p.hpath = "network-remove";
    p.pre_env = {{"NETWORK_NAME", name}};
  } else if (op_id == "OP_NETWORK_SET_PARAMS") {
    p.hpath = "network-modify";
    AddNetworkEnv(p.pre_env, "", *net);
    p.pre_env.erase("NETWORK_UUID");
    const std::string uuid = net->uuid;
    p.post_env = [uuid](const ConfigData& after) -> std::optional<HookEnv> {
      auto it = after.networks.find(uuid);
      if (it == after.networks.end()) return std::nullopt;
      HookEnv env;
      AddNetworkEnv(env, "", it->second);
      env.erase("NETWORK_UUID");
      return env;
    };
  } else if (op_id == "OP_NETWORK_CONNECT" || op_id == "OP_NETWORK_DISCONNECT") {
    const std::string group_name = OpString(op, "group_name");
    const objects::NodeGroup* group = d.FindGroupByName(group_name);
    if (!group) return std::nullopt;
    p.pre_nodes = p.post_nodes = GroupMembers(d, group->uuid);
    p.pre_env = {{"GROUP_NAME", group_name}};
    if (op_id == "OP_NETWORK_CONNECT") {
      p.hpath = "network-connect";
      p.pre_env["GROUP_NETWORK_MODE"] = OpStr(op, "network_mode");
      p.pre_env["GROUP_NETWORK_LINK"] = OpStr(op, "network_link");
      p.pre_env["GROUP_NETWORK_VLAN"] = OpStr(op, "network_vlan", "");
    } else {
      p.hpath = "network-disconnect";
      if (auto c = group->networks.find(net->uuid);
          c != group->networks.end() && c->value().is_object()) {
        const auto& params = c->value().get_object();
        auto param = [&](const char* key) {
          auto it = params.find(key);
          return it == params.end() ? std::string() : PythonStr(it->value());
        };
        p.pre_env["GROUP_NETWORK_MODE"] = param("mode");
        p.pre_env["GROUP_NETWORK_LINK"] = param("link");
        p.pre_env["GROUP_NETWORK_VLAN"] = param("vlan");
      }
    }
  } else {
    return std::nullopt;
  }
  return p;
}

std::optional<HooksPlan> PlanClusterHooks(const ConfigData& d, const json::object& op,
                                          const std::string& op_id) {
  HooksPlan p = NewPlan(op_id, "", "CLUSTER");
  p.pre_env = {{"OP_TARGET", d.cluster.cluster_name}};
  if (op_id == "OP_CLUSTER_SET_PARAMS") {
    p.hpath = "cluster-modify";
    p.pre_nodes = p.post_nodes = {d.cluster.master_node};
    p.pre_env["NEW_VG_NAME"] = OpStr(op, "vg_name");
  } else if (op_id == "OP_CLUSTER_RENAME") {
    p.hpath = "cluster-rename";
    p.pre_nodes = {d.cluster.master_node};
    p.post_nodes = AllNodes(d);
    p.pre_env["NEW_NAME"] = OpStr(op, "name");
  } else if (op_id == "OP_CLUSTER_POST_INIT") {
    p.hpath = "cluster-init";
    p.post_nodes = {d.cluster.master_node};
  } else if (op_id == "OP_CLUSTER_DESTROY") {
    p.hpath = "cluster-destroy";  // Ganeti names no node for it
  } else {
    return std::nullopt;
  }
  return p;
}

}  // namespace

std::optional<HooksPlan> PlanHooks(const ConfigData& config, const json::object& opcode,
                                   const Paths& paths) {
  const std::string op_id = OpString(opcode, "OP_ID");
  if (op_id.rfind("OP_INSTANCE_", 0) == 0) return PlanInstanceHooks(config, opcode, op_id);
  if (op_id.rfind("OP_NODE_", 0) == 0) return PlanNodeHooks(config, opcode, op_id, paths);
  if (op_id.rfind("OP_GROUP_", 0) == 0) return PlanGroupHooks(config, opcode, op_id);
  if (op_id.rfind("OP_NETWORK_", 0) == 0) return PlanNetworkHooks(config, opcode, op_id);
  if (op_id.rfind("OP_CLUSTER_", 0) == 0) return PlanClusterHooks(config, opcode, op_id);
  return std::nullopt;
}

}  // namespace herd::master
