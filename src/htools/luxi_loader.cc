#include "htools/luxi_loader.h"

#include <algorithm>
#include <boost/json.hpp>
#include <map>

#include "base/errors.h"
#include "htools/json_fields.h"
#include "luxi/client.h"

namespace herd::htools {
namespace json = boost::json;
namespace {

// One row of a query2 answer: fields by name, each a (status, value) pair.
class Row {
 public:
  Row(const json::value& row, const std::vector<std::string>& fields, const std::string& where,
      const char* kind, size_t position)
      : fields_(fields), reader_(where, std::string(kind) + " #" + std::to_string(position + 1)) {
    if (!row.is_array()) reader_.Fail("", "the query row is not a list");
    cells_ = &row.get_array();
    if (cells_->size() != fields.size()) {
      reader_.Fail("", "the query row has " + std::to_string(cells_->size()) +
                           " fields, expected " + std::to_string(fields.size()));
    }
    auto check_pair = [&](size_t i) {
      const auto& cell = (*cells_)[i];
      if (!cell.is_array() || cell.get_array().size() != 2) {
        reader_.Fail(fields[i], "expected a (status, value) pair");
      }
    };
    // The name first, so that later errors can name the object.
    const size_t name_index = std::find(fields.begin(), fields.end(), "name") - fields.begin();
    check_pair(name_index);
    name_ = reader_.String(Value("name"), "name");
    reader_ = FieldReader(where, std::string(kind) + " '" + name_ + "'");
    for (size_t i = 0; i < cells_->size(); ++i) check_pair(i);
  }

  const std::string& name() const { return name_; }
  const FieldReader& reader() const { return reader_; }

  // The value of `field`; a status other than normal is an error, as in Ganeti.
  const json::value& Value(const std::string& field) const {
    const std::string* error = Problem(field);
    if (error) reader_.Fail(field, *error);
    return Cell(field).get_array()[1];
  }
  // The value if its status is normal, else nullptr.
  const json::value* IfNormal(const std::string& field) const {
    return Problem(field) ? nullptr : &Cell(field).get_array()[1];
  }

 private:
  const json::value& Cell(const std::string& field) const {
    for (size_t i = 0; i < fields_.size(); ++i) {
      if (fields_[i] == field) return (*cells_)[i];
    }
    throw ProgrammerError("query field '" + field + "' was not requested");
  }
  const std::string* Problem(const std::string& field) const {
    static const std::string kMessages[] = {"", "unknown field", "no data for the field",
                                            "Ganeti reports unavailable data",
                                            "Ganeti reports the resource as offline"};
    static const std::string kBadStatus = "invalid result status";
    const auto& status = Cell(field).get_array()[0];
    if (!status.is_int64() || status.get_int64() < 0 || status.get_int64() > 4) {
      return &kBadStatus;
    }
    return status.get_int64() == 0 ? nullptr : &kMessages[status.get_int64()];
  }

