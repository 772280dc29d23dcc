#include "master/query/resource_queries.h"

#include <algorithm>
#include <boost/json.hpp>
#include <map>
#include <set>
#include <string_view>
#include <unordered_map>

#include "base/errors.h"
#include "base/json.h"
#include "base/nice_sort.h"
#include "master/cmdlib/common.h"
#include "master/filters.h"
#include "master/query/cluster_queries.h"
#include "master/query/instance_queries.h"
#include "master/query/network_queries.h"
#include "master/query/os_queries.h"
#include "objects/config_data.h"
#include "objects/params.h"
#include "query/query_result.h"

namespace herd::master {
namespace {
using query::FieldTable;
using query::FieldValue;
using query::ResultStatus;
namespace q = herd::query;

// Everything a node row may need: the node, its group, instance maps and
// live data from node_info.
struct NodeRow {
  const objects::Node* node;
  const objects::ConfigData* config;
  const json::object* live;  // nullptr when not fetched or unreachable
  bool live_failed = false;
  std::vector<std::string> primaries, secondaries;
};

FieldValue Live(const NodeRow& r, const char* key) {
  if (r.node->offline) return FieldValue::Status(ResultStatus::kOffline);
  if (!r.node->vm_capable) return FieldValue::Status(ResultStatus::kUnavail);
  if (!r.live) return FieldValue::Status(ResultStatus::kNoData);
  auto it = r.live->find(key);
  if (it == r.live->end()) return FieldValue::Status(ResultStatus::kUnavail);
  return FieldValue::Of(it->value());
}

std::string Role(const objects::Node& n, const objects::ConfigData& c) {
  if (n.uuid == c.cluster.master_node) return "M";
  if (n.master_candidate) return "C";
  if (n.drained) return "D";
  if (n.offline) return "O";
  return "R";
}

json::array Strings(std::vector<std::string> v) {
  std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return NiceLess(a, b); });
  json::array a;
  for (auto& s : v) a.emplace_back(s);
  return a;
}

const std::set<std::string> kLiveNodeFields{"bootid",  "cnodes", "cnos",   "csockets",
                                            "ctotal",  "dfree",  "dtotal", "spfree",
                                            "sptotal", "mfree",  "mnode",  "mtotal"};

// The node parameters as query fields ("ndp/<name>"), of nodes and groups:
// their kinds and titles as Ganeti's _BuildNDFields gives them.
const std::vector<std::pair<std::string, const char*>> kNodeParamFieldKinds{
    {"cpu_speed", q::kFloat},      {"exclusive_storage", q::kBool},
    {"oob_program", q::kOther},    {"ovs", q::kBool},
    {"ovs_link", q::kOther},       {"ovs_name", q::kOther},
    {"spindle_count", q::kNumber}, {"ssh_port", q::kNumber}};

std::string NodeParamTitle(const std::string& name) {
  static const std::map<std::string, std::string> titles{{"exclusive_storage", "ExclusiveStorage"},
                                                         {"oob_program", "OutOfBandProgram"},
                                                         {"ovs", "OpenvSwitch"},
                                                         {"ovs_link", "OpenvSwitchLink"},
                                                         {"ovs_name", "OpenvSwitchName"},
                                                         {"spindle_count", "SpindleCount"}};
  auto it = titles.find(name);
  return it == titles.end() ? "ndp/" + name : it->second;
}

// One "ndp/<name>" field per node parameter, read from `filled(row)`.
template <typename Row, typename Filled>
void AddNodeParamFields(FieldTable<Row>& t, Filled filled) {
  for (const auto& [name, type] : kNodeParamFieldKinds) {
    t.Add("ndp/" + name, NodeParamTitle(name), type, "The \"" + name + "\" node parameter",
          [name = name, filled](const Row& r) {
            const json::object params = filled(r);
            auto it = params.find(name);
            if (it == params.end()) return FieldValue::Status(ResultStatus::kUnavail);
            return FieldValue::Of(it->value());
          });
  }
}

