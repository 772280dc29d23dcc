#include "master/query/cluster_queries.h"

#include <boost/json.hpp>

#include "base/errors.h"
#include "base/files.h"
#include "base/json.h"
#include "base/nice_sort.h"
#include "base/watcher_pause.h"
#include "master/cmdlib/cluster.h"
#include "master/cmdlib/common.h"
#include "master/jobs/job_storage.h"
#include "master/query/resource_queries.h"
#include "objects/config_data.h"
#include "query/query_result.h"

namespace herd::master {
namespace {
using query::FieldTable;
using query::FieldValue;
using query::ResultStatus;
namespace q = herd::query;

// The cluster: QueryClusterInfo's dict plus the queue's drain flag.
struct ClusterRow {
  json::object info;
  bool drain_flag = false;
  std::optional<double> watcher_paused_until;
};

const FieldTable<ClusterRow>& ClusterFields() {
  static const FieldTable<ClusterRow> table = [] {
    FieldTable<ClusterRow> t;
    auto info = [](const char* key) {
      return [key](const ClusterRow& r) {
        auto it = r.info.find(key);
        return it == r.info.end() ? FieldValue::Status(ResultStatus::kUnavail)
                                  : FieldValue::Of(it->value());
      };
    };
    t.Add("tags", "Tags", q::kOther, "Tags", info("tags"));
    t.Add("architecture", "ArchInfo", q::kOther,
          "Architecture information (bits, processor) of the master node", info("architecture"));
    t.Add("drain_flag", "QueueDrained", q::kBool,
          "Whether job queue is drained (new jobs are refused)",
          [](const ClusterRow& r) { return FieldValue::Of(r.drain_flag); });
    t.Add("watcher_pause", "WatcherPause", q::kTimestamp, "Until when the watcher is paused",
          [](const ClusterRow& r) {
            return r.watcher_paused_until ? FieldValue::Of(*r.watcher_paused_until)
                                          : FieldValue::Of(nullptr);
          });
    t.Add("master_node", "Master", q::kText, "Master node name", info("master"));
    t.Add("cluster_name", "Name", q::kText, "Cluster name", info("name"));
    t.Add("volume_group_name", "VgName", q::kText, "LVM volume group name",
          info("volume_group_name"));
    t.Add("software_version", "SoftwareVersion", q::kText, "Software version",
          info("software_version"));
    t.Add("protocol_version", "ProtocolVersion", q::kNumber, "RPC protocol version",
          info("protocol_version"));
    t.Add("config_version", "ConfigVersion", q::kNumber, "Configuration format version",
          info("config_version"));
    t.Add("os_api_version", "OsApiVersion", q::kNumber, "API version for OS template scripts",
          info("os_api_version"));
    t.Add("export_version", "ExportVersion", q::kNumber, "Import/export file format version",
          info("export_version"));
    t.Add("vcs_version", "VCSVersion", q::kText, "VCS version", info("vcs_version"));
    t.Add("ctime", "CTime", q::kTimestamp, "Creation timestamp", info("ctime"));
    t.Add("mtime", "MTime", q::kTimestamp, "Modification timestamp", info("mtime"));
    t.Add("name", "Name", q::kText, "Cluster name", info("name"));
    return t;
  }();
  return table;
}

// One export of one node, or a node that could not say (`status`).
struct ExportRow {
  std::string node, name;
  ResultStatus status = ResultStatus::kNormal;
};

const FieldTable<ExportRow>& ExportFields() {
  static const FieldTable<ExportRow> table = [] {
    FieldTable<ExportRow> t;
    t.Add("node", "Node", q::kText, "Node name",
          [](const ExportRow& r) { return FieldValue::Of(json::value(r.node)); });
    t.Add("export", "Export", q::kText, "Export name", [](const ExportRow& r) {
      return r.status == ResultStatus::kNormal ? FieldValue::Of(json::value(r.name))
                                               : FieldValue::Status(r.status);
    });
    return t;
  }();
  return table;
}

const FieldTable<locking::LockStatus>& LockFields() {
  static const FieldTable<locking::LockStatus> table = [] {
    FieldTable<locking::LockStatus> t;
    auto owners = [](const std::vector<locking::OwnerId>& ids) {
      json::array a;
      for (const auto& id : ids) a.emplace_back(id);
      return a;
    };
    t.Add("name", "Name", q::kText, "Lock name",
          [](const locking::LockStatus& l) { return FieldValue::Of(json::value(l.name)); });
    t.Add("mode", "Mode", q::kOther, "Mode in which the lock is currently acquired",
          [](const locking::LockStatus& l) {
            return FieldValue::Of(l.mode.empty() ? json::value() : json::value(l.mode));
          });
    t.Add("owner", "Owner", q::kOther, "Current lock owner(s)",
          [owners](const locking::LockStatus& l) {
            return FieldValue::Of(l.owners.empty() ? json::value() : json::value(owners(l.owners)));
          });
    t.Add("pending", "Pending", q::kOther, "Jobs waiting for the lock",
          [owners](const locking::LockStatus& l) {
            json::array pending;
            for (const auto& [mode, ids] : l.pending) {
              pending.push_back(json::array{json::value(mode), owners(ids)});
            }
            return FieldValue::Of(std::move(pending));
          });
    return t;
  }();
  return table;
}

struct ExtStorageRow {};

const FieldTable<ExtStorageRow>& ExtStorageFields() {
  static const FieldTable<ExtStorageRow> table = [] {
    FieldTable<ExtStorageRow> t;
    auto none = [](const ExtStorageRow&) { return FieldValue::Status(ResultStatus::kUnavail); };
    t.Add("name", "Name", q::kText, "ExtStorage provider name", none);
    t.Add("node_status", "NodeStatus", q::kOther, "Status from node", none);
    t.Add("nodegroup_status", "NodegroupStatus", q::kOther, "Overall Nodegroup status", none);
    t.Add("parameters", "Parameters", q::kOther, "ExtStorage provider parameters", none);
    return t;
  }();
  return table;
}

}  // namespace

json::value QueryCluster(const QueryRequest& request, const QuerySources& sources) {
  std::vector<ClusterRow> rows(1);
  rows[0].info = sources.config.Read([](const objects::ConfigData& d) { return ClusterInfo(d); });
  rows[0].drain_flag = sources.queue
                           ? sources.queue->DrainFlag()
                           : FileExists(jobs::JobStorage::DrainFile(sources.paths.QueueDir()));
  rows[0].watcher_paused_until = WatcherPausedUntil(sources.paths);
  return query::RunQuery(ClusterFields(), request.fields, rows, request.filter);
}

json::value QueryExports(const QueryRequest& request, const ConfigStore& config,
                         rpc::NodeRpcClient& rpc) {
  std::vector<objects::Node> nodes = config.Read([](const objects::ConfigData& d) {
    std::vector<objects::Node> out;
    for (const auto& [uuid, n] : d.nodes) out.push_back(n);
    return out;
  });
  std::sort(nodes.begin(), nodes.end(),
            [](const auto& a, const auto& b) { return NiceLess(a.name, b.name); });
  std::vector<const objects::Node*> online;
  for (const auto& n : nodes) {
    if (!n.offline) online.push_back(&n);
  }
  auto answers = rpc.CallParallel(AddressesOf(online), rpc::procedures::kExportList, {});
  std::vector<ExportRow> rows;
  size_t next = 0;
  for (const auto& n : nodes) {
    if (n.offline) {
      rows.push_back({n.name, "", ResultStatus::kOffline});
      continue;
    }
    const auto& answer = answers[next++];
    const auto* names = answer.ok ? answer.payload.if_array() : nullptr;
    if (!names) {
      rows.push_back({n.name, "", ResultStatus::kNoData});
      continue;
    }
    for (const auto& name : *names) {
      if (name.is_string()) rows.push_back({n.name, std::string(name.get_string())});
    }
  }
  return query::RunQuery(ExportFields(), request.fields, rows, request.filter);
}

json::value QueryLocks(const QueryRequest& request, const locking::LockManager& locks) {
  const std::vector<locking::LockStatus> rows = locks.Status();
  return query::RunQuery(LockFields(), request.fields, rows, request.filter);
}

json::value QueryExtStorage(const QueryRequest& request) {
  return query::RunQuery(ExtStorageFields(), request.fields, std::vector<const ExtStorageRow*>{},
                         request.filter);
}

std::optional<json::value> ClusterResourceFields(const std::string& resource,
                                                 const std::vector<std::string>& fields) {
  if (resource == "cluster") return query::FieldsOf(ClusterFields(), fields);
  if (resource == "export") return query::FieldsOf(ExportFields(), fields);
  if (resource == "lock") return query::FieldsOf(LockFields(), fields);
  if (resource == "extstorage") return query::FieldsOf(ExtStorageFields(), fields);
  return std::nullopt;
}

}  // namespace herd::master
