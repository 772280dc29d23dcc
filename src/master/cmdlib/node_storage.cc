// Storage units of nodes: OP_NODE_QUERY_STORAGE (gnt-node list-storage),
// OP_NODE_MODIFY_STORAGE, OP_REPAIR_NODE_STORAGE and OP_NODE_QUERYVOLS
// (gnt-node volumes), with Ganeti's checks. Herd's nodes hold file-based
// storage only: no LVM volume groups, physical or logical volumes.
#include <boost/json.hpp>
#include <set>

#include "base/errors.h"
#include "base/json.h"
#include "base/nice_sort.h"
#include "master/cmdlib/common.h"
#include "master/cmdlib/node.h"
#include "objects/config_data.h"

namespace herd::master {
namespace {

const std::set<std::string> kStorageTypes{"lvm-pv",  "lvm-vg",   "diskless", "file", "sharedfile",
                                          "gluster", "blockdev", "rados",    "ext"};
const std::set<std::string> kStorageFields{"name",        "size", "used", "free",
                                           "allocatable", "type", "node"};

std::string StorageTypeOfTemplate(const std::string& t) {
  if (t == "plain" || t == "drbd") return "lvm-vg";
  if (t == "rbd") return "rados";
  return t;  // diskless, file, sharedfile, gluster, blockdev, ext
}

std::string CheckedStorageType(const json::object& op) {
  const std::string type = RequiredString(op, "storage_type");
  if (!kStorageTypes.count(type)) {
    throw OpPrereqError("Unknown storage type: " + type, kEcodeInval);
  }
  return type;
}

// Ganeti's CheckStorageTypeEnabled.
void CheckStorageTypeEnabled(const objects::Cluster& c, const std::string& type) {
  const std::string wanted = type == "lvm-pv" ? "lvm-vg" : type;
  for (const auto& t : c.enabled_disk_templates) {
    if (StorageTypeOfTemplate(t) == wanted) return;
  }
  std::string enabled;
  for (const auto& t : c.enabled_disk_templates) enabled += (enabled.empty() ? "" : ",") + t;
  throw OpPrereqError("No disk template of storage type '" + wanted +
                          "' is enabled in this cluster. Enabled disk templates are: " + enabled,
                      kEcodeInval);
}

std::vector<const objects::Node*> WantedNodes(const objects::ConfigData& d,
                                              const std::vector<std::string>& names) {
  std::vector<const objects::Node*> nodes;
  if (names.empty()) {
    for (const auto& [uuid, n] : d.nodes) nodes.push_back(&n);
  } else {
    for (const auto& name : names) nodes.push_back(&ExpandNode(d, name));
  }
  std::sort(nodes.begin(), nodes.end(),
            [](const auto* a, const auto* b) { return NiceLess(a->name, b->name); });
  return nodes;
}

}  // namespace

json::value NodeQueryStorage(LuContext& ctx, const json::object& op) {
  const auto output_fields = StringListParam(op, "output_fields");
  for (const auto& f : output_fields) {
    if (!kStorageFields.count(f)) {
      throw OpPrereqError("Unknown output fields selected: " + f, kEcodeInval);
    }
  }
  const auto node_names = StringListParam(op, "nodes");
  const auto name = OptionalString(op, "name");
  AcquireBgl(ctx, true);
  std::string type;
  std::vector<objects::Node> nodes;
  json::array st_args;
  ctx.config.Read([&](const objects::ConfigData& d) {
    if (auto given = OptionalString(op, "storage_type")) {
      type = CheckedStorageType(op);
      CheckStorageTypeEnabled(d.cluster, type);
    } else {
      type = d.cluster.enabled_disk_templates.empty()
                 ? "diskless"
                 : StorageTypeOfTemplate(d.cluster.enabled_disk_templates.front());
      static const std::set<std::string> reporting{"lvm-vg", "gluster", "lvm-pv", "file",
                                                   "sharedfile"};
      if (!reporting.count(type)) {
        throw OpPrereqError("Storage reporting for storage type '" + type +
                                "' is not supported. Please use the --storage-type option to "
                                "specify one of the supported storage types (file, gluster, "
                                "lvm-pv, lvm-vg, sharedfile) or set the default disk template "
                                "to one that supports storage reporting.",
                            kEcodeInval);
      }
    }
    for (const auto* n : WantedNodes(d, node_names)) nodes.push_back(*n);
    if (type == "file") st_args.push_back(json::array{json::value(d.cluster.file_storage_dir)});
    if (type == "sharedfile") {
      st_args.push_back(json::array{json::value(d.cluster.shared_file_storage_dir)});
    }
    if (type == "gluster")
      st_args.push_back(json::array{json::value(d.cluster.gluster_storage_dir)});
  });
  ctx.op.NotifyStart();
  // Always get the name to sort by; node and type are known here only.
  std::vector<std::string> fields{"name"};
  for (const auto& f : output_fields) {
    if (f != "name" && f != "node" && f != "type") fields.push_back(f);
  }
  json::array wanted;
  for (const auto& f : fields) wanted.emplace_back(f);
  std::vector<const objects::Node*> online;
  for (const auto& n : nodes) {
    if (!n.offline) online.push_back(&n);
  }
  auto answers = ctx.rpc.CallParallel(
      AddressesOf(online), rpc::procedures::kStorageList,
      json::array{json::value(type), st_args, name ? json::value(*name) : json::value(), wanted});
  json::array result;
  for (size_t i = 0; i < online.size(); ++i) {
    if (!answers[i].ok) {
      ctx.Feedback("Warning: Can't get storage data from node " + online[i]->name + ": " +
                   answers[i].error);
      continue;
    }
    std::vector<json::array> rows;
    for (const auto& row : AsArray(answers[i].payload, "storage_list"))
      rows.push_back(row.as_array());
    std::sort(rows.begin(), rows.end(), [](const json::array& a, const json::array& b) {
      return NiceLess(std::string(a[0].as_string()), std::string(b[0].as_string()));
    });
    for (const auto& row : rows) {
      json::array out;
      for (const auto& f : output_fields) {
        if (f == "node") {
          out.emplace_back(online[i]->name);
        } else if (f == "type") {
          out.emplace_back(type);
        } else {
          const auto at = std::find(fields.begin(), fields.end(), f) - fields.begin();
          out.push_back(row.at(static_cast<size_t>(at)));
        }
      }
      result.push_back(std::move(out));
    }
  }
  return result;
}

json::value NodeModifyStorage(LuContext& ctx, const json::object& op) {
  const std::string type = CheckedStorageType(op);
  const auto node = RequiredString(op, "node_name");
  ctx.config.Read([&](const objects::ConfigData& d) { ExpandNode(d, node); });
  if (type != "lvm-pv") {
    throw OpPrereqError("Storage units of type '" + type + "' can not be modified", kEcodeInval);
  }
  // Only LVM physical volumes have a modifiable field (allocatable).
  throw OpPrereqError("Herd's nodes have no LVM physical volumes to modify", kEcodeEnviron);
}

json::value RepairNodeStorage(LuContext& ctx, const json::object& op) {
  const std::string type = CheckedStorageType(op);
  const auto node = RequiredString(op, "node_name");
  ctx.config.Read([&](const objects::ConfigData& d) { ExpandNode(d, node); });
  if (type != "lvm-vg") {
    throw OpPrereqError("Storage units of type '" + type + "' can not be repaired", kEcodeInval);
  }
  throw OpPrereqError("Herd's nodes have no LVM volume groups to repair", kEcodeEnviron);
}

json::value NodeQueryvols(LuContext& ctx, const json::object& op) {
  static const std::set<std::string> known{"node", "phys", "vg", "name", "size", "instance"};
  for (const auto& f : StringListParam(op, "output_fields")) {
    if (!known.count(f)) throw OpPrereqError("Unknown output fields selected: " + f, kEcodeInval);
  }
  ctx.config.Read(
      [&](const objects::ConfigData& d) { WantedNodes(d, StringListParam(op, "nodes")); });
  ctx.op.NotifyStart();
  return json::array{};  // file-based disks are no logical volumes
}

}  // namespace herd::master
