#include "master/cmdlib/cluster.h"

#include <chrono>
#include <map>
#include <set>
#include <thread>

#include "base/errors.h"
#include "base/hosts.h"
#include "base/json.h"
#include "master/cmdlib/common.h"
#include "master/cmdlib/hooks.h"
#include "master/cmdlib/replica_check.h"

namespace herd::master {
namespace {
constexpr const char* kSoftwareVersion = "3.0.2";
// How long redist-conf waits for every node's ssconf files to be written.
constexpr int kSsconfWriteTimeoutMs = 120'000;

void ReportError(LuContext& ctx, bool& ok, const std::string& item_type, const std::string& item,
                 const std::string& msg) {
  ok = false;
  ctx.Feedback("  - ERROR: " + item_type + (item.empty() ? "" : " " + item) + ": " + msg);
}
// Ganeti's cluster-verify post hooks on the group's nodes: a failed script
// fails the verification and its output is shown (HooksCallBack).
void RunVerifyHooks(LuContext& ctx, bool& ok, const std::vector<objects::Node>& nodes) {
  if (nodes.empty()) return;
  HookEnv env;
  std::vector<std::string> uuids;
  ctx.config.Read([&](const objects::ConfigData& d) {
    std::string tags;
    for (const auto& t : d.cluster.tags) tags += (tags.empty() ? "" : " ") + t;
    env["GANETI_POST_CLUSTER_TAGS"] = tags;
  });
  for (const auto& n : nodes) {
    std::string tags;
    for (const auto& t : n.tags) tags += (tags.empty() ? "" : " ") + t;
    env["GANETI_POST_NODE_TAGS_" + n.name] = tags;
    uuids.push_back(n.uuid);
  }
  ctx.Feedback("* Hooks Results");
  const HookPhaseOutcome outcome = OutcomeOf(RunHooksPhase(
      ctx, "OP_CLUSTER_VERIFY_GROUP", "cluster-verify", "CLUSTER", "post", uuids, env));
  for (const auto& [node, error] : outcome.unreachable) {
    ReportError(ctx, ok, "node", node, "Communication failure in hooks execution: " + error);
  }
  for (const auto& f : outcome.failed) {
    ReportError(ctx, ok, "node", f.node, "Script " + f.script + " failed, output:");
    // Each output line indented by six spaces, as Ganeti shows it.
    std::string output = "      ";
    for (char c : f.output) {
      output += c;
      if (c == '\n') output += "      ";
    }
    ctx.Feedback(output);
  }
}

}  // namespace

json::object ClusterInfo(const objects::ConfigData& config) {
  const auto& c = config.cluster;
  json::object info = objects::ToJson(c).as_object();
  info["name"] = c.cluster_name;
  auto master = config.nodes.find(c.master_node);
  info["master"] = master == config.nodes.end() ? "" : master->second.name;
  info["default_hypervisor"] =
      c.enabled_hypervisors.empty() ? json::value(nullptr) : json::value(c.enabled_hypervisors[0]);
  info["software_version"] = kSoftwareVersion;
  info["protocol_version"] = rpc::kProtocolVersion;
  info["config_version"] = config.version;
  info["os_api_version"] = 20;
  info["export_version"] = 0;
  info["vcs_version"] = "herd";
  info["architecture"] = json::array{"64bit", "x86_64"};
  // Keys Ganeti computes for "gnt-cluster info" rather than storing.
  auto family = info.find("primary_ip_family");
  info["primary_ip_version"] =
      family != info.end() && family->value().is_int64() && family->value().get_int64() == 10 ? 6
                                                                                              : 4;
  for (const auto& [key, fallback] : std::initializer_list<std::pair<const char*, json::value>>{
           {"tags", json::array{}},
           {"ssh_key_type", "rsa"},
           {"ssh_key_bits", 2048},
           {"max_running_jobs", 20},
           {"max_tracked_jobs", 25},
           {"default_iallocator_params", json::object{}},
           {"blacklisted_os", json::array{}},
           {"hidden_os", json::array{}},
           {"reserved_lvs", json::array{}},
           {"uid_pool", json::array{}},
           {"compression_tools", json::array{"gzip", "gzip-fast", "gzip-slow"}},
           {"drbd_usermode_helper", ""},
           {"gluster_storage_dir", ""},
           {"install_image", ""},
           {"instance_communication_network", ""},
           {"zeroing_image", ""},
           {"maintain_node_health", false},
           {"modify_ssh_setup", false},
           {"prealloc_wipe_disks", false},
           {"use_external_mip_script", false},
           {"enabled_user_shutdown", false},
           {"volume_group_name", ""},
           {"default_iallocator", ""},
           {"os_hvp", json::object{}},
           {"osparams", json::object{}},
           {"diskparams", json::object{}},
           {"nicparams", json::object{}},
           {"hvparams", json::object{}},
           {"ndparams", json::object{}},
           {"beparams", json::object{}},
           {"ipolicy", json::object{}},
           {"master_netmask", 32},
           {"mac_prefix", ""},
           {"file_storage_dir", ""},
           {"shared_file_storage_dir", ""}}) {
    if (!info.contains(key)) info[key] = fallback;
  }
  json::object enabled, interval;
  if (auto dc = info.find("data_collectors"); dc != info.end() && dc->value().is_object()) {
    for (const auto& kv : dc->value().get_object()) {
      if (!kv.value().is_object()) continue;
      const auto& c = kv.value().get_object();
      enabled[kv.key()] = c.contains("active") ? c.at("active") : json::value(true);
      interval[kv.key()] = c.contains("interval") ? c.at("interval") : json::value(5000000);
    }
  }
  info["enabled_data_collectors"] = std::move(enabled);
  info["data_collector_interval"] = std::move(interval);
  return info;
}

json::value ClusterQuery(LuContext& ctx, const json::object&) {
  ctx.op.NotifyStart();
  return ctx.config.Read(
      [](const objects::ConfigData& data) { return json::value(ClusterInfo(data)); });
}

json::value ClusterVerify(LuContext& ctx, const json::object& op) {
  ctx.op.NotifyStart();
  json::array jobs;
  auto group_filter = OptionalString(op, "group_name");
  std::vector<std::string> groups;
  ctx.config.Read([&](const objects::ConfigData& data) {
    for (const auto& [uuid, g] : data.nodegroups) {
      if (!group_filter || *group_filter == g.name) groups.push_back(g.name);
    }
  });
  if (group_filter && groups.empty()) {
    throw OpPrereqError("Node group '" + *group_filter + "' not found", kEcodeNoEnt);
  }
  if (!group_filter) {
    jobs.push_back(ctx.services.SubmitJob(json::array{
        json::object{{"OP_ID", "OP_CLUSTER_VERIFY_CONFIG"},
                     {"ignore_errors",
                      op.contains("ignore_errors") ? op.at("ignore_errors") : json::array{}}}}));
  }
  for (const auto& g : groups) {
    jobs.push_back(ctx.services.SubmitJob(
        json::array{json::object{{"OP_ID", "OP_CLUSTER_VERIFY_GROUP"}, {"group_name", g}}}));
  }
  return json::object{{"jobs", std::move(jobs)}};
}

namespace {

void VerifyReplicas(LuContext& ctx, bool& ok) {
  ctx.Feedback("* Verifying the master candidates' copies of the configuration and job queue");
  // Jobs finish while this runs (this verify's sibling jobs, say), and their
  // last state reaches the candidates a moment later: a fault counts only if
  // the comparison after the next flush finds it again.
  ctx.services.FlushReplication(10000);
  ReplicaReport found = ReadReplicaReport(ctx);
  for (int attempt = 0; attempt < 3 && !found.empty(); ++attempt) {
    ctx.services.FlushReplication(10000);
    ReplicaReport again = ReadReplicaReport(ctx);
    found = PersistentFindings(found, again);
  }
  for (const auto& [node, problem] : DescribeFindings(found)) {
    ReportError(ctx, ok, "node", node, problem);
  }
}

}  // namespace

json::value ClusterVerifyConfig(LuContext& ctx, const json::object&) {
  AcquireBgl(ctx, true);
  ctx.op.NotifyStart();
  bool ok = true;
  ctx.Feedback("* Verifying cluster config");
  ctx.config.Read([&](const objects::ConfigData& data) {
    if (!data.nodes.count(data.cluster.master_node)) {
      ReportError(ctx, ok, "cluster", data.cluster.cluster_name,
                  "master node is not in the configuration");
    }
    int candidates = 0, possible = 0;
    for (const auto& [uuid, n] : data.nodes) {
      if (!data.nodegroups.count(n.group)) {
        ReportError(ctx, ok, "node", n.name, "node group " + n.group + " does not exist");
      }
      candidates += n.master_candidate ? 1 : 0;
      possible += (!n.offline && !n.drained && n.master_capable) ? 1 : 0;
    }
    int wanted = std::min(possible, static_cast<int>(data.cluster.candidate_pool_size));
    if (candidates < wanted) {
      ReportError(ctx, ok, "cluster", data.cluster.cluster_name,
                  "not enough master candidates: current " + std::to_string(candidates) +
                      ", desired " + std::to_string(wanted));
    }
    for (const auto& [uuid, inst] : data.instances) {
      if (!data.nodes.count(inst.primary_node)) {
        ReportError(ctx, ok, "instance", inst.name, "primary node is not in the configuration");
      }
    }
  });
  VerifyReplicas(ctx, ok);
  return ok;
}

namespace {

// Instances run where the configuration says, and only those that should.
void VerifyInstances(LuContext& ctx, bool& ok, const std::vector<objects::Node>& nodes,
                     const std::string& group_uuid) {
  ctx.Feedback("* Verifying instance status");
  std::vector<const objects::Node*> online;
  for (const auto& n : nodes) {
    if (!n.offline) online.push_back(&n);
  }
  auto results = ctx.rpc.CallParallel(AddressesOf(online), rpc::procedures::kAllInstancesInfo, {});
  std::map<std::string, std::string> running_on;  // instance name -> node name
  std::set<std::string> answered;
  for (size_t i = 0; i < results.size(); ++i) {
    if (!results[i].ok || !results[i].payload.is_object()) continue;  // reported above
    answered.insert(online[i]->uuid);
    for (const auto& kv : results[i].payload.get_object()) {
      running_on[std::string(kv.key())] = online[i]->name;
    }
  }
  ctx.config.Read([&](const objects::ConfigData& d) {
    for (const auto& [u, inst] : d.instances) {
      auto pn = d.nodes.find(inst.primary_node);
      if (pn == d.nodes.end() || pn->second.group != group_uuid) continue;
      const auto& pnode = pn->second;
      auto where = running_on.find(inst.name);
      if (where != running_on.end() && where->second != pnode.name) {
        ReportError(ctx, ok, "instance", inst.name,
                    "instance should not run on node " + where->second + " (its primary node is " +
                        pnode.name + ")");
      }
      if (!answered.count(pnode.uuid)) continue;
      const bool running = where != running_on.end() && where->second == pnode.name;
      if (inst.admin_state == "up" && !running) {
        ReportError(ctx, ok, "instance", inst.name,
                    "instance not running on its primary node " + pnode.name);
      } else if (inst.admin_state != "up" && running) {
        ReportError(
            ctx, ok, "instance", inst.name,
            "instance is marked as " + inst.admin_state + " but is running on " + pnode.name);
      }
    }
    for (const auto& [name, node] : running_on) {
      if (!d.FindInstanceByName(name)) {
        ReportError(ctx, ok, "node", node, "node is running unknown instance " + name);
      }
    }
    return 0;
  });
}

}  // namespace

json::value ClusterVerifyGroup(LuContext& ctx, const json::object& op) {
  const std::string group_name = RequiredString(op, "group_name");
  std::vector<objects::Node> nodes;
  std::string cluster_name, group_uuid;
  std::map<std::string, std::string> expected_ssconf;
  ctx.config.Read([&](const objects::ConfigData& data) {
    const auto* g = data.FindGroupByName(group_name);
    if (!g) throw OpPrereqError("Node group '" + group_name + "' not found", kEcodeNoEnt);
    group_uuid = g->uuid;
    cluster_name = data.cluster.cluster_name;
    for (const auto& [uuid, n] : data.nodes) {
      if (n.group == group_uuid) nodes.push_back(n);
    }
  });
  std::vector<std::string> uuids;
  for (const auto& n : nodes) uuids.push_back(n.uuid);
  // The group's instances, locked shared so that none changes under the check.
  std::vector<std::string> instance_names = ctx.config.Read([&](const objects::ConfigData& d) {
    std::vector<std::string> names;
    for (const auto& [u, inst] : d.instances) {
      auto pn = d.nodes.find(inst.primary_node);
      if (pn != d.nodes.end() && pn->second.group == group_uuid) names.push_back(inst.name);
    }
    return names;
  });
  if (!instance_names.empty()) {
    ctx.locks.Acquire(ctx.owner, locking::Level::kInstance, instance_names, true);
  }
  ctx.locks.Acquire(ctx.owner, locking::Level::kNodeGroup, {group_uuid}, true);
  ctx.locks.Acquire(ctx.owner, locking::Level::kNode, uuids, true);
  ctx.op.NotifyStart();
  bool ok = true;
  ctx.Feedback("* Verifying group " + group_name);
  std::vector<rpc::NodeAddress> online;
  for (const auto& n : nodes) {
    if (!n.offline) online.push_back(AddressOf(n));
  }
  ctx.Feedback("* Verifying node status");
  json::object checks{{"version", nullptr}, {"hypervisor", json::array{"fake"}}};
  auto results = ctx.rpc.CallParallel(online, rpc::procedures::kNodeVerify,
                                      json::array{checks, cluster_name, json::object{}});
  for (const auto& r : results) {
    if (!r.ok) {
      ReportError(ctx, ok, "node", r.node, "while contacting node: " + r.error);
      continue;
    }
    const auto& res = r.payload.as_object();
    if (auto v = res.find("version"); v != res.end()) {
      const auto& pair = v->value().as_array();
      if (pair.empty() || ToInt(pair[0], "version") != rpc::kProtocolVersion) {
        ReportError(ctx, ok, "node", r.node,
                    "incompatible protocol versions: master " +
                        std::to_string(rpc::kProtocolVersion) + ", node " +
                        SerializeJson(v->value()));
      }
    } else {
      ReportError(ctx, ok, "node", r.node, "connection to node returned invalid data");
    }
    if (auto c = res.find("cluster_name");
        c != res.end() && c->value().is_string() && c->value().get_string() != cluster_name) {
      ReportError(ctx, ok, "node", r.node,
                  "node belongs to cluster '" + std::string(c->value().get_string()) + "'");
    }
  }
  for (const auto& n : nodes) {
    if (n.offline) ctx.Feedback("  - NOTICE: node " + n.name + " is offline, not checked");
  }
  VerifyInstances(ctx, ok, nodes, group_uuid);
  RunVerifyHooks(ctx, ok, nodes);
  return ok;
}

json::value ClusterRedistConf(LuContext& ctx, const json::object&) {
  AcquireBgl(ctx, true);
  ctx.op.NotifyStart();
  std::vector<std::string> candidates;
  ctx.config.Read([&](const objects::ConfigData& data) {
    for (const auto* n : MasterCandidates(data)) candidates.push_back(n->uuid);
  });
  for (const auto& uuid : candidates) ctx.services.SendFullConfig(uuid);
  // As in Ganeti, the ssconf files are written before the opcode returns.
  if (auto unreached = ctx.services.DistributeSsconfNow(kSsconfWriteTimeoutMs)) {
    for (const auto& node : *unreached) {
      ctx.Feedback("Warning: could not write the ssconf files on " + node);
    }
  } else {
    ctx.Feedback("Warning: the ssconf files were not written on every node within " +
                 std::to_string(kSsconfWriteTimeoutMs / 1000) +
                 " s; the master goes on writing them in the background (see its log for "
                 "the nodes that fail)");
  }
  auto online = ctx.config.Read(
      [](const objects::ConfigData& data) { return AddressesOf(OnlineNodes(data)); });
  for (const auto& failure : UploadAncillaryFiles(ctx.paths, ctx.rpc, online)) {
    ctx.Feedback("Warning: could not copy the cluster's files to " + failure);
  }
  return nullptr;
}

json::value ClusterDestroy(LuContext& ctx, const json::object&) {
  AcquireBgl(ctx, false);
  ctx.op.NotifyStart();
  std::string master_uuid;
  rpc::NodeAddress master;
  ctx.config.Read([&](const objects::ConfigData& data) {
    if (data.nodes.size() > 1) {
      throw OpPrereqError(
          "There are still " + std::to_string(data.nodes.size() - 1) + " node(s) in this cluster.",
          kEcodeInval);
    }
    if (!data.instances.empty()) {
      throw OpPrereqError("There are still " + std::to_string(data.instances.size()) +
                              " instance(s) in this cluster.",
                          kEcodeInval);
    }
    master_uuid = data.cluster.master_node;
    master = AddressOf(MasterNode(data));
  });
  ctx.services.RequestShutdown();
  // The master's node daemon forgets the cluster (config, ssconf) and exits.
  auto r = ctx.rpc.Call(master, rpc::procedures::kNodeLeaveCluster, json::array{false});
  if (!r.ok) ctx.Feedback("Warning: the master's node daemon did not leave cleanly: " + r.error);
  return json::value(master_uuid);
}

void SetMasterIpActive(LuContext& ctx, bool active) {
  rpc::NodeAddress master;
  json::array args;
  ctx.config.Read([&](const objects::ConfigData& d) {
    const auto& c = d.cluster;
    master = AddressOf(MasterNode(d));
    // Ganeti's master network parameters, as node_(de)activate_master_ip take them.
    args = json::array{json::object{{"uuid", c.master_node},
                                    {"ip", c.master_ip},
                                    {"netmask", c.master_netmask},
                                    {"netdev", c.master_netdev},
                                    {"ip_family", c.primary_ip_family}},
                       c.use_external_mip_script};
  });
  auto r = ctx.rpc.Call(
      master,
      active ? rpc::procedures::kNodeActivateMasterIp : rpc::procedures::kNodeDeactivateMasterIp,
      args);
  if (!r.ok) {
    throw OpExecError(std::string("Could not ") + (active ? "activate" : "deactivate") +
                      " the master IP: " + r.error);
  }
}

void ReactivateMasterIp(LuContext& ctx) {
  try {
    SetMasterIpActive(ctx, true);
  } catch (const GanetiError& e) {
    ctx.Feedback(std::string("Warning: Could not re-enable the master role on the master, "
                             "please restart manually: ") +
                 (e.args().empty() ? e.what() : e.args()[0]));
  }
}

json::value ClusterActivateMasterIp(LuContext& ctx, const json::object&) {
  AcquireBgl(ctx, true);
  ctx.op.NotifyStart();
  SetMasterIpActive(ctx, true);
  return nullptr;
}

json::value ClusterDeactivateMasterIp(LuContext& ctx, const json::object&) {
  AcquireBgl(ctx, true);
  ctx.op.NotifyStart();
  SetMasterIpActive(ctx, false);
  return nullptr;
}

json::value ClusterPostInit(LuContext& ctx, const json::object&) {
  ctx.op.NotifyStart();
  return true;
}

json::value ClusterRename(LuContext& ctx, const json::object& op) {
  const std::string name = RequiredString(op, "name");
  AcquireBgl(ctx, false);
  const std::string new_ip = ResolveHostOrThrow(ctx.paths, name);
  const auto [old_name, old_ip] = ctx.config.Read([](const objects::ConfigData& d) {
    return std::make_pair(d.cluster.cluster_name, d.cluster.master_ip);
  });
  if (name == old_name && new_ip == old_ip) {
    throw OpPrereqError("Neither the name nor the IP address of the cluster has changed",
                        kEcodeInval);
  }
  if (new_ip != old_ip) {
    // As Ganeti: the new address must be free, not a node's or another host's.
    const bool reachable = ctx.config.Read([&](const objects::ConfigData& d) {
      return std::any_of(d.nodes.begin(), d.nodes.end(),
                         [&](const auto& n) { return n.second.primary_ip == new_ip; });
    });
    if (reachable) {
      throw OpPrereqError(
          "The given cluster IP address (" + new_ip + ") is reachable on the network",
          kEcodeNotUnique);
    }
  }
  ctx.op.NotifyStart();
  SetMasterIpActive(ctx, false);
  try {
    ctx.Commit([&](ConfigTxn& txn) {
      auto& cluster = txn.MutableCluster();
      cluster.cluster_name = name;
      cluster.master_ip = new_ip;
    });
  } catch (...) {
    ReactivateMasterIp(ctx);
    throw;
  }
  ctx.services.ScheduleSsconfDistribution();
  ReactivateMasterIp(ctx);
  return json::value(name);
}

}  // namespace herd::master