const FieldTable<NodeRow>& NodeFields() {
  static const FieldTable<NodeRow> table = [] {
    FieldTable<NodeRow> t;
    auto cfg = [](auto f) { return [f](const NodeRow& r) { return FieldValue::Of(f(r)); }; };
    t.Add("name", "Node", q::kText, "Node name",
          cfg([](const NodeRow& r) { return json::value(r.node->name); }));
    t.Add("uuid", "UUID", q::kText, "Node UUID",
          cfg([](const NodeRow& r) { return json::value(r.node->uuid); }));
    t.Add("pip", "PrimaryIP", q::kText, "Primary IP address",
          cfg([](const NodeRow& r) { return json::value(r.node->primary_ip); }));
    t.Add("sip", "SecondaryIP", q::kText, "Secondary IP address",
          cfg([](const NodeRow& r) { return json::value(r.node->secondary_ip); }));
    t.Add("tags", "Tags", q::kOther, "Tags",
          cfg([](const NodeRow& r) { return json::value(Strings(r.node->tags)); }));
    t.Add("master", "IsMaster", q::kBool, "Whether node is master", cfg([](const NodeRow& r) {
            return json::value(r.node->uuid == r.config->cluster.master_node);
          }));
    t.Add("master_candidate", "MasterC", q::kBool, "Whether node is a master candidate",
          cfg([](const NodeRow& r) { return json::value(r.node->master_candidate); }));
    t.Add("master_capable", "MasterCapable", q::kBool, "Whether node can become a master candidate",
          cfg([](const NodeRow& r) { return json::value(r.node->master_capable); }));
    t.Add("vm_capable", "VMCapable", q::kBool, "Whether node can host instances",
          cfg([](const NodeRow& r) { return json::value(r.node->vm_capable); }));
    t.Add("drained", "Drained", q::kBool, "Whether node is drained",
          cfg([](const NodeRow& r) { return json::value(r.node->drained); }));
    t.Add("offline", "Offline", q::kBool, "Whether node is marked offline",
          cfg([](const NodeRow& r) { return json::value(r.node->offline); }));
    t.Add("serial_no", "SerialNo", q::kNumber,
          "Node object serial number, incremented on each modification",
          cfg([](const NodeRow& r) { return json::value(r.node->serial_no); }));
    t.Add("ctime", "CTime", q::kTimestamp, "Creation timestamp",
          cfg([](const NodeRow& r) { return json::value(r.node->ctime); }));
    t.Add("mtime", "MTime", q::kTimestamp, "Modification timestamp",
          cfg([](const NodeRow& r) { return json::value(r.node->mtime); }));
    t.Add("role", "Role", q::kText,
          "Node role; \"M\" for master, \"C\" for master candidate, \"R\" for regular, \"D\" for "
          "drained, \"O\" for offline",
          cfg([](const NodeRow& r) { return json::value(Role(*r.node, *r.config)); }));
    t.Add("group.uuid", "GroupUUID", q::kText, "UUID of node group",
          cfg([](const NodeRow& r) { return json::value(r.node->group); }));
    t.Add("group", "Group", q::kText, "Node group", [](const NodeRow& r) {
      auto it = r.config->nodegroups.find(r.node->group);
      if (it == r.config->nodegroups.end()) return FieldValue::Status(ResultStatus::kUnavail);
      return FieldValue::Of(json::value(it->second.name));
    });
    t.Add("ndparams", "NodeParameters", q::kOther, "Merged node parameters",
          cfg([](const NodeRow& r) {
            return json::value(objects::FilledNodeParams(*r.config, *r.node));
          }));
    t.Add("custom_ndparams", "CustomNodeParameters", q::kOther, "Custom node parameters",
          cfg([](const NodeRow& r) { return json::value(r.node->ndparams); }));
    AddNodeParamFields(
        t, [](const NodeRow& r) { return objects::FilledNodeParams(*r.config, *r.node); });
    t.Add("pinst_cnt", "Pinst", q::kNumber, "Number of instances with this node as primary",
          cfg([](const NodeRow& r) {
            return json::value(static_cast<int64_t>(r.primaries.size()));
          }));
    t.Add("sinst_cnt", "Sinst", q::kNumber, "Number of instances with this node as secondary",
          cfg([](const NodeRow& r) {
            return json::value(static_cast<int64_t>(r.secondaries.size()));
          }));
    t.Add("pinst_list", "PriInstances", q::kOther, "List of instances with this node as primary",
          cfg([](const NodeRow& r) { return json::value(Strings(r.primaries)); }));
    t.Add("sinst_list", "SecInstances", q::kOther, "List of instances with this node as secondary",
          cfg([](const NodeRow& r) { return json::value(Strings(r.secondaries)); }));
    // As Ganeti: known only for nodes with an out-of-band program.
    t.Add("powered", "Powered", q::kBool, "Whether node is thought to be powered on",
          [](const NodeRow& r) {
            const json::object params = objects::FilledNodeParams(*r.config, *r.node);
            const auto* program = params.if_contains("oob_program");
            if (!program || !program->is_string() || program->get_string().empty()) {
              return FieldValue::Status(ResultStatus::kUnavail);
            }
            return FieldValue::Of(r.node->powered);
          });
    struct LiveField {
      const char *name, *title, *kind, *key, *doc;
    };
    for (const LiveField& f : std::initializer_list<LiveField>{
             {"bootid", "BootID", q::kText, "bootid",
              "Random UUID renewed for each system reboot, can be used for detecting reboots by "
              "tracking changes"},
             {"cnodes", "CNodes", q::kNumber, "cpu_nodes",
              "Number of NUMA domains on node (if exported by hypervisor)"},
             {"cnos", "CNOs", q::kNumber, "cpu_dom0",
              "Number of logical processors used by the node OS (dom0 for Xen)"},
             {"csockets", "CSockets", q::kNumber, "cpu_sockets",
              "Number of physical CPU sockets (if exported by hypervisor)"},
             {"ctotal", "CTotal", q::kNumber, "cpu_total", "Number of logical processors"},
             {"dfree", "DFree", q::kUnit, "storage_free",
              "Available storage space in storage unit"},
             {"dtotal", "DTotal", q::kUnit, "storage_size",
              "Total storage space in storage unit used for instance disk allocation"},
             {"spfree", "SpFree", q::kNumber, "spindles_free",
              "Available spindles in volume group (exclusive storage only)"},
             {"sptotal", "SpTotal", q::kNumber, "spindles_total",
              "Total spindles in volume group (exclusive storage only)"},
             {"mfree", "MFree", q::kUnit, "memory_free",
              "Memory available for instance allocations"},
             {"mnode", "MNode", q::kUnit, "memory_dom0",
              "Amount of memory used by node (dom0 for Xen)"},
             {"mtotal", "MTotal", q::kUnit, "memory_total",
              "Total amount of memory of physical machine"}}) {
      std::string key = f.key;
      t.Add(f.name, f.title, f.kind, f.doc,
            [key](const NodeRow& r) { return Live(r, key.c_str()); });
    }
    return t;
  }();
  return table;
}

