// OP_CLUSTER_SET_PARAMS ("gnt-cluster modify"): every cluster-wide setting,
// checked as Ganeti's LUClusterSetParams checks it, changed in one commit.
#include <boost/json.hpp>
#include <regex>
#include <set>

#include "base/errors.h"
#include "base/json.h"
#include "master/cmdlib/cluster.h"
#include "master/cmdlib/common.h"
#include "master/cmdlib/instance_params.h"
#include "master/cmdlib/node.h"
#include "master/cmdlib/param_types.h"
#include "master/iallocator/runner.h"
#include "objects/config_data.h"
#include "objects/defaults.h"
#include "objects/params.h"

namespace herd::master {
namespace {

// The hypervisors and disk templates Herd's nodes can run.
const std::set<std::string> kSupportedHypervisors{"fake"};
const std::set<std::string> kSupportedDiskTemplates{"diskless", "file", "sharedfile"};

bool Given(const json::object& op, const char* name) {
  auto it = op.find(name);
  return it != op.end() && !it->value().is_null();
}

int64_t PositiveInt(const json::object& op, const char* name) {
  const json::value& v = op.at(name);
  if (!v.is_int64() || v.get_int64() < 1) {
    throw OpPrereqError(std::string("Parameter '") + name + "' must be a positive integer",
                        kEcodeInval);
  }
  return v.get_int64();
}

std::string Joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

// {hypervisor: {key: value}} with Herd's hypervisors only and each one's own
// parameter names and types.
json::object CheckedPerHypervisor(const json::object& changes) {
  json::object checked;
  for (const auto& [hv, params] : changes) {
    const std::string name(hv);
    if (!kSupportedHypervisors.count(name)) {
      throw OpPrereqError("Hypervisor '" + name + "' is not supported by Herd's nodes (fake)",
                          kEcodeInval);
    }
    checked[hv] =
        params.is_object() ? json::value(CheckedHvParams(name, params.get_object())) : params;
  }
  return checked;
}

// {name: {key: value}} updates merged into `current` per name (hvparams,
// diskparams): a new name takes its dict as is.
json::object MergedPerName(const json::object& current, const json::object& changes) {
  json::object out = current;
  for (const auto& kv : changes) {
    const auto* dict = kv.value().if_object();
    if (!dict) {
      throw OpPrereqError("Parameters of '" + std::string(kv.key()) + "' must be a dict",
                          kEcodeInval);
    }
    json::value& slot = out[kv.key()];
    if (!slot.is_object()) slot = json::object{};
    for (const auto& p : *dict) slot.as_object()[p.key()] = p.value();
  }
  return out;
}

// OS parameters per OS: Ganeti's GetUpdatedParams with use_none; an OS left
// without parameters disappears.
json::object UpdatedOsParams(const json::object& current, const json::object& changes) {
  json::object out = current;
  for (const auto& kv : changes) {
    const auto* dict = kv.value().if_object();
    if (!dict) throw OpPrereqError("OS parameters must be a dict", kEcodeInval);
    const auto* old = out.if_contains(kv.key());
    json::object updated = old && old->is_object() ? old->get_object() : json::object{};
    for (const auto& p : *dict) {
      if (p.value().is_null() || p.value() == json::value("default")) {
        updated.erase(p.key());
      } else {
        updated[p.key()] = p.value();
      }
    }
    if (updated.empty()) {
      out.erase(kv.key());
    } else {
      out[kv.key()] = std::move(updated);
    }
  }
  return out;
}

// os_hvp: per OS, per hypervisor; a null hypervisor entry removes it.
json::object UpdatedOsHvp(const json::object& current, const json::object& changes) {
  json::object out = current;
  for (const auto& kv : changes) {
    const auto* hvs = kv.value().if_object();
    if (!hvs) throw OpPrereqError("OS hypervisor parameters must be a dict", kEcodeInval);
    json::value& os = out[kv.key()];
    if (!os.is_object()) os = json::object{};
    for (const auto& hv : *hvs) {
      if (hv.value().is_null()) {
        os.as_object().erase(hv.key());
      } else if (const auto* params = hv.value().if_object()) {
        json::value& slot = os.as_object()[hv.key()];
        if (!slot.is_object()) slot = json::object{};
        for (const auto& p : *params) slot.as_object()[p.key()] = p.value();
      }
    }
    if (os.as_object().empty()) out.erase(kv.key());
  }
  return out;
}

// hidden_os / blacklisted_os: [["add" | "remove", os]...].
void ModifyOsList(std::vector<std::string>& list, const json::value& mods, const std::string& desc,
                  LuContext& ctx) {
  for (const auto& m : AsArray(mods, desc)) {
    const auto& pair = AsArray(m, desc);
    if (pair.size() != 2 || !pair[0].is_string() || !pair[1].is_string()) {
      throw OpPrereqError("Invalid " + desc + " OS list modification", kEcodeInval);
    }
    const std::string action(pair[0].get_string()), os(pair[1].get_string());
    auto it = std::find(list.begin(), list.end(), os);
    if (action == "add") {
      if (it != list.end()) {
        ctx.Feedback("OS " + os + " already in " + desc + " OS list, ignoring");
      } else {
        list.push_back(os);
      }
    } else if (action == "remove") {
      if (it == list.end()) {
        ctx.Feedback("OS " + os + " not found in " + desc + " OS list, ignoring");
      } else {
        list.erase(it);
      }
    } else {
      throw OpPrereqError("Invalid modification '" + action + "'", kEcodeInval);
    }
  }
}

// Ganeti's uid pool: [[low, high]...] ranges of user ids.
std::vector<std::pair<int64_t, int64_t>> UidRanges(const json::value& v, const char* name) {
  std::vector<std::pair<int64_t, int64_t>> out;
  for (const auto& r : AsArray(v, name)) {
    const auto& pair = AsArray(r, name);
    if (pair.size() != 2) throw OpPrereqError("Invalid user-id range in " + std::string(name));
    const int64_t low = ToInt(pair[0], name), high = ToInt(pair[1], name);
    if (low < 0 || high < low) {
      throw OpPrereqError(
          "Invalid user-id range (" + std::to_string(low) + ", " + std::to_string(high) + ")",
          kEcodeInval);
    }
    out.emplace_back(low, high);
  }
  return out;
}

json::array UidPoolJson(const std::vector<std::pair<int64_t, int64_t>>& ranges) {
  json::array out;
  for (const auto& [low, high] : ranges) out.push_back(json::array{low, high});
  return out;
}

void CheckImage(const std::string& image, const std::string& what) {
  if (image.empty() || image[0] == '/' || image.rfind("http://", 0) == 0 ||
      image.rfind("https://", 0) == 0) {
    return;
  }
  throw OpPrereqError(what + " must be an absolute path or a URL", kEcodeInval);
}

void CheckCompressionTools(const std::vector<std::string>& tools) {
  static const std::regex kName("^[-_a-zA-Z0-9]+$");
  if (std::find(tools.begin(), tools.end(), "gzip") == tools.end()) {
    throw OpPrereqError(
        "For compatibility reasons, the 'gzip' utility must be present in the "
        "list of compression tools",
        kEcodeInval);
  }
  for (const auto& t : tools) {
    if (!std::regex_match(t, kName)) {
      throw OpPrereqError("Invalid compression tool name '" + t + "'", kEcodeInval);
    }
  }
}

// Enabled disk templates: each known and one Herd's nodes provide; none that
// disks still use may go.
void CheckDiskTemplates(const objects::ConfigData& d, const std::vector<std::string>& wanted) {
  if (wanted.empty()) {
    throw OpPrereqError("The list of enabled disk templates must not be empty", kEcodeInval);
  }
  for (const auto& t : wanted) {
    const auto& known = objects::kDiskTemplates;
    if (std::find(known.begin(), known.end(), t) == known.end()) {
      throw OpPrereqError("Invalid disk template '" + t + "'", kEcodeInval);
    }
    if (!kSupportedDiskTemplates.count(t)) {
      throw OpPrereqError(
          "Disk template '" + t + "' is not supported by Herd's nodes (" +
              Joined({kSupportedDiskTemplates.begin(), kSupportedDiskTemplates.end()}) + ")",
          kEcodeInval);
    }
  }
  for (const auto& old : d.cluster.enabled_disk_templates) {
    if (std::find(wanted.begin(), wanted.end(), old) != wanted.end()) continue;
    std::vector<std::string> users;
    for (const auto& [uuid, inst] : d.instances) {
      const std::string t = objects::DiskTemplateOf(d, inst);
      if (t == old) users.push_back(inst.name);
    }
    if (!users.empty()) {
      throw OpPrereqError("Cannot disable disk template '" + old +
                              "', because there is at least one instance using it:\n * " +
                              users.front(),
                          kEcodeState);
    }
  }
}

// Ganeti's CheckIpolicyVsDiskTemplates.
void CheckIPolicyTemplates(const json::object& ipolicy, const std::vector<std::string>& enabled) {
  const auto* allowed = ipolicy.if_contains("disk-templates");
  if (!allowed || !allowed->is_array()) return;
  std::vector<std::string> not_enabled;
  for (const auto& t : allowed->get_array()) {
    const std::string name(t.as_string());
    if (std::find(enabled.begin(), enabled.end(), name) == enabled.end()) {
      not_enabled.push_back(name);
    }
  }
  if (!not_enabled.empty()) {
    throw OpPrereqError(
        "The following disk templates are allowed by the ipolicy, but not "
        "enabled on the cluster: " +
            Joined(not_enabled),
        kEcodeInval);
  }
}

json::object NicParamsChecked(const json::object& defaults, const json::object& changes,
                              const objects::ConfigData& d) {
  json::object filled = defaults;
  for (const auto& kv : changes) {
    const std::string key(kv.key());
    if (key != "mode" && key != "link" && key != "vlan") {
      throw OpPrereqError("Unknown NIC parameter '" + key + "'", kEcodeInval);
    }
    if (!kv.value().is_string()) {
      throw GanetiError(
          "TypeEnforcementError",
          {"'" + key + "' (value " + SerializeJson(kv.value()) + ") is not a valid string"});
    }
    filled[key] = kv.value();
  }
  const std::string mode(filled.contains("mode") ? filled.at("mode").as_string() : "bridged");
  if (mode != "bridged" && mode != "routed" && mode != "openvswitch") {
    throw OpPrereqError("Invalid NIC mode '" + mode + "'", kEcodeInval);
  }
  if (mode == "routed") {
    std::vector<std::string> errors;
    for (const auto& [uuid, inst] : d.instances) {
      for (size_t i = 0; i < inst.nics.size(); ++i) {
        const auto& nic = inst.nics[i];
        const auto* own = nic.nicparams.if_contains("mode");
        if ((!own || *own == json::value("routed")) && nic.ip.empty()) {
          errors.push_back("Instance " + inst.name + ", nic/" + std::to_string(i) +
                           ": routed NIC with no ip address");
        }
      }
    }
    if (!errors.empty()) {
      std::string text;
      for (const auto& e : errors) text += "\n" + e;
      throw OpPrereqError("Cannot apply the change, errors:" + text, kEcodeInval);
    }
  }
  return filled;
}

}  // namespace

json::value ClusterSetParams(LuContext& ctx, const json::object& op) {
  AcquireBgl(ctx, false);
  ctx.op.NotifyStart();
  const bool force = BoolParam(op, "force", false);
  // A new master netdev: the master IP leaves the old one first, as in Ganeti.
  const bool netdev_changes =
      Given(op, "master_netdev") && ctx.config.Read([&](const objects::ConfigData& d) {
        return d.cluster.master_netdev != RequiredString(op, "master_netdev");
      });
  if (netdev_changes && !ctx.dry_run) {
    try {
      ctx.Feedback("Shutting down master ip on the current netdev");
      SetMasterIpActive(ctx, false);
    } catch (const GanetiError& e) {
      if (!force) throw;
      ctx.Feedback(std::string("Could not disable the master ip (continuing anyway): ") +
                   (e.args().empty() ? e.what() : e.args()[0]));
    }
  }
  std::vector<std::string> promoted;
  ctx.Commit([&](ConfigTxn& txn) {
    const objects::ConfigData& d = txn.data();
    objects::Cluster& c = txn.MutableCluster();

    if (Given(op, "vg_name")) {
      const std::string vg = RequiredString(op, "vg_name");
      if (!vg.empty()) {
        throw OpPrereqError(
            "Volume group '" + vg + "' cannot be used: Herd's nodes have no LVM storage",
            kEcodeEnviron);
      }
      c.volume_group_name.clear();
    }
    if (Given(op, "enabled_disk_templates")) {
      const auto templates = StringListParam(op, "enabled_disk_templates");
      CheckDiskTemplates(d, templates);
      c.enabled_disk_templates = templates;
    }
    if (Given(op, "enabled_hypervisors")) {
      const auto hypervisors = StringListParam(op, "enabled_hypervisors");
      if (hypervisors.empty()) {
        throw OpPrereqError("Enabled hypervisors list must contain at least one member",
                            kEcodeInval);
      }
      for (const auto& hv : hypervisors) {
        if (!kSupportedHypervisors.count(hv)) {
          throw OpPrereqError("Hypervisor '" + hv + "' is not supported by Herd's nodes (fake)",
                              kEcodeInval);
        }
        if (!c.hvparams.contains(hv)) c.hvparams[hv] = json::object{};
      }
      c.enabled_hypervisors = hypervisors;
    }
    if (Given(op, "hvparams")) {
      c.hvparams = MergedPerName(c.hvparams, CheckedPerHypervisor(DictParam(op, "hvparams")));
    }
    if (Given(op, "os_hvp")) {
      json::object checked;
      for (const auto& [os, per_hv] : DictParam(op, "os_hvp")) {
        checked[os] =
            per_hv.is_object() ? json::value(CheckedPerHypervisor(per_hv.get_object())) : per_hv;
      }
      c.os_hvp = UpdatedOsHvp(c.os_hvp, checked);
    }
    if (Given(op, "osparams")) c.osparams = UpdatedOsParams(c.osparams, DictParam(op, "osparams"));
    if (Given(op, "osparams_private_cluster")) {
      c.osparams_private_cluster =
          UpdatedOsParams(c.osparams_private_cluster, DictParam(op, "osparams_private_cluster"));
    }
    if (Given(op, "beparams")) {
      const json::object checked = CheckedBeParams(DictParam(op, "beparams"));
      const auto* current = c.beparams.if_contains("default");
      c.beparams["default"] = objects::FillDict(
          current && current->is_object() ? current->get_object() : objects::DefaultBeParams(),
          checked);
    }
    if (Given(op, "nicparams")) {
      const auto* current = c.nicparams.if_contains("default");
      c.nicparams["default"] =
          NicParamsChecked(current && current->is_object() ? current->get_object() : json::object{},
                           DictParam(op, "nicparams"), d);
    }
    if (Given(op, "ndparams")) {
      json::object filled = objects::FillDict(
          c.ndparams, ForceParamTypes(DictParam(op, "ndparams"), NodeParamTypes()));
      if (filled.contains("oob_program") && filled.at("oob_program") == json::value("")) {
        filled.erase("oob_program");
      }
      c.ndparams = std::move(filled);
    }
    if (Given(op, "diskparams")) {
      c.diskparams = UpdatedDiskParams(c.diskparams, DictParam(op, "diskparams"));
    }
    if (Given(op, "ipolicy")) {
      c.ipolicy = UpdatedIPolicy(c.ipolicy, DictParam(op, "ipolicy"), /*group_policy=*/false);
    }
    CheckIPolicyTemplates(c.ipolicy, c.enabled_disk_templates);
    if (Given(op, "hv_state"))
      c.hv_state_static = MergedPerName(c.hv_state_static, DictParam(op, "hv_state"));
    if (Given(op, "disk_state")) {
      c.disk_state_static = MergedPerName(c.disk_state_static, DictParam(op, "disk_state"));
    }
    if (Given(op, "candidate_pool_size"))
      c.candidate_pool_size = PositiveInt(op, "candidate_pool_size");
    if (Given(op, "max_running_jobs")) c.max_running_jobs = PositiveInt(op, "max_running_jobs");
    if (Given(op, "max_tracked_jobs")) c.max_tracked_jobs = PositiveInt(op, "max_tracked_jobs");
    for (const auto& [name, field] :
         std::initializer_list<std::pair<const char*, bool objects::Cluster::*>>{
             {"maintain_node_health", &objects::Cluster::maintain_node_health},
             {"prealloc_wipe_disks", &objects::Cluster::prealloc_wipe_disks},
             {"modify_etc_hosts", &objects::Cluster::modify_etc_hosts},
             {"use_external_mip_script", &objects::Cluster::use_external_mip_script},
             {"enabled_user_shutdown", &objects::Cluster::enabled_user_shutdown}}) {
      if (auto v = OptionalBool(op, name)) c.*field = *v;
    }
    if (Given(op, "uid_pool")) c.uid_pool = UidPoolJson(UidRanges(op.at("uid_pool"), "uid_pool"));
    if (Given(op, "add_uids")) {
      auto pool = UidRanges(c.uid_pool, "uid_pool");
      for (const auto& r : UidRanges(op.at("add_uids"), "add_uids")) {
        if (std::find(pool.begin(), pool.end(), r) == pool.end()) pool.push_back(r);
      }
      c.uid_pool = UidPoolJson(pool);
    }
    if (Given(op, "remove_uids")) {
      auto pool = UidRanges(c.uid_pool, "uid_pool");
      for (const auto& r : UidRanges(op.at("remove_uids"), "remove_uids")) {
        auto it = std::find(pool.begin(), pool.end(), r);
        if (it == pool.end()) {
          throw OpPrereqError("User-id range (" + std::to_string(r.first) + ", " +
                                  std::to_string(r.second) + ") not found in the uid pool",
                              kEcodeInval);
        }
        pool.erase(it);
      }
      c.uid_pool = UidPoolJson(pool);
    }
    if (Given(op, "drbd_helper")) c.drbd_usermode_helper = RequiredString(op, "drbd_helper");
    if (Given(op, "default_iallocator")) {
      const std::string name = RequiredString(op, "default_iallocator");
      if (!name.empty()) {
        try {
          iallocator::FindAllocator(name, iallocator::AllocatorSearchPath(ctx.paths));
        } catch (const GanetiError&) {
          throw OpPrereqError("Invalid default iallocator script '" + name + "' specified",
                              kEcodeInval);
        }
      }
      c.default_iallocator = name;
    }
    if (Given(op, "default_iallocator_params")) {
      c.default_iallocator_params = DictParam(op, "default_iallocator_params");
    }
    if (Given(op, "mac_prefix"))
      c.mac_prefix = NormalizedMacPrefix(RequiredString(op, "mac_prefix"));
    if (Given(op, "master_netdev")) {
      const std::string netdev = RequiredString(op, "master_netdev");
      if (netdev != c.master_netdev) {
        ctx.Feedback("Changing master_netdev from " + c.master_netdev + " to " + netdev);
        c.master_netdev = netdev;
      }
    }
    if (Given(op, "master_netmask")) {
      const json::value& v = op.at("master_netmask");
      const int64_t limit = c.primary_ip_family == 10 ? 128 : 32;
      if (!v.is_int64() || v.get_int64() <= 0 || v.get_int64() > limit) {
        throw OpPrereqError("CIDR netmask (" + SerializeJson(v) + ") not valid for IPv" +
                                (limit == 128 ? "6" : "4"),
                            kEcodeInval);
      }
      ctx.Feedback("Changing master IP netmask to " + std::to_string(v.get_int64()));
      c.master_netmask = v.get_int64();
    }
    if (Given(op, "reserved_lvs")) c.reserved_lvs = StringListParam(op, "reserved_lvs");
    if (Given(op, "hidden_os")) ModifyOsList(c.hidden_os, op.at("hidden_os"), "hidden", ctx);
    if (Given(op, "blacklisted_os")) {
      ModifyOsList(c.blacklisted_os, op.at("blacklisted_os"), "blacklisted", ctx);
    }
    for (const auto& [name, field] :
         std::initializer_list<std::pair<const char*, std::string objects::Cluster::*>>{
             {"file_storage_dir", &objects::Cluster::file_storage_dir},
             {"shared_file_storage_dir", &objects::Cluster::shared_file_storage_dir},
             {"gluster_storage_dir", &objects::Cluster::gluster_storage_dir}}) {
      if (!Given(op, name)) continue;
      const std::string dir = RequiredString(op, name);
      const std::string kind = std::string(name) == "file_storage_dir"          ? "file"
                               : std::string(name) == "shared_file_storage_dir" ? "sharedfile"
                                                                                : "gluster";
      const bool enabled =
          std::find(c.enabled_disk_templates.begin(), c.enabled_disk_templates.end(), kind) !=
          c.enabled_disk_templates.end();
      if (dir.empty() && enabled) {
        throw OpPrereqError("Unsetting the '" + kind + "' storage directory while having '" + kind +
                                "' storage enabled is not permitted.",
                            kEcodeInval);
      }
      if (!dir.empty() && dir[0] != '/') {
        throw OpPrereqError("The " + kind + " storage directory must be an absolute path",
                            kEcodeInval);
      }
      c.*field = dir;
    }
    if (Given(op, "install_image")) {
      c.install_image = RequiredString(op, "install_image");
      CheckImage(c.install_image, "Install image");
    }
    if (Given(op, "zeroing_image")) {
      c.zeroing_image = RequiredString(op, "zeroing_image");
      CheckImage(c.zeroing_image, "Zeroing image");
    }
    if (Given(op, "instance_communication_network")) {
      c.instance_communication_network = RequiredString(op, "instance_communication_network");
    }
    if (Given(op, "compression_tools")) {
      c.compression_tools = StringListParam(op, "compression_tools");
      CheckCompressionTools(c.compression_tools);
    }
    for (const char* name : {"enabled_data_collectors", "data_collector_interval"}) {
      if (!Given(op, name)) continue;
      const bool active = std::string(name) == "enabled_data_collectors";
      for (const auto& kv : DictParam(op, name)) {
        json::value& collector = c.data_collectors[kv.key()];
        if (!collector.is_object()) {
          throw OpPrereqError("Unknown data collector '" + std::string(kv.key()) + "'",
                              kEcodeInval);
        }
        if (active) {
          collector.as_object()["active"] = kv.value();
        } else {
          collector.as_object()["interval"] = ToInt(kv.value(), name);
        }
      }
    }
    if (Given(op, "candidate_pool_size")) FillCandidatePool(txn, "", promoted);
  });
  for (const auto& uuid : promoted) ctx.services.SendFullConfig(uuid);
  ctx.services.ScheduleSsconfDistribution();
  SetConfdRunning(ctx, promoted, true);
  if (netdev_changes) {
    ctx.Feedback("Starting the master ip on the new master netdev");
    ReactivateMasterIp(ctx);
  }
  return nullptr;
}

}  // namespace herd::master