  const std::vector<std::string>& fields_;
  FieldReader reader_;
  const json::array* cells_ = nullptr;
  std::string name_;
};

const json::array& Rows(const json::value& result, const std::string& where) {
  if (!result.is_object()) throw ParameterError(where + ": the query result is not an object");
  auto it = result.get_object().find("data");
  if (it == result.get_object().end()) throw ParameterError(where + ": no 'data' in the result");
  if (!it->value().is_array()) throw ParameterError(where + ": 'data' is not a list");
  return it->value().get_array();
}

Group ParseGroup(const Row& r) {
  const auto& f = r.reader();
  Group g;
  g.name = r.name();
  g.uuid = f.String(r.Value("uuid"), "uuid");
  g.alloc_policy = f.OneOf(r.Value("alloc_policy"), "alloc_policy", kAllocPolicyNames);
  g.ipolicy = f.Policy(r.Value("ipolicy"), "ipolicy");
  g.tags = f.Strings(r.Value("tags"), "tags");
  return g;  // Ganeti's LUXI backend does not read the group's networks
}

Node ParseNode(const Row& r, const std::map<std::string, int>& group_by_uuid) {
  const auto& f = r.reader();
  Node n;
  n.name = r.name();
  const bool offline = f.Bool(r.Value("offline"), "offline");
  const bool drained = f.Bool(r.Value("drained"), "drained");
  const bool vm_capable = f.Bool(r.Value("vm_capable"), "vm_capable");
  const std::string uuid = f.String(r.Value("group.uuid"), "group.uuid");
  auto group = group_by_uuid.find(uuid);
  if (group == group_by_uuid.end()) f.Fail("group.uuid", "unknown group '" + uuid + "'");
  n.group = group->second;
  n.tags = f.Strings(r.Value("tags"), "tags");
  n.exclusive_storage = f.Bool(r.Value("ndp/exclusive_storage"), "ndp/exclusive_storage");
  n.cpu_speed = f.Number(r.Value("ndp/cpu_speed"), "ndp/cpu_speed");
  // An offline or non-vm-capable node reports no resources: they count as zero.
  const bool live = !offline && vm_capable;
  if (n.exclusive_storage) {
    n.spindles = live ? f.Int(r.Value("sptotal"), "sptotal") : 0;
  } else {
    n.spindles = f.Int(r.Value("ndp/spindle_count"), "ndp/spindle_count");
  }
  // A value Ganeti may lack (no spindles, no disk storage, e.g. only
  // sharedfile enabled) counts as zero rather than failing the load.
  auto lenient_int = [&](const char* field) -> int64_t {
    const json::value* v = r.IfNormal(field);
    if (!v || !(v->is_int64() || v->is_uint64() || v->is_double())) return 0;
    return f.Int(*v, field);
  };
  if (live) {
    n.free_spindles = lenient_int("spfree");
    n.total_memory = f.Number(r.Value("mtotal"), "mtotal");
    n.node_memory = static_cast<double>(f.Int(r.Value("mnode"), "mnode"));
    n.free_memory = static_cast<double>(f.Int(r.Value("mfree"), "mfree"));
    const json::value* dtotal = r.IfNormal("dtotal");
    n.total_disk = dtotal && dtotal->is_number() ? dtotal->to_number<double>() : 0;
    n.free_disk = static_cast<double>(lenient_int("dfree"));
    n.total_cpus = f.Number(r.Value("ctotal"), "ctotal");
    n.node_cpus = static_cast<double>(f.Int(r.Value("cnos"), "cnos"));
  } else {
    n.node_cpus = 0;
  }
  n.offline = !live || drained;  // htools place nothing on drained nodes either
  return n;
}

Instance ParseInstance(const Row& r, const std::map<std::string, int>& node_by_name) {
  const auto& f = r.reader();
  Instance inst;
  inst.name = r.name();
  inst.disk = f.Int(r.Value("disk_usage"), "disk_usage");
  inst.memory = f.Int(r.Value("be/memory"), "be/memory");
  inst.vcpus = f.Int(r.Value("be/vcpus"), "be/vcpus");
  const std::string pnode = f.String(r.Value("pnode"), "pnode");
  auto primary = node_by_name.find(pnode);
  if (primary == node_by_name.end()) f.Fail("pnode", "unknown node '" + pnode + "'");
  inst.primary = primary->second;
  const auto snodes = f.Strings(r.Value("snodes"), "snodes");
  if (!snodes.empty()) {
    auto secondary = node_by_name.find(snodes.front());
    if (secondary == node_by_name.end()) {
      f.Fail("snodes", "unknown node '" + snodes.front() + "'");
    }
    inst.secondary = secondary->second;
  }
  inst.status = f.OneOf(r.Value("status"), "status", kInstanceStatusNames);
  inst.tags = f.Strings(r.Value("tags"), "tags");
  inst.auto_balance = f.Bool(r.Value("be/auto_balance"), "be/auto_balance");
  inst.disk_template = f.OneOf(r.Value("disk_template"), "disk_template", kDiskTemplateNames);
  inst.spindle_use = f.Int(r.Value("be/spindle_use"), "be/spindle_use");
  const auto sizes = f.Ints(r.Value("disk.sizes"), "disk.sizes");
  const auto spindles = f.OptionalInts(r.Value("disk.spindles"), "disk.spindles");
  inst.spindles = SumDiskSpindles(sizes, spindles);
  inst.forthcoming = f.Bool(r.Value("forthcoming"), "forthcoming");
  return inst;
}

json::value Query(luxi::Client& client, const char* what, const std::vector<std::string>& fields) {
  json::array names;
  for (const auto& f : fields) names.emplace_back(f);
  return client.Call("Query", json::array{what, std::move(names), nullptr});
}

}  // namespace

const std::vector<std::string>& LuxiNodeFields() {
  static const std::vector<std::string> fields{"name",       "mtotal",     "mnode",
                                               "mfree",      "dtotal",     "dfree",
                                               "ctotal",     "cnos",       "offline",
                                               "drained",    "vm_capable", "ndp/spindle_count",
                                               "group.uuid", "tags",       "ndp/exclusive_storage",
                                               "sptotal",    "spfree",     "ndp/cpu_speed"};
  return fields;
}

const std::vector<std::string>& LuxiInstanceFields() {
  static const std::vector<std::string> fields{
      "name",           "disk_usage", "be/memory",     "be/vcpus",        "status",
      "pnode",          "snodes",     "tags",          "be/auto_balance", "disk_template",
      "be/spindle_use", "disk.sizes", "disk.spindles", "forthcoming"};
  return fields;
}

const std::vector<std::string>& LuxiGroupFields() {
  static const std::vector<std::string> fields{"uuid", "name", "alloc_policy", "ipolicy", "tags"};
  return fields;
}

ClusterData ParseLuxiData(const json::value& nodes_result, const json::value& instances_result,
                          const json::value& groups_result, const json::value& cluster_info_result,
                          const std::string& source) {
  ClusterData data;
  const std::string groups_where = source + " (Query group)";
  std::map<std::string, int> group_by_uuid;
  const auto& group_rows = Rows(groups_result, groups_where);
  for (size_t i = 0; i < group_rows.size(); ++i) {
    Row r(group_rows[i], LuxiGroupFields(), groups_where, "group", i);
    Group g = ParseGroup(r);
    if (!group_by_uuid.emplace(g.uuid, static_cast<int>(data.groups.size())).second) {
      r.reader().Fail("uuid", "group uuid '" + g.uuid + "' is repeated");
    }
    data.groups.push_back(std::move(g));
  }

  const std::string nodes_where = source + " (Query node)";
  std::map<std::string, int> node_by_name;
  const auto& node_rows = Rows(nodes_result, nodes_where);
  for (size_t i = 0; i < node_rows.size(); ++i) {
    Row r(node_rows[i], LuxiNodeFields(), nodes_where, "node", i);
    if (!node_by_name.emplace(r.name(), static_cast<int>(data.nodes.size())).second) {
      r.reader().Fail("name", "node '" + r.name() + "' is repeated");
    }
    data.nodes.push_back(ParseNode(r, group_by_uuid));
  }

  const std::string instances_where = source + " (Query instance)";
  std::map<std::string, int> seen_instances;
  const auto& instance_rows = Rows(instances_result, instances_where);
  for (size_t i = 0; i < instance_rows.size(); ++i) {
    Row r(instance_rows[i], LuxiInstanceFields(), instances_where, "instance", i);
    if (!seen_instances.emplace(r.name(), static_cast<int>(i)).second) {
      r.reader().Fail("name", "instance '" + r.name() + "' is repeated");
    }
    data.instances.push_back(ParseInstance(r, node_by_name));
  }

  FieldReader cluster(source + " (QueryClusterInfo)", "cluster");
  const auto& o = cluster.Object(cluster_info_result, "");
  auto member = [&](const char* key) -> const json::value& {
    auto it = o.find(key);
    if (it == o.end()) cluster.Fail(key, "missing");
    return it->value();
  };
  data.cluster_tags = cluster.Strings(member("tags"), "tags");
  data.cluster_ipolicy = cluster.Policy(member("ipolicy"), "ipolicy");
  const std::string master = cluster.String(member("master"), "master");
  cluster.OneOf(member("default_hypervisor"), "default_hypervisor", kHypervisorNames);
  auto m = node_by_name.find(master);
  if (m == node_by_name.end()) cluster.Fail("master", "master node '" + master + "' is unknown");
  data.nodes[m->second].master = true;
  return data;
}

ClusterData LoadLuxi(const std::string& socket_path) {
  luxi::Client client(socket_path);
  json::value nodes = Query(client, "node", LuxiNodeFields());
  json::value instances = Query(client, "instance", LuxiInstanceFields());
  json::value cluster_info = client.Call("QueryClusterInfo", json::array{});
  json::value groups = Query(client, "group", LuxiGroupFields());
  return ParseLuxiData(nodes, instances, groups, cluster_info, "LUXI " + socket_path);
}

}  // namespace herd::htools
