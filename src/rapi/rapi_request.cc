#include "rapi/rapi_request.h"

#include <boost/json.hpp>
#include <cctype>
#include <set>

#include "base/errors.h"
#include "base/json.h"
#include "luxi/client.h"

namespace herd::rapi {
namespace json = boost::json;

namespace {

// Parameters each opcode takes ('s' string, 'b' bool, 'i' integer, 'd'
// dictionary, 'l' list, 'a' anything; upper case where the parameter is
// required and may not be null), as Ganeti's opcode definitions.
using ParamTable = std::map<std::string, char>;

const ParamTable& CommonParams() {
  static const ParamTable t{{"OP_ID", 's'},    {"dry_run", 'b'}, {"debug_level", 'i'},
                            {"priority", 'i'}, {"depends", 'l'}, {"comment", 'a'},
                            {"reason", 'l'}};
  return t;
}

const std::map<std::string, ParamTable>& OpcodeParams() {
  static const ParamTable instance{{"instance_name", 's'}, {"instance_uuid", 's'}};
  static const ParamTable group_params{
      {"group_name", 's'}, {"alloc_policy", 's'}, {"ndparams", 'd'},  {"diskparams", 'd'},
      {"ipolicy", 'd'},    {"hv_state", 'd'},     {"disk_state", 'd'}};
  auto with = [](ParamTable base, std::initializer_list<std::pair<const std::string, char>> more) {
    base.insert(more);
    return base;
  };
  static const std::map<std::string, ParamTable> table{
      {"OP_INSTANCE_CREATE", with(instance, {{"force_variant", 'b'},
                                             {"wait_for_sync", 'b'},
                                             {"name_check", 'b'},
                                             {"ignore_ipolicy", 'b'},
                                             {"opportunistic_locking", 'b'},
                                             {"beparams", 'd'},
                                             {"disks", 'l'},
                                             {"disk_template", 's'},
                                             {"group_name", 's'},
                                             {"file_driver", 's'},
                                             {"file_storage_dir", 's'},
                                             {"hvparams", 'd'},
                                             {"hypervisor", 's'},
                                             {"iallocator", 's'},
                                             {"identify_defaults", 'b'},
                                             {"ip_check", 'b'},
                                             {"conflicts_check", 'b'},
                                             {"mode", 's'},
                                             {"nics", 'l'},
                                             {"no_install", 'b'},
                                             {"osparams", 'd'},
                                             {"osparams_private", 'd'},
                                             {"osparams_secret", 'd'},
                                             {"os_type", 's'},
                                             {"pnode", 's'},
                                             {"pnode_uuid", 's'},
                                             {"snode", 's'},
                                             {"snode_uuid", 's'},
                                             {"source_handshake", 'a'},
                                             {"source_instance_name", 's'},
                                             {"source_shutdown_timeout", 'i'},
                                             {"source_x509_ca", 's'},
                                             {"src_node", 's'},
                                             {"src_node_uuid", 's'},
                                             {"src_path", 's'},
                                             {"compress", 's'},
                                             {"start", 'b'},
                                             {"forthcoming", 'b'},
                                             {"commit", 'b'},
                                             {"tags", 'l'},
                                             {"instance_communication", 'b'},
                                             {"helper_startup_timeout", 'i'},
                                             {"helper_shutdown_timeout", 'i'}})},
      {"OP_INSTANCE_MULTI_ALLOC",
       {{"opportunistic_locking", 'b'}, {"iallocator", 's'}, {"instances", 'l'}}},
      {"OP_INSTANCE_REMOVE", with(instance, {{"shutdown_timeout", 'i'}, {"ignore_failures", 'b'}})},
      {"OP_INSTANCE_QUERY_DATA", {{"use_locking", 'b'}, {"instances", 'l'}, {"static", 'b'}}},
      {"OP_INSTANCE_REBOOT",
       with(instance,
            {{"shutdown_timeout", 'i'}, {"ignore_secondaries", 'b'}, {"reboot_type", 's'}})},
      {"OP_INSTANCE_STARTUP", with(instance, {{"force", 'b'},
                                              {"ignore_offline_nodes", 'b'},
                                              {"hvparams", 'd'},
                                              {"beparams", 'd'},
                                              {"no_remember", 'b'},
                                              {"startup_paused", 'b'},
                                              {"shutdown_timeout", 'i'}})},
      {"OP_INSTANCE_SHUTDOWN", with(instance, {{"force", 'b'},
                                               {"ignore_offline_nodes", 'b'},
                                               {"timeout", 'i'},
                                               {"no_remember", 'b'},
                                               {"admin_state_source", 's'}})},
      {"OP_INSTANCE_REINSTALL", with(instance, {{"force_variant", 'b'},
                                                {"os_type", 's'},
                                                {"osparams", 'd'},
                                                {"osparams_private", 'd'},
                                                {"osparams_secret", 'd'}})},
      {"OP_INSTANCE_MIGRATE", with(instance, {{"mode", 's'},
                                              {"live", 'b'},
                                              {"target_node", 's'},
                                              {"target_node_uuid", 's'},
                                              {"allow_runtime_changes", 'b'},
                                              {"ignore_ipolicy", 'b'},
                                              {"cleanup", 'b'},
                                              {"iallocator", 's'},
                                              {"allow_failover", 'b'},
                                              {"ignore_hvversions", 'b'}})},
      {"OP_INSTANCE_FAILOVER", with(instance, {{"shutdown_timeout", 'i'},
                                               {"ignore_consistency", 'b'},
                                               {"target_node", 's'},
                                               {"target_node_uuid", 's'},
                                               {"ignore_ipolicy", 'b'},
                                               {"cleanup", 'b'},
                                               {"iallocator", 's'}})},
      {"OP_INSTANCE_RENAME",
       with(instance, {{"new_name", 's'}, {"name_check", 'b'}, {"ip_check", 'b'}})},
      {"OP_INSTANCE_SET_PARAMS", with(instance, {{"force", 'b'},
                                                 {"force_variant", 'b'},
                                                 {"ignore_ipolicy", 'b'},
                                                 {"nics", 'l'},
                                                 {"disks", 'l'},
                                                 {"beparams", 'd'},
                                                 {"runtime_mem", 'a'},
                                                 {"hvparams", 'd'},
                                                 {"disk_template", 's'},
                                                 {"ext_params", 'd'},
                                                 {"file_driver", 's'},
                                                 {"file_storage_dir", 's'},
                                                 {"pnode", 's'},
                                                 {"pnode_uuid", 's'},
                                                 {"remote_node", 's'},
                                                 {"remote_node_uuid", 's'},
                                                 {"iallocator", 's'},
                                                 {"os_name", 's'},
                                                 {"osparams", 'd'},
                                                 {"osparams_private", 'd'},
                                                 {"wait_for_sync", 'b'},
                                                 {"offline", 'b'},
                                                 {"conflicts_check", 'b'},
                                                 {"hotplug", 'b'},
                                                 {"hotplug_if_possible", 'b'},
                                                 {"instance_communication", 'b'}})},
      {"OP_INSTANCE_GROW_DISK", with(instance, {{"wait_for_sync", 'b'},
                                                {"disk", 'i'},
                                                {"amount", 'i'},
                                                {"absolute", 'b'},
                                                {"ignore_ipolicy", 'b'}})},
      {"OP_INSTANCE_CONSOLE", instance},
      {"OP_BACKUP_PREPARE", with(instance, {{"mode", 'S'}})},
      {"OP_BACKUP_EXPORT", with(instance, {{"compress", 's'},
                                           {"shutdown_timeout", 'i'},
                                           {"target_node", 'a'},
                                           {"target_node_uuid", 's'},
                                           {"shutdown", 'b'},
                                           {"remove_instance", 'b'},
                                           {"ignore_remove_failures", 'b'},
                                           {"mode", 's'},
                                           {"x509_key_name", 'a'},
                                           {"destination_x509_ca", 's'},
                                           {"zero_free_space", 'b'},
                                           {"zeroing_timeout_fixed", 'i'},
                                           {"zeroing_timeout_per_mib", 'a'},
                                           {"long_sleep", 'b'}})},
      {"OP_BACKUP_REMOVE", instance},
      {"OP_INSTANCE_ACTIVATE_DISKS",
       with(instance, {{"ignore_size", 'b'}, {"wait_for_sync", 'b'}})},
      {"OP_INSTANCE_DEACTIVATE_DISKS", with(instance, {{"force", 'b'}})},
      {"OP_INSTANCE_RECREATE_DISKS",
       with(instance, {{"disks", 'l'}, {"nodes", 'l'}, {"node_uuids", 'l'}, {"iallocator", 's'}})},
      {"OP_INSTANCE_REPLACE_DISKS", with(instance, {{"early_release", 'b'},
                                                    {"ignore_ipolicy", 'b'},
                                                    {"mode", 'S'},
                                                    {"disks", 'l'},
                                                    {"remote_node", 's'},
                                                    {"remote_node_uuid", 's'},
                                                    {"iallocator", 's'}})},
      {"OP_NODE_SET_PARAMS",
       {{"node_name", 's'},
        {"node_uuid", 's'},
        {"force", 'b'},
        {"hv_state", 'd'},
        {"disk_state", 'd'},
        {"master_candidate", 'b'},
        {"offline", 'b'},
        {"drained", 'b'},
        {"auto_promote", 'b'},
        {"master_capable", 'b'},
        {"vm_capable", 'b'},
        {"secondary_ip", 's'},
        {"ndparams", 'd'},
        {"powered", 'b'}}},
      {"OP_NODE_QUERY_STORAGE",
       {{"output_fields", 'L'}, {"storage_type", 's'}, {"nodes", 'l'}, {"name", 's'}}},
      {"OP_NODE_MODIFY_STORAGE",
       {{"node_name", 'S'},
        {"node_uuid", 's'},
        {"storage_type", 'S'},
        {"name", 's'},
        {"changes", 'D'}}},
      {"OP_REPAIR_NODE_STORAGE",
       {{"node_name", 'S'},
        {"node_uuid", 's'},
        {"storage_type", 'S'},
        {"name", 's'},
        {"ignore_consistency", 'b'}}},
      {"OP_NODE_MIGRATE",
       {{"node_name", 's'},
        {"node_uuid", 's'},
        {"mode", 's'},
        {"live", 'b'},
        {"target_node", 's'},
        {"target_node_uuid", 's'},
        {"allow_runtime_changes", 'b'},
        {"ignore_ipolicy", 'b'},
        {"iallocator", 's'}}},
      {"OP_NODE_EVACUATE",
       {{"early_release", 'b'},
        {"node_name", 's'},
        {"node_uuid", 's'},
        {"remote_node", 's'},
        {"remote_node_uuid", 's'},
        {"iallocator", 's'},
        {"mode", 's'},
        {"ignore_soft_errors", 'b'}}},
      {"OP_GROUP_ADD", group_params},
      {"OP_GROUP_SET_PARAMS", group_params},
      {"OP_GROUP_ASSIGN_NODES", {{"group_name", 's'}, {"force", 'b'}, {"nodes", 'l'}}},
      {"OP_GROUP_RENAME", {{"group_name", 's'}, {"new_name", 's'}}},
      {"OP_GROUP_REMOVE", {{"group_name", 's'}}},
      {"OP_CLUSTER_REDIST_CONF", {}},
      {"OP_CLUSTER_SET_PARAMS",
       {{"force", 'b'},
        {"hv_state", 'd'},
        {"disk_state", 'd'},
        {"vg_name", 's'},
        {"enabled_hypervisors", 'l'},
        {"hvparams", 'd'},
        {"beparams", 'd'},
        {"os_hvp", 'd'},
        {"osparams", 'd'},
        {"osparams_private_cluster", 'd'},
        {"diskparams", 'd'},
        {"candidate_pool_size", 'i'},
        {"max_running_jobs", 'i'},
        {"max_tracked_jobs", 'i'},
        {"uid_pool", 'l'},
        {"add_uids", 'l'},
        {"remove_uids", 'l'},
        {"maintain_node_health", 'b'},
        {"prealloc_wipe_disks", 'b'},
        {"nicparams", 'd'},
        {"ndparams", 'd'},
        {"ipolicy", 'd'},
        {"drbd_helper", 's'},
        {"default_iallocator", 's'},
        {"default_iallocator_params", 'd'},
        {"mac_prefix", 's'},
        {"master_netdev", 's'},
        {"master_netmask", 'i'},
        {"reserved_lvs", 'l'},
        {"hidden_os", 'l'},
        {"blacklisted_os", 'l'},
        {"use_external_mip_script", 'b'},
        {"enabled_disk_templates", 'l'},
        {"modify_etc_hosts", 'b'},
        {"file_storage_dir", 's'},
        {"shared_file_storage_dir", 's'},
        {"gluster_storage_dir", 's'},
        {"install_image", 's'},
        {"instance_communication_network", 's'},
        {"zeroing_image", 's'},
        {"compression_tools", 'l'},
        {"enabled_user_shutdown", 'b'},
        {"enabled_data_collectors", 'd'},
        {"data_collector_interval", 'd'}}},
      {"OP_NETWORK_ADD",
       {{"network_name", 's'},
        {"network", 's'},
        {"gateway", 'a'},
        {"network6", 'a'},
        {"gateway6", 'a'},
        {"mac_prefix", 'a'},
        {"add_reserved_ips", 'a'},
        {"conflicts_check", 'b'},
        {"tags", 'a'}}},
      {"OP_NETWORK_REMOVE", {{"network_name", 's'}, {"force", 'b'}}},
      {"OP_NETWORK_SET_PARAMS",
       {{"network_name", 's'},
        {"gateway", 'a'},
        {"network6", 'a'},
        {"gateway6", 'a'},
        {"mac_prefix", 'a'},
        {"add_reserved_ips", 'a'},
        {"remove_reserved_ips", 'a'}}},
      {"OP_NETWORK_CONNECT",
       {{"network_name", 's'},
        {"group_name", 's'},
        {"network_mode", 's'},
        {"network_link", 's'},
        {"network_vlan", 's'},
        {"conflicts_check", 'b'}}},
      {"OP_NETWORK_DISCONNECT", {{"network_name", 's'}, {"group_name", 's'}}},
      {"OP_TAGS_SET", {{"kind", 's'}, {"name", 's'}, {"tags", 'l'}}},
      {"OP_TAGS_DEL", {{"kind", 's'}, {"name", 's'}, {"tags", 'l'}}},
  };
  return table;
}

bool Required(char type) { return std::isupper(static_cast<unsigned char>(type)) != 0; }

bool HasType(const json::value& v, char type) {
  if (v.is_null()) return !Required(type);  // optional parameters take None
  switch (std::tolower(static_cast<unsigned char>(type))) {
    case 's':
      return v.is_string();
    case 'b':
      return v.is_bool();
    case 'i':
      return v.is_int64() || v.is_uint64();
    case 'd':
      return v.is_object();
    case 'l':
      return v.is_array();
    default:
      return true;
  }
}

const char* TypeName(char type) {
  switch (std::tolower(static_cast<unsigned char>(type))) {
    case 's':
      return "a string";
    case 'b':
      return "a boolean";
    case 'i':
      return "an integer";
    case 'd':
      return "a dictionary";
    case 'l':
      return "a list";
    default:
      return "any value";
  }
}

}  // namespace

int64_t RapiRequest::QueryInt(const std::string& name, int64_t fallback) const {
  auto it = query.find(name);
  if (it == query.end() || it->second.empty()) return fallback;
  const std::string& text = it->second.front();
  try {
    size_t used = 0;
    int64_t v = std::stoll(text, &used);
    if (used == text.size()) return v;
  } catch (const std::exception&) {
  }
  throw HttpError(400, "Parameter '" + name + "' must be an integer (got '" + text + "')");
}

std::string RapiRequest::QueryString(const std::string& name, const std::string& fallback) const {
  auto it = query.find(name);
  return it == query.end() || it->second.empty() ? fallback : it->second.front();
}

const json::object& RapiRequest::BodyObject() const {
  static const json::object empty;
  if (body.is_null()) return empty;
  if (!body.is_object()) throw HttpError(400, "Invalid body contents, not a dictionary");
  return body.get_object();
}

json::value Luxi(const RapiRequest& req, const char* method, json::array args) {
  try {
    luxi::Client client(req.paths->MasterSocket(), 60);
    return client.Call(method, args);
  } catch (const GanetiError& e) {
    const auto& a = e.args();
    std::string message = a.empty() ? e.what() : a[0];
    if (e.error_class() == "OpPrereqError" && a.size() > 1 && a[1] == kEcodeNoEnt) {
      throw HttpError(404, message);
    }
    if (e.error_class() == "OpPrereqError" || e.error_class() == "QueryFilterParseError" ||
        e.error_class() == "ParameterError" || e.error_class() == "OpCodeUnknown") {
      throw HttpError(400, message);
    }
    if (e.error_class() == "LuxiError" || e.error_class() == "ProtocolError") {
      throw HttpError(502, "Can't contact the master daemon: " + message);
    }
    throw HttpError(500, message);
  }
}

json::value SubmitJob(const RapiRequest& req, json::array opcodes) {
  json::array args;
  args.push_back(std::move(opcodes));  // a braced {opcodes} would copy the list itself
  return Luxi(req, "SubmitJob", std::move(args));
}

json::object FillOpcode(const std::string& op_id, const json::object& body,
                        const json::object& fixed,
                        const std::map<std::string, std::string>& rename) {
  const auto& table = OpcodeParams().at(op_id);
  json::object op;
  for (const auto& kv : body) {
    std::string key(kv.key());
    if (auto r = rename.find(key); r != rename.end()) {
      if (body.contains(r->second)) {
        throw HttpError(400, "Parameter '" + key + "' was renamed to '" + r->second +
                                 "', but both are specified");
      }
      key = r->second;
    }
    if (fixed.contains(key)) {
      throw HttpError(400, "Can't overwrite static parameters {'" + key + "'}");
    }
    op[key] = kv.value();
  }
  for (const auto& kv : fixed) op[kv.key()] = kv.value();
  op["OP_ID"] = op_id;
  for (const auto& [key, type] : table) {
    const auto* value = op.if_contains(key);
    if (Required(type) && (!value || value->is_null())) {
      throw HttpError(
          400, "Invalid body parameters: required parameter '" + op_id + "." + key + "' missing");
    }
  }
  for (const auto& kv : op) {
    std::string key(kv.key());
    auto it = table.find(key);
    char type = 'a';
    if (it != table.end()) {
      type = it->second;
    } else if (auto c = CommonParams().find(key); c != CommonParams().end()) {
      type = c->second;
    } else {
      throw HttpError(400,
                      "Invalid body parameters: parameter '" + key + "' is not known by " + op_id);
    }
    if (!HasType(kv.value(), type)) {
      throw HttpError(400, "Invalid body parameters: parameter '" + key + "' of " + op_id +
                               " must be " + TypeName(type) + ", got " + SerializeJson(kv.value()));
    }
  }
  return op;
}

json::array CommaList(const std::string& text) {
  json::array parts;
  size_t start = 0;
  for (;;) {
    size_t comma = text.find(',', start);
    parts.push_back(json::value(text.substr(start, comma - start)));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return parts;
}

std::vector<std::vector<json::value>> QueryRows(const RapiRequest& req, const std::string& resource,
                                                const std::vector<std::string>& fields,
                                                json::value filter) {
  json::array field_list;
  for (const auto& f : fields) field_list.push_back(json::value(f));
  json::array args;
  args.push_back(json::value(resource));
  args.push_back(std::move(field_list));
  args.push_back(std::move(filter));
  json::value result = Luxi(req, "Query", std::move(args));
  std::vector<std::vector<json::value>> rows;
  for (const auto& row : result.as_object().at("data").as_array()) {
    std::vector<json::value> values;
    for (const auto& cell : row.as_array()) {
      const auto& c = cell.as_array();
      values.push_back(c[0].to_number<int64_t>() == 0 && c.size() > 1 ? c[1] : json::value());
    }
    rows.push_back(std::move(values));
  }
  return rows;
}

json::object ZipFields(const std::vector<std::string>& fields,
                       const std::vector<json::value>& row) {
  json::object out;
  for (size_t i = 0; i < fields.size() && i < row.size(); ++i) out[fields[i]] = row[i];
  return out;
}

json::array UriList(const std::vector<std::string>& names, const std::string& pattern,
                    const char* id_key) {
  json::array out;
  for (const auto& n : names) {
    std::string uri = pattern;
    uri.replace(uri.find("%s"), 2, n);
    out.push_back(json::object{{id_key, n}, {"uri", uri}});
  }
  return out;
}

json::value CollectionGet(const RapiRequest& req, const std::string& resource,
                          const std::vector<std::string>& fields, const std::string& name_field,
                          const std::string& pattern, const char* id_key) {
  if (req.Bulk()) {
    json::array out;
    for (const auto& row : QueryRows(req, resource, fields)) out.push_back(ZipFields(fields, row));
    return out;
  }
  std::vector<std::string> names;
  for (const auto& row : QueryRows(req, resource, {name_field})) {
    names.emplace_back(row[0].as_string());
  }
  return UriList(names, pattern, id_key);
}

}  // namespace herd::rapi
