#include "master/query/instance_queries.h"

#include <algorithm>
#include <boost/json.hpp>
#include <set>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "base/errors.h"
#include "base/json.h"
#include "base/nice_sort.h"
#include "master/cmdlib/common.h"
#include "objects/config_data.h"
#include "query/query_result.h"

namespace herd::master {
namespace {
using query::FieldTable;
using query::FieldValue;
using query::ResultStatus;
namespace q = herd::query;

// Live state of every instance, gathered from the primary nodes. Hash
// maps and views into the nodes' answers: a query of ten thousand
// instances looks each one up several times and copies none.
struct LiveState {
  enum class NodeAnswer { kAnswered, kOffline, kUnreachable };
  struct Running {
    std::string_view node_uuid;  // a key of `nodes`
    const json::object* info;    // within `answers`
  };
  std::unordered_map<std::string, NodeAnswer> nodes;      // by node uuid
  std::vector<json::value> answers;                       // what the nodes said
  std::unordered_map<std::string_view, Running> running;  // by instance name

  // Move-only: a move keeps the views valid, a copy's views would still
  // point into the original's answers.
  LiveState() = default;
  LiveState(LiveState&&) = default;
  LiveState& operator=(LiveState&&) = default;

  NodeAnswer Of(const std::string& node_uuid) const {
    auto it = nodes.find(node_uuid);
    return it == nodes.end() ? NodeAnswer::kAnswered : it->second;
  }
  const Running* Find(const std::string& instance_name) const {
    auto it = running.find(instance_name);
    return it == running.end() ? nullptr : &it->second;
  }
};

struct InstanceRow {
  const objects::Instance* instance;
  const objects::ConfigData* config;
  const LiveState* live;  // nullptr when no live field was asked for
};

std::string NodeName(const objects::ConfigData& c, const std::string& uuid) {
  auto it = c.nodes.find(uuid);
  return it == c.nodes.end() ? uuid : it->second.name;
}

std::vector<const objects::Disk*> Disks(const InstanceRow& r) {
  std::vector<const objects::Disk*> out;
  for (const auto& d : r.instance->disks) {
    auto it = r.config->disks.find(d);
    if (it != r.config->disks.end()) out.push_back(&it->second);
  }
  return out;
}

json::array SecondaryNames(const InstanceRow& r) {
  std::vector<std::string> names;
  for (const auto* d : Disks(r)) {
    for (const auto& n : d->nodes) {
      if (n == r.instance->primary_node) continue;
      std::string name = NodeName(*r.config, n);
      if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    }
  }
  json::array out;
  for (auto& n : names) out.push_back(json::value(n));
  return out;
}

// Ganeti's instance status strings.
std::string Status(const InstanceRow& r) {
  const auto& inst = *r.instance;
  const auto& live = *r.live;
  switch (live.Of(inst.primary_node)) {
    case LiveState::NodeAnswer::kOffline:
      return "ERROR_nodeoffline";
    case LiveState::NodeAnswer::kUnreachable:
      return "ERROR_nodedown";
    case LiveState::NodeAnswer::kAnswered:
      break;
  }
  if (const auto* on = live.Find(inst.name)) {
    if (on->node_uuid != inst.primary_node) return "ERROR_wrongnode";
    return inst.admin_state == "up" ? "running" : "ERROR_up";
  }
  if (inst.admin_state == "up") return "ERROR_down";
  if (inst.admin_state == "down") {
    return inst.admin_state_source == "user" ? "USER_down" : "ADMIN_down";
  }
  return "ADMIN_offline";
}

// A live value: the node's answer, or the status saying why there is none.
FieldValue LiveValue(const InstanceRow& r, const char* key) {
  const auto& live = *r.live;
  switch (live.Of(r.instance->primary_node)) {
    case LiveState::NodeAnswer::kOffline:
      return FieldValue::Status(ResultStatus::kOffline);
    case LiveState::NodeAnswer::kUnreachable:
      return FieldValue::Status(ResultStatus::kNoData);
    case LiveState::NodeAnswer::kAnswered:
      break;
  }
  const auto* on = live.Find(r.instance->name);
  if (!on || on->node_uuid != r.instance->primary_node) {
    return FieldValue::Status(ResultStatus::kUnavail);
  }
  auto v = on->info->find(key);
  return v == on->info->end() ? FieldValue::Status(ResultStatus::kUnavail)
                              : FieldValue::Of(v->value());
}

const std::set<std::string> kLiveFields{"status", "oper_state", "oper_ram", "oper_vcpus",
                                        "console"};

FieldValue FromObject(const json::object& o, const std::string& key) {
  auto it = o.find(key);
  return it == o.end() ? FieldValue::Status(ResultStatus::kUnavail) : FieldValue::Of(it->value());
}

const FieldTable<InstanceRow>& InstanceFields() {
  static const FieldTable<InstanceRow> table = [] {
    FieldTable<InstanceRow> t;
    auto cfg = [](auto f) { return [f](const InstanceRow& r) { return FieldValue::Of(f(r)); }; };
    using R = const InstanceRow&;
    t.Add("name", "Instance", q::kText, "Instance name",
          cfg([](R r) { return json::value(r.instance->name); }));
    t.Add("uuid", "UUID", q::kText, "Instance UUID",
          cfg([](R r) { return json::value(r.instance->uuid); }));
    t.Add("pnode", "Primary_node", q::kText, "Primary node",
          cfg([](R r) { return json::value(NodeName(*r.config, r.instance->primary_node)); }));
    t.Add("pnode.group", "PrimaryNodeGroup", q::kText, "Primary node's group", cfg([](R r) {
            auto n = r.config->nodes.find(r.instance->primary_node);
            if (n == r.config->nodes.end()) return json::value(nullptr);
            auto g = r.config->nodegroups.find(n->second.group);
            return g == r.config->nodegroups.end() ? json::value(nullptr)
                                                   : json::value(g->second.name);
          }));
    t.Add("snodes", "Secondary_Nodes", q::kOther,
          "Secondary nodes; usually this will just be one node",
          cfg([](R r) { return json::value(SecondaryNames(r)); }));
    t.Add("os", "OS", q::kText, "Operating system",
          cfg([](R r) { return json::value(r.instance->os); }));
    t.Add("hypervisor", "Hypervisor", q::kText, "Hypervisor name",
          cfg([](R r) { return json::value(r.instance->hypervisor); }));
    t.Add("disk_template", "Disk_template", q::kText, "Instance disk template",
          cfg([](R r) { return json::value(objects::DiskTemplateOf(*r.config, *r.instance)); }));
    t.Add("admin_state", "InstanceState", q::kText, "Desired state of instance",
          cfg([](R r) { return json::value(r.instance->admin_state); }));
    t.Add("admin_state_source", "InstanceStateSource", q::kText,
          "Who last changed the desired state of the instance",
          cfg([](R r) { return json::value(r.instance->admin_state_source); }));
    t.Add("admin_up", "Autostart", q::kBool,
          "Desired state of instance (true if it should be running)",
          cfg([](R r) { return json::value(r.instance->admin_state == "up"); }));
    t.Add("disks_active", "DisksActive", q::kBool, "Desired state of instance disks",
          cfg([](R r) { return json::value(r.instance->disks_active); }));
    t.Add("status", "Status", q::kText,
          "Instance status; \"running\" if instance is set to be running and actually is, "
          "\"ADMIN_down\" if instance is stopped and is not running, \"ERROR_up\" if instance "
          "is running but not supposed to be, \"ERROR_down\" if it should run but does not, "
          "\"ERROR_nodedown\" or \"ERROR_nodeoffline\" if its primary node is unreachable or "
          "offline",
          [](R r) { return FieldValue::Of(json::value(Status(r))); });
    t.Add("oper_state", "Running", q::kBool, "Actual state of instance", [](R r) {
      FieldValue v = LiveValue(r, "state");
      if (v.status == ResultStatus::kUnavail) return FieldValue::Of(false);
      if (v.status != ResultStatus::kNormal) return v;
      return FieldValue::Of(true);
    });
    t.Add("oper_ram", "Memory", q::kUnit, "Actual memory usage as seen by hypervisor",
          [](R r) { return LiveValue(r, "memory"); });
    t.Add("oper_vcpus", "VCPUs", q::kNumber, "Actual number of VCPUs as seen by hypervisor",
          [](R r) { return LiveValue(r, "vcpus"); });
    t.Add("console", "Console", q::kOther, "Instance console information", [](R r) {
      FieldValue v = LiveValue(r, "state");
      if (v.status != ResultStatus::kNormal) return v;
      return FieldValue::Of(json::object{{"instance", r.instance->name},
                                         {"kind", "msg"},
                                         {"message",
                                          "Console not available for fake "
                                          "hypervisor"}});
    });
    t.Add("tags", "Tags", q::kOther, "Tags", cfg([](R r) {
            std::vector<std::string> tags = r.instance->tags;
            std::sort(tags.begin(), tags.end());
            json::array a;
            for (auto& s : tags) a.push_back(json::value(s));
            return json::value(a);
          }));
    t.Add("network_port", "Network_port", q::kOther,
          "Instance network port if available (e.g. for VNC console)", cfg([](R r) {
            return r.instance->network_port ? json::value(r.instance->network_port)
                                            : json::value(nullptr);
          }));
    // Parameter dictionaries: filled, and the instance's own overrides.
    t.Add("beparams", "BackendParameters", q::kOther, "Backend parameters (merged)",
          cfg([](R r) { return json::value(objects::FilledBeParams(*r.config, *r.instance)); }));
    t.Add("custom_beparams", "CustomBackendParameters", q::kOther, "Custom backend parameters",
          cfg([](R r) { return json::value(r.instance->beparams); }));
    t.Add("hvparams", "HypervisorParameters", q::kOther, "Hypervisor parameters (merged)",
          cfg([](R r) { return json::value(objects::FilledHvParams(*r.config, *r.instance)); }));
    t.Add("custom_hvparams", "CustomHypervisorParameters", q::kOther,
          "Custom hypervisor parameters",
          cfg([](R r) { return json::value(r.instance->hvparams); }));
    t.Add("osparams", "OpSysParameters", q::kOther, "Operating system parameters (merged)",
          cfg([](R r) { return json::value(objects::FilledOsParams(*r.config, *r.instance)); }));
    t.Add("custom_osparams", "CustomOpSysParameters", q::kOther,
          "Custom operating system parameters",
          cfg([](R r) { return json::value(r.instance->osparams); }));
    t.Add("be/memory", "ConfigMaxMem", q::kUnit, "The \"maxmem\" backend parameter", [](R r) {
      return FromObject(objects::FilledBeParams(*r.config, *r.instance), "maxmem");
    });
    for (const char* p :
         {"vcpus", "auto_balance", "spindle_use", "maxmem", "minmem", "always_failover"}) {
      std::string name = p;
      bool boolean = name == "auto_balance" || name == "always_failover";
      bool memory = name == "maxmem" || name == "minmem";
      t.Add("be/" + name, boolean ? name : (memory ? "Config" + name : name),
            boolean ? q::kBool : (memory ? q::kUnit : q::kNumber),
            "The \"" + name + "\" backend parameter", [name](R r) {
              return FromObject(objects::FilledBeParams(*r.config, *r.instance), name);
            });
    }
    t.Add("vcpus", "ConfigVCPUs", q::kNumber, "The \"vcpus\" backend parameter",
          [](R r) { return FromObject(objects::FilledBeParams(*r.config, *r.instance), "vcpus"); });
    t.Add("hv/migration_mode", "migration_mode", q::kText,
          "The \"migration_mode\" hypervisor parameter", [](R r) {
            return FromObject(objects::FilledHvParams(*r.config, *r.instance), "migration_mode");
          });
    // Disks.
    t.Add("disk.count", "Disks", q::kNumber, "Number of disks",
          cfg([](R r) { return json::value(static_cast<int64_t>(r.instance->disks.size())); }));
    t.Add("disk.sizes", "Disk_sizes", q::kOther, "List of disk sizes", cfg([](R r) {
            json::array a;
            for (const auto* d : Disks(r)) a.push_back(d->size);
            return json::value(a);
          }));
    t.Add("disk.spindles", "Disk_spindles", q::kOther, "List of disk spindles", cfg([](R r) {
            json::array a;
            for (size_t i = 0; i < r.instance->disks.size(); ++i) a.push_back(nullptr);
            return json::value(a);
          }));
    t.Add("disk.names", "Disk_names", q::kOther, "List of disk names", cfg([](R r) {
            json::array a;
            for (const auto* d : Disks(r)) {
              a.push_back(d->name.empty() ? json::value(nullptr) : json::value(d->name));
            }
            return json::value(a);
          }));
    t.Add("disk.uuids", "Disk_UUIDs", q::kOther, "List of disk UUIDs", cfg([](R r) {
            json::array a;
            for (const auto* d : Disks(r)) a.push_back(json::value(d->uuid));
            return json::value(a);
          }));
    t.Add("disk_usage", "DiskUsage", q::kUnit,
          "Total disk space used by instance on each of its nodes", cfg([](R r) {
            int64_t total = 0;
            for (const auto* d : Disks(r)) total += d->size;
            return json::value(total);
          }));
    for (int i = 0; i < 16; ++i) {
      std::string idx = std::to_string(i);
      t.Add("disk.size/" + idx, "Disk/" + idx, q::kUnit, "Disk size of disk " + idx, [i](R r) {
        auto disks = Disks(r);
        if (i >= static_cast<int>(disks.size())) return FieldValue::Status(ResultStatus::kUnavail);
        return FieldValue::Of(disks[i]->size);
      });
    }
    // NICs.
    auto nic_list = [](auto get) {
      return [get](R r) {
        json::array a;
        for (const auto& n : r.instance->nics) a.push_back(get(r, n));
        return FieldValue::Of(a);
      };
    };
    t.Add("nic.count", "NICs", q::kNumber, "Number of network interfaces",
          cfg([](R r) { return json::value(static_cast<int64_t>(r.instance->nics.size())); }));
    t.Add("nic.ips", "NIC_IPs", q::kOther, "List containing each network interface's IP address",
          nic_list([](R, const objects::Nic& n) {
            return n.ip.empty() ? json::value(nullptr) : json::value(n.ip);
          }));
    t.Add("nic.macs", "NIC_MACs", q::kOther, "List containing each network interface's MAC address",
          nic_list([](R, const objects::Nic& n) { return json::value(n.mac); }));
    t.Add("nic.modes", "NIC_modes", q::kOther, "List containing each network interface's mode",
          nic_list([](R r, const objects::Nic& n) {
            return json::value(GetStringOr(objects::FilledNicParams(*r.config, n), "mode", ""));
          }));
    t.Add("nic.links", "NIC_links", q::kOther, "List containing each network interface's link",
          nic_list([](R r, const objects::Nic& n) {
            return json::value(GetStringOr(objects::FilledNicParams(*r.config, n), "link", ""));
          }));
    t.Add("nic.names", "NIC_Names", q::kOther, "List containing each network interface's name",
          nic_list([](R, const objects::Nic& n) {
            return n.name.empty() ? json::value(nullptr) : json::value(n.name);
          }));
    t.Add("nic.uuids", "NIC_UUIDs", q::kOther, "List containing each network interface's UUID",
          nic_list([](R, const objects::Nic& n) { return json::value(n.uuid); }));
    t.Add("nic.networks", "NIC_networks", q::kOther, "List containing each interface's network",
          nic_list([](R, const objects::Nic& n) {
            return n.network.empty() ? json::value(nullptr) : json::value(n.network);
          }));
    for (int i = 0; i < 8; ++i) {
      std::string idx = std::to_string(i);
      t.Add("nic.ip/" + idx, "NicIP/" + idx, q::kText, "IP address of network interface " + idx,
            [i](R r) {
              if (i >= static_cast<int>(r.instance->nics.size()))
                return FieldValue::Status(ResultStatus::kUnavail);
              const auto& ip = r.instance->nics[i].ip;
              return FieldValue::Of(ip.empty() ? json::value(nullptr) : json::value(ip));
            });
      t.Add("nic.mac/" + idx, "NicMAC/" + idx, q::kText, "MAC address of network interface " + idx,
            [i](R r) {
              if (i >= static_cast<int>(r.instance->nics.size()))
                return FieldValue::Status(ResultStatus::kUnavail);
              return FieldValue::Of(json::value(r.instance->nics[i].mac));
            });
    }
    t.Add("forthcoming", "Forthcoming", q::kBool, "Whether the instance is forthcoming",
          cfg([](R) { return json::value(false); }));
    t.Add("serial_no", "SerialNo", q::kNumber,
          "Instance object serial number, incremented on each modification",
          cfg([](R r) { return json::value(r.instance->serial_no); }));
    t.Add("ctime", "CTime", q::kTimestamp, "Creation timestamp",
          cfg([](R r) { return json::value(r.instance->ctime); }));
    t.Add("mtime", "MTime", q::kTimestamp, "Modification timestamp",
          cfg([](R r) { return json::value(r.instance->mtime); }));
    return t;
  }();
  return table;
}

// A node to ask for its running instances, or one marked offline.
struct LiveTarget {
  std::string uuid;
  bool offline = false;
  rpc::NodeAddress address;
};

// The primary nodes of the instances, read under the config lock.
std::vector<LiveTarget> PrimaryNodes(const objects::ConfigData& config,
                                     const std::vector<const objects::Instance*>& instances) {
  std::unordered_set<std::string_view> uuids;
  for (const auto* i : instances) uuids.insert(i->primary_node);
  std::vector<LiveTarget> targets;
  targets.reserve(uuids.size());
  for (const auto& [uuid, node] : config.nodes) {
    if (!uuids.count(uuid)) continue;
    targets.push_back({uuid, node.offline, node.offline ? rpc::NodeAddress{} : AddressOf(node)});
  }
  return targets;
}

// Asks the nodes (not holding the config lock) for their running instances.
LiveState GatherLiveState(const std::vector<LiveTarget>& nodes, rpc::NodeRpcClient& rpc) {
  LiveState live;
  std::vector<rpc::NodeAddress> targets;
  // Entries of live.nodes: pointers, which stay valid as it grows (its
  // iterators would not).
  std::vector<decltype(live.nodes)::value_type*> target_entries;
  for (const auto& node : nodes) {
    auto [it, added] =
        live.nodes.emplace(node.uuid, node.offline ? LiveState::NodeAnswer::kOffline
                                                   : LiveState::NodeAnswer::kAnswered);
    if (node.offline || !added) continue;
    targets.push_back(node.address);
    target_entries.push_back(&*it);
  }
  auto results = rpc.CallParallel(targets, rpc::procedures::kAllInstancesInfo, {});
  live.answers.reserve(results.size());
  for (size_t i = 0; i < results.size(); ++i) {
    if (!results[i].ok || !results[i].payload.is_object()) {
      target_entries[i]->second = LiveState::NodeAnswer::kUnreachable;
      continue;
    }
    // Kept in place: the views below point into it.
    const auto& answer = live.answers.emplace_back(std::move(results[i].payload)).get_object();
    for (const auto& kv : answer) {
      if (const auto* info = kv.value().if_object()) {
        live.running.insert_or_assign(kv.key(), LiveState::Running{target_entries[i]->first, info});
      }
    }
  }
  return live;
}

std::vector<const objects::Instance*> AllInstances(const objects::ConfigData& config) {
  std::vector<const objects::Instance*> out;
  out.reserve(config.instances.size());
  for (const auto& [uuid, i] : config.instances) out.push_back(&i);
  return out;
}

}  // namespace

json::value QueryInstances(const QueryRequest& req, const ConfigStore& config,
                           rpc::NodeRpcClient& rpc) {
  // The nodes are asked without holding the config lock; the rows are then
  // made from the config as it is (no copy of ten thousand instances).
  LiveState live;
  if (UsesAnyField(req, kLiveFields)) {
    auto targets =
        config.Read([](const objects::ConfigData& d) { return PrimaryNodes(d, AllInstances(d)); });
    live = GatherLiveState(targets, rpc);
  }
  return config.Read([&](const objects::ConfigData& d) {
    std::vector<InstanceRow> rows;
    rows.reserve(d.instances.size());
    for (const auto& [uuid, i] : d.instances) rows.push_back({&i, &d, &live});
    std::sort(rows.begin(), rows.end(), [](const InstanceRow& a, const InstanceRow& b) {
      return NiceLess(a.instance->name, b.instance->name);
    });
    return query::RunQuery(InstanceFields(), req.fields, rows, req.filter);
  });
}

json::value InstanceFieldDefinitions(const std::vector<std::string>& fields) {
  return query::FieldsOf(InstanceFields(), fields);
}

json::value InstanceQueryData(const std::vector<std::string>& names, bool static_only,
                              const ConfigStore& config, rpc::NodeRpcClient& rpc) {
  auto snapshot = std::make_shared<objects::ConfigData>(
      config.Read([](const objects::ConfigData& d) { return d; }));
  std::vector<const objects::Instance*> wanted;
  if (names.empty()) {
    for (const auto& [u, i] : snapshot->instances) wanted.push_back(&i);
  } else {
    for (const auto& n : names) {
      const auto* i = snapshot->FindInstanceByName(n);
      if (!i) throw OpPrereqError("Instance '" + n + "' not known", kEcodeNoEnt);
      wanted.push_back(i);
    }
  }
  LiveState live;
  if (!static_only) live = GatherLiveState(PrimaryNodes(*snapshot, wanted), rpc);
  json::object out;
  for (const auto* inst : wanted) {
    InstanceRow row{inst, snapshot.get(), &live};
    const auto& pnode = snapshot->nodes.at(inst->primary_node);
    const auto* group =
        snapshot->nodegroups.count(pnode.group) ? &snapshot->nodegroups.at(pnode.group) : nullptr;
    json::value run_state = nullptr;
    if (!static_only) {
      run_state = live.Find(inst->name) ? "up" : "down";
    }
    json::array disks;
    for (const auto* d : Disks(row)) {
      json::array nodes;
      for (const auto& n : d->nodes) nodes.push_back(json::value(NodeName(*snapshot, n)));
      disks.push_back(
          json::object{{"iv_name", d->iv_name},
                       {"dev_type", d->dev_type},
                       {"logical_id", d->logical_id},
                       {"physical_id", nullptr},
                       {"pstatus", nullptr},
                       {"sstatus", nullptr},
                       {"children", json::array{}},
                       {"mode", d->mode},
                       {"size", d->size},
                       {"spindles", nullptr},
                       {"name", d->name.empty() ? json::value(nullptr) : json::value(d->name)},
                       {"uuid", d->uuid},
                       {"nodes", nodes}});
    }
    json::array nics;
    for (const auto& n : inst->nics) {
      auto params = objects::FilledNicParams(*snapshot, n);
      nics.push_back(json::array{n.name.empty() ? json::value(nullptr) : json::value(n.name),
                                 json::value(n.uuid),
                                 n.ip.empty() ? json::value(nullptr) : json::value(n.ip),
                                 json::value(n.mac), json::value(GetStringOr(params, "mode", "")),
                                 json::value(GetStringOr(params, "link", "")),
                                 json::value(GetStringOr(params, "vlan", "")), nullptr, nullptr});
    }
    json::array snode_groups, snode_group_names;
    json::array snodes = SecondaryNames(row);
    json::array tags;
    for (const auto& t : inst->tags) tags.push_back(json::value(t));
    out[inst->name] = json::object{
        {"name", inst->name},
        {"config_state", inst->admin_state},
        {"run_state", run_state},
        {"pnode", pnode.name},
        {"pnode_group_uuid", pnode.group},
        {"pnode_group_name", group ? json::value(group->name) : json::value(nullptr)},
        {"snodes", snodes},
        {"snodes_group_uuids", snode_groups},
        {"snodes_group_names", snode_group_names},
        {"os", inst->os},
        {"network_port",
         inst->network_port ? json::value(inst->network_port) : json::value(nullptr)},
        {"hv_instance", inst->hvparams},
        {"hv_actual", objects::FilledHvParams(*snapshot, *inst)},
        {"be_instance", inst->beparams},
        {"be_actual", objects::FilledBeParams(*snapshot, *inst)},
        {"os_instance", inst->osparams},
        {"os_actual", objects::FilledOsParams(*snapshot, *inst)},
        {"disks", disks},
        {"disk_template", objects::DiskTemplateOf(*snapshot, *inst)},
        {"hypervisor", inst->hypervisor},
        {"nics", nics},
        {"tags", tags},
        {"ctime", inst->ctime},
        {"mtime", inst->mtime},
        {"uuid", inst->uuid},
        {"serial_no", inst->serial_no},
    };
  }
  return out;
}

}  // namespace herd::master