// Flattens node_info's [bootid, [storage...], [hv...]] into one dict.
json::object FlattenNodeInfo(const json::value& payload) {
  json::object out;
  const auto& a = payload.as_array();
  out["bootid"] = a.at(0);
  if (!a.at(1).as_array().empty()) {
    for (const auto& kv : a.at(1).as_array()[0].as_object()) out[kv.key()] = kv.value();
  }
  if (!a.at(2).as_array().empty()) {
    for (const auto& kv : a.at(2).as_array()[0].as_object()) out[kv.key()] = kv.value();
  }
  out["spindles_free"] = 0;
  out["spindles_total"] = 0;
  return out;
}

json::value QueryNodes(const QueryRequest& req, const ConfigStore& config,
                       rpc::NodeRpcClient& rpc) {
  // Copy what the rows need (instances only as names per node), then talk to
  // nodes without holding the config lock.
  objects::ConfigData snapshot_nodes;
  std::vector<NodeRow> rows;
  config.Read([&](const objects::ConfigData& d) {
    snapshot_nodes.cluster = d.cluster;
    snapshot_nodes.nodes = d.nodes;
    snapshot_nodes.nodegroups = d.nodegroups;
    std::unordered_map<std::string_view, size_t> index;
    for (const auto& [uuid, n] : snapshot_nodes.nodes) {
      index.emplace(uuid, rows.size());
      rows.push_back({&n, &snapshot_nodes, nullptr, false, {}, {}});
    }
    for (const auto& [uuid, inst] : d.instances) {
      if (auto it = index.find(inst.primary_node); it != index.end()) {
        rows[it->second].primaries.push_back(inst.name);
      }
      // Secondaries: the other nodes of its disks (DRBD's peer).
      std::vector<size_t> seen;
      for (const auto& disk_uuid : inst.disks) {
        auto disk = d.disks.find(disk_uuid);
        if (disk == d.disks.end()) continue;
        for (const auto& node : disk->second.nodes) {
          auto it = index.find(node);
          if (node == inst.primary_node || it == index.end() ||
              std::find(seen.begin(), seen.end(), it->second) != seen.end()) {
            continue;
          }
          seen.push_back(it->second);
          rows[it->second].secondaries.push_back(inst.name);
        }
      }
    }
  });
  std::vector<json::object> live(rows.size());
  if (UsesAnyField(req, kLiveNodeFields)) {
    std::vector<rpc::NodeAddress> targets;
    std::vector<size_t> target_rows;
    for (size_t i = 0; i < rows.size(); ++i) {
      if (!rows[i].node->offline && rows[i].node->vm_capable) {
        targets.push_back(AddressOf(*rows[i].node));
        target_rows.push_back(i);
      }
    }
    json::array args{
        json::array{json::array{"file", snapshot_nodes.cluster.file_storage_dir, json::array{}}},
        json::array{json::array{"fake", json::object{}}}};
    auto results = rpc.CallParallel(targets, rpc::procedures::kNodeInfo, args);
    for (size_t k = 0; k < results.size(); ++k) {
      if (!results[k].ok) continue;
      try {
        live[target_rows[k]] = FlattenNodeInfo(results[k].payload);
        rows[target_rows[k]].live = &live[target_rows[k]];
      } catch (const std::exception&) {
        rows[target_rows[k]].live_failed = true;  // malformed answer: no data
      }
    }
  }
  std::sort(rows.begin(), rows.end(), [](const NodeRow& a, const NodeRow& b) {
    return NiceLess(a.node->name, b.node->name);
  });
  return query::RunQuery(NodeFields(), req.fields, rows, req.filter);
}

struct GroupRow {
  const objects::NodeGroup* group;
  const objects::ConfigData* config;
  std::vector<std::string> nodes;      // NiceSorted names
  std::vector<std::string> primaries;  // instances whose primary node is in the group
};

const FieldTable<GroupRow>& GroupFields() {
  static const FieldTable<GroupRow> table = [] {
    FieldTable<GroupRow> t;
    auto cfg = [](auto f) { return [f](const GroupRow& r) { return FieldValue::Of(f(r)); }; };
    t.Add("name", "Group", q::kText, "Group name",
          cfg([](const GroupRow& r) { return json::value(r.group->name); }));
    t.Add("uuid", "UUID", q::kText, "Group UUID",
          cfg([](const GroupRow& r) { return json::value(r.group->uuid); }));
    t.Add("alloc_policy", "AllocPolicy", q::kText, "Allocation policy for group",
          cfg([](const GroupRow& r) { return json::value(r.group->alloc_policy); }));
    t.Add("ipolicy", "InstancePolicy", q::kOther, "Instance policy limitations (merged)",
          cfg([](const GroupRow& r) {
            return json::value(objects::FilledIPolicy(*r.config, *r.group));
          }));
    t.Add("custom_ipolicy", "CustomInstancePolicy", q::kOther, "Custom instance policy limitations",
          cfg([](const GroupRow& r) { return json::value(r.group->ipolicy); }));
    t.Add("tags", "Tags", q::kOther, "Tags",
          cfg([](const GroupRow& r) { return json::value(Strings(r.group->tags)); }));
    t.Add("node_cnt", "Nodes", q::kNumber, "Number of nodes",
          cfg([](const GroupRow& r) { return json::value(static_cast<int64_t>(r.nodes.size())); }));
    t.Add("node_list", "NodeList", q::kOther, "List of nodes",
          cfg([](const GroupRow& r) { return json::value(Strings(r.nodes)); }));
    t.Add("pinst_cnt", "Instances", q::kNumber, "Number of primary instances",
          cfg([](const GroupRow& r) {
            return json::value(static_cast<int64_t>(r.primaries.size()));
          }));
    t.Add("pinst_list", "InstanceList", q::kOther, "List of primary instances",
          cfg([](const GroupRow& r) { return json::value(Strings(r.primaries)); }));
    t.Add("custom_ndparams", "CustomNDParams", q::kOther, "Custom node parameters",
          cfg([](const GroupRow& r) { return json::value(r.group->ndparams); }));
    t.Add("ndparams", "NDParams", q::kOther, "Node parameters", cfg([](const GroupRow& r) {
            return json::value(objects::FilledGroupNodeParams(*r.config, *r.group));
          }));
    t.Add("diskparams", "DiskParameters", q::kOther, "Disk parameters (merged)",
          cfg([](const GroupRow& r) {
            return json::value(objects::FilledDiskParams(*r.config, *r.group));
          }));
    t.Add("custom_diskparams", "CustomDiskParameters", q::kOther, "Custom disk parameters",
          cfg([](const GroupRow& r) { return json::value(r.group->diskparams); }));
    AddNodeParamFields(
        t, [](const GroupRow& r) { return objects::FilledGroupNodeParams(*r.config, *r.group); });
    t.Add("serial_no", "SerialNo", q::kNumber,
          "Group object serial number, incremented on each modification",
          cfg([](const GroupRow& r) { return json::value(r.group->serial_no); }));
    t.Add("ctime", "CTime", q::kTimestamp, "Creation timestamp",
          cfg([](const GroupRow& r) { return json::value(r.group->ctime); }));
    t.Add("mtime", "MTime", q::kTimestamp, "Modification timestamp",
          cfg([](const GroupRow& r) { return json::value(r.group->mtime); }));
    t.Add("networks", "Networks", q::kOther, "Networks connected to the group",
          cfg([](const GroupRow& r) { return json::value(r.group->networks); }));
    return t;
  }();
  return table;
}

json::value QueryGroups(const QueryRequest& req, const ConfigStore& config) {
  return config.Read([&](const objects::ConfigData& d) {
    std::vector<GroupRow> rows;
    std::map<std::string_view, size_t> row_of;
    for (const auto& [uuid, g] : d.nodegroups) {
      row_of[uuid] = rows.size();
      rows.push_back({&g, &d, {}, {}});
    }
    // One pass over nodes and instances, not one per group.
    for (const auto& [uuid, n] : d.nodes) {
      if (auto it = row_of.find(n.group); it != row_of.end())
        rows[it->second].nodes.push_back(n.name);
    }
    for (const auto& [uuid, inst] : d.instances) {
      auto node = d.nodes.find(inst.primary_node);
      if (node == d.nodes.end()) continue;
      if (auto it = row_of.find(node->second.group); it != row_of.end()) {
        rows[it->second].primaries.push_back(inst.name);
      }
    }
    for (auto& r : rows) {
      std::sort(r.nodes.begin(), r.nodes.end(), NiceLess);
      std::sort(r.primaries.begin(), r.primaries.end(), NiceLess);
    }
    std::sort(rows.begin(), rows.end(), [](const GroupRow& a, const GroupRow& b) {
      return NiceLess(a.group->name, b.group->name);
    });
    return query::RunQuery(GroupFields(), req.fields, rows, req.filter);
  });
}

// Jobs: rows are the job queue's own answers for every known field.
using JobRow = json::object;
const std::vector<q::FieldDefinition>& JobFieldDefinitions() {
  static const std::vector<q::FieldDefinition> defs{
      {"id", "ID", q::kNumber, "Job ID"},
      {"status", "Status", q::kText, "Job status"},
      {"priority", "Priority", q::kNumber, "Current job priority (19 to -20)"},
      {"ops", "OpCodes", q::kOther, "List of all opcodes"},
      {"opresult", "OpCode_result", q::kOther, "List of opcodes results"},
      {"opstatus", "OpCode_status", q::kOther, "List of opcodes status"},
      {"oplog", "OpCode_log", q::kOther, "List of opcode output logs"},
      {"opstart", "OpCode_start", q::kOther,
       "List of opcode start timestamps (before acquiring locks)"},
      {"opexec", "OpCode_exec", q::kOther,
       "List of opcode execution start timestamps (after acquiring locks)"},
      {"opend", "OpCode_end", q::kOther, "List of opcode execution end timestamps"},
      {"oppriority", "OpCode_prio", q::kOther, "List of opcode priorities"},
      {"summary", "Summary", q::kOther, "List of per-opcode summaries"},
      {"received_ts", "Received", q::kOther,
       "Timestamp of when job was received (tuple containing seconds and microseconds)"},
      {"start_ts", "Start", q::kOther,
       "Timestamp of job start (tuple containing seconds and microseconds)"},
      {"end_ts", "End", q::kOther,
       "Timestamp of job end (tuple containing seconds and microseconds)"}};
  return defs;
}

const FieldTable<JobRow>& JobFields() {
  static const FieldTable<JobRow> table = [] {
    FieldTable<JobRow> t;
    for (const auto& d : JobFieldDefinitions()) {
      std::string name = d.name;
      t.Add(d.name, d.title, d.kind, d.doc, [name](const JobRow& r) {
        auto it = r.find(name);
        if (it == r.end() || it->value().is_null())
          return FieldValue::Status(ResultStatus::kUnavail);
        return FieldValue::Of(it->value());
      });
    }
    return t;
  }();
  return table;
}

json::value QueryJobs(const QueryRequest& req, jobs::JobQueue& queue) {
  // Only the fields read or filtered on: the opcodes, results and logs of
  // all but the last finished jobs are read back from their files.
  std::set<std::string> all;
  for (const auto& d : JobFieldDefinitions()) all.insert(d.name);
  std::set<std::string> used = FieldsUsed(req, all);
  used.insert("id");
  const std::vector<std::string> names(used.begin(), used.end());
  json::array answers = queue.QueryJobs({}, names);
  std::vector<JobRow> rows;
  for (const auto& a : answers) {
    if (!a.is_array()) continue;
    JobRow row;
    for (size_t i = 0; i < names.size() && i < a.as_array().size(); ++i)
      row[names[i]] = a.as_array()[i];
    rows.push_back(std::move(row));
  }
  return query::RunQuery(JobFields(), req.fields, rows, req.filter);
}

}  // namespace

std::set<std::string> FieldsUsed(const QueryRequest& req, const std::set<std::string>& fields) {
  std::set<std::string> used;
  for (const auto& f : req.fields) {
    if (fields.count(f)) used.insert(f);
  }
  const std::string filter = SerializeJson(req.filter);
  for (const auto& f : fields) {
    if (filter.find("\"" + f + "\"") != std::string::npos) used.insert(f);
  }
  return used;
}

bool UsesAnyField(const QueryRequest& req, const std::set<std::string>& fields) {
  return !FieldsUsed(req, fields).empty();
}

json::value RunResourceQuery(const QueryRequest& request, const QuerySources& sources) {
  const auto& r = request.resource;
  if (r == "node") return QueryNodes(request, sources.config, sources.rpc);
  if (r == "group") return QueryGroups(request, sources.config);
  if (r == "instance") return QueryInstances(request, sources.config, sources.rpc);
  if (r == "job") {
    if (!sources.queue) {
      throw OpPrereqError("Jobs can only be queried through LUXI's Query, not an opcode",
                          kEcodeInval);
    }
    return QueryJobs(request, *sources.queue);
  }
  if (r == "cluster") return QueryCluster(request, sources);
  if (r == "export") return QueryExports(request, sources.config, sources.rpc);
  if (r == "lock") return QueryLocks(request, sources.locks);
  if (r == "extstorage") return QueryExtStorage(request);
  if (r == "filter") return QueryFilters(request, sources.config);
  if (r == "network") return QueryNetworks(request, sources.config);
  if (r == "os") return QueryOses(request, sources.config, sources.rpc);
  throw OpPrereqError("Resource type '" + request.resource + "' unknown", kEcodeInval);
}

void CheckKnownFields(const std::string& resource, const std::vector<std::string>& fields) {
  const json::value definitions = RunFieldsQuery(resource, fields);
  std::string unknown;
  for (const auto& d : definitions.as_object().at("fields").as_array()) {
    if (d.as_object().at("kind") == "unknown") {
      unknown += (unknown.empty() ? "" : ",") + std::string(d.as_object().at("name").as_string());
    }
  }
  if (!unknown.empty()) {
    throw OpPrereqError("Unknown output fields selected: " + unknown, kEcodeInval);
  }
}

json::array PlainRows(const json::value& query_result) {
  json::array rows;
  for (const auto& row : query_result.as_object().at("data").as_array()) {
    json::array values;
    for (const auto& cell : row.as_array()) values.push_back(cell.as_array()[1]);
    rows.push_back(std::move(values));
  }
  return rows;
}

json::value AnyNameFilter(const std::string& field, const std::vector<std::string>& names) {
  if (names.empty()) return nullptr;
  json::array any{"|"};
  for (const auto& n : names) any.push_back(json::array{"=", field, n});
  return any;
}

json::value RunFieldsQuery(const std::string& resource, const std::vector<std::string>& fields) {
  if (resource == "node") return query::FieldsOf(NodeFields(), fields);
  if (resource == "group") return query::FieldsOf(GroupFields(), fields);
  if (resource == "instance") return InstanceFieldDefinitions(fields);
  if (resource == "job") return query::FieldsOf(JobFields(), fields);
  if (auto other = ClusterResourceFields(resource, fields)) return *other;
  if (resource == "filter") return FilterFields(fields);
  if (resource == "network") return NetworkFields(fields);
  if (resource == "os") return OsFields(fields);
  throw OpPrereqError("Resource type '" + resource + "' unknown", kEcodeInval);
}

}  // namespace herd::master
