// OP_INSTANCE_CREATE and OP_INSTANCE_MULTI_ALLOC.
#include <algorithm>

#include "base/errors.h"
#include "base/hosts.h"
#include "base/json.h"
#include "master/cmdlib/allocation.h"
#include "master/cmdlib/common.h"
#include "master/cmdlib/disk_transfer.h"
#include "master/cmdlib/export_config.h"
#include "master/cmdlib/instance.h"
#include "master/cmdlib/instance_common.h"
#include "master/cmdlib/instance_nics.h"
#include "master/cmdlib/instance_params.h"
#include "master/cmdlib/ipolicy.h"
#include "master/cmdlib/network.h"
#include "master/cmdlib/node_live_cache.h"
#include "master/cmdlib/remote_export.h"

namespace herd::master {
namespace {

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::string JoinNames(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// What an OP_INSTANCE_CREATE asks for, checked against the cluster.
struct CreateRequest {
  std::string name, disk_template, os, hypervisor, pnode, iallocator, file_driver;
  json::object beparams, hvparams, osparams;
  std::vector<std::pair<int64_t, std::string>> disks;  // size MiB, mode
  std::vector<std::string> disk_names;
  json::array nics;
  std::vector<std::string> tags;
  bool start = true, name_check = true, ip_check = true, no_install = false;
  bool importing = false;  // mode "import": the disks' data comes from an export
};

// Where an import reads from: the export's node, directory and config.ini.
struct ImportSource {
  objects::Node node;
  std::string path;  // the export's directory, as the node names it
  IniFile info;
  std::string old_name;  // the exported instance's name
};

// Ganeti's _ReadExportInfo: the export named by src_node / src_path (the
// instance name by default; a relative path is under the export directory,
// looked for on every node when no node is given).
ImportSource FindImportSource(LuContext& ctx, const json::object& op) {
  ImportSource source;
  std::string path = OptionalString(op, "src_path").value_or("");
  if (path.empty()) path = RequiredString(op, "instance_name");
  const std::string node_name = OptionalString(op, "src_node").value_or("");
  const bool absolute = path.front() == '/';
  if (node_name.empty()) {
    if (absolute) {
      throw OpPrereqError("Importing an instance from a path requires a source node option",
                          kEcodeInval);
    }
    const auto nodes = ctx.config.Read([](const objects::ConfigData& d) { return OnlineNodes(d); });
    const auto addresses = AddressesOf(nodes);
    const auto listed = ctx.rpc.CallParallel(addresses, rpc::procedures::kExportList, {});
    for (size_t i = 0; i < listed.size() && source.node.uuid.empty(); ++i) {
      if (!listed[i].ok || !listed[i].payload.is_array()) continue;
      for (const auto& name : listed[i].payload.get_array()) {
        if (name == json::value(path)) source.node = *nodes[i];
      }
    }
    if (source.node.uuid.empty()) {
      throw OpPrereqError("No export found for relative path " + path, kEcodeInval);
    }
  } else {
    source.node =
        ctx.config.Read([&](const objects::ConfigData& d) { return ExpandNode(d, node_name); });
  }
  source.path = absolute ? path : std::string(Paths::kExportDir) + "/" + path;
  CheckNodeOnline(source.node, "as source node");
  auto info = ctx.rpc.Call(AddressOf(source.node), rpc::procedures::kExportInfo,
                           json::array{json::value(source.path)});
  if (!info.ok || !info.payload.is_string()) {
    throw OpPrereqError("No export or invalid export found in dir " + source.path + ": " +
                            (info.ok ? "malformed answer" : info.error),
                        kEcodeEnviron);
  }
  source.info = ParseExportConfig(std::string(info.payload.get_string()),
                                  source.path + " on node " + source.node.name);
  source.old_name = source.info.Get("instance", "name").value_or("");
  return source;
}

CreateRequest ParseCreate(const json::object& op, const objects::ConfigData& config) {
  CreateRequest r;
  r.name = RequiredString(op, "instance_name");
  std::string mode = OptionalString(op, "mode").value_or("create");
  if (mode != "create" && mode != "import" && mode != "remote-import") {
    throw OpPrereqError("Invalid instance creation mode '" + mode + "'", kEcodeInval);
  }
  r.importing = mode == "import";
  // Ganeti's default: the first enabled disk template.
  r.disk_template = OptionalString(op, "disk_template")
                        .value_or(config.cluster.enabled_disk_templates.empty()
                                      ? "diskless"
                                      : config.cluster.enabled_disk_templates.front());
  if (!Contains(config.cluster.enabled_disk_templates, r.disk_template)) {
    throw OpPrereqError("Cannot create an instance with disk template '" + r.disk_template +
                            "', as it is not enabled in the cluster. Enabled disk templates are: " +
                            JoinNames(config.cluster.enabled_disk_templates) + ".",
                        kEcodeState);
  }
  r.os = OptionalString(op, "os_type").value_or("");
  r.no_install = !r.importing && BoolParam(op, "no_install", false);
  if (r.os.empty()) throw OpPrereqError("No guest OS or OS image specified", kEcodeInval);
  r.hypervisor = OptionalString(op, "hypervisor")
                     .value_or(config.cluster.enabled_hypervisors.empty()
                                   ? "fake"
                                   : config.cluster.enabled_hypervisors.front());
  if (!Contains(config.cluster.enabled_hypervisors, r.hypervisor)) {
    throw OpPrereqError("Selected hypervisor (" + r.hypervisor + ") not enabled in the cluster (" +
                            JoinNames(config.cluster.enabled_hypervisors) + ")",
                        kEcodeState);
  }
  r.pnode = OptionalString(op, "pnode").value_or("");
  r.iallocator = OptionalString(op, "iallocator").value_or("");
  if (!r.pnode.empty() && !r.iallocator.empty()) {
    throw OpPrereqError("Give either the iallocator or the primary node, not both", kEcodeInval);
  }
  auto object_param = [&](const char* key) {
    auto it = op.find(key);
    if (it == op.end() || it->value().is_null()) return json::object();
    if (!it->value().is_object()) {
      throw OpPrereqError(std::string("Parameter '") + key + "' must be a dictionary", kEcodeInval);
    }
    return it->value().get_object();
  };
  r.beparams = CheckedBeParams(object_param("beparams"));
  r.hvparams = CheckedHvParams(r.hypervisor, object_param("hvparams"));
  r.osparams = object_param("osparams");
  r.file_driver = OptionalString(op, "file_driver").value_or("loop");
  if (r.file_driver != "loop" && r.file_driver != "blktap" && r.file_driver != "blktap2") {
    throw OpPrereqError("Invalid file driver name '" + r.file_driver + "'", kEcodeInval);
  }
  if (auto it = op.find("disks"); it != op.end() && !it->value().is_null()) {
    if (!it->value().is_array())
      throw OpPrereqError("Parameter 'disks' must be a list", kEcodeInval);
    int index = 0;
    for (const auto& d : it->value().get_array()) {
      if (!d.is_object()) throw OpPrereqError("Each disk must be a dictionary", kEcodeInval);
      const auto& o = d.get_object();
      std::string what = "disk " + std::to_string(index);
      if (!o.contains("size")) {
        throw OpPrereqError("Missing disk size for " + what, kEcodeInval);
      }
      int64_t size = ParseSizeMib(o.at("size"), what);
      std::string mode = GetStringOr(o, "mode", "rw");
      if (mode != "rw" && mode != "ro") {
        throw OpPrereqError("Invalid disk access mode '" + mode + "'", kEcodeInval);
      }
      r.disks.emplace_back(size, mode);
      r.disk_names.push_back(GetStringOr(o, "name", ""));
      ++index;
    }
  }
  if (r.disk_template == "diskless" && !r.disks.empty()) {
    throw OpPrereqError("Diskless instances cannot have disks", kEcodeInval);
  }
  if (r.disk_template != "diskless" && r.disks.empty()) {
    throw OpPrereqError("Disk template '" + r.disk_template + "' needs at least one disk",
                        kEcodeInval);
  }
  if (auto it = op.find("nics"); it != op.end() && !it->value().is_null()) {
    if (!it->value().is_array())
      throw OpPrereqError("Parameter 'nics' must be a list", kEcodeInval);
    r.nics = it->value().get_array();
  }
  if (auto it = op.find("tags"); it != op.end() && it->value().is_array()) {
    for (const auto& t : it->value().get_array()) {
      if (t.is_string()) r.tags.emplace_back(t.get_string());
    }
  }
  r.start = BoolParam(op, "start", true);
  r.name_check = BoolParam(op, "name_check", true);
  r.ip_check = BoolParam(op, "ip_check", r.name_check);
  if (r.ip_check && !r.name_check) {
    throw OpPrereqError("Cannot do IP address check without a name check", kEcodeInval);
  }
  return r;
}

// The instance's NICs (see BuildNic).
std::vector<objects::Nic> BuildNics(const CreateRequest& r, const objects::ConfigData& config,
                                    const std::string& instance_ip, const objects::Node& pnode,
                                    const std::string& owner) {
  std::vector<objects::Nic> nics;
  for (size_t i = 0; i < r.nics.size(); ++i) {
    if (!r.nics[i].is_object()) throw OpPrereqError("Each NIC must be a dictionary", kEcodeInval);
    nics.push_back(BuildNic(r.nics[i].get_object(), i, config, instance_ip, pnode, owner));
  }
  return nics;
}

std::vector<objects::Disk> BuildDisks(const CreateRequest& r, const objects::ConfigData& config,
                                      const std::string& pnode_uuid) {
  std::vector<objects::Disk> disks;
  const std::string base = r.disk_template == "sharedfile" ? config.cluster.shared_file_storage_dir
                                                           : config.cluster.file_storage_dir;
  double now = ToNumber(TimestampNow()[0], "time");
  for (size_t i = 0; i < r.disks.size(); ++i) {
    objects::Disk d;
    d.uuid = NewUuid();
    d.name = r.disk_names[i];
    d.dev_type = r.disk_template;
    d.iv_name = "disk/" + std::to_string(i);
    d.size = r.disks[i].first;
    d.mode = r.disks[i].second;
    d.nodes = {pnode_uuid};
    d.logical_id = json::array{
        json::value(r.file_driver),
        json::value(base + "/" + r.name + "/" + d.uuid + ".file.disk" + std::to_string(i))};
    d.ctime = d.mtime = now;
    disks.push_back(std::move(d));
  }
  return disks;
}

NewInstanceNeeds NeedsOf(const CreateRequest& r, const objects::ConfigData& config) {
  NewInstanceNeeds n;
  n.name = r.name;
  n.disk_template = r.disk_template;
  n.os = r.os;
  n.hypervisor = r.hypervisor;
  auto be = objects::FilledBeParams(config, r.beparams);
  n.memory = GetIntOr(be, "maxmem", 128);
  n.vcpus = GetIntOr(be, "vcpus", 1);
  n.spindle_use = GetIntOr(be, "spindle_use", 1);
  n.disks = r.disks;
  n.nics = r.nics;
  n.tags = r.tags;
  return n;
}

// Free space the node reports for the template's storage.
int64_t NodeFreeStorage(LuContext& ctx, const objects::Node& node, const std::string& type) {
  auto result = ctx.rpc.Call(AddressOf(node), rpc::procedures::kNodeInfo,
                             json::array{json::array{json::array{type, ""}}, json::array{}});
  const auto& answer = AsArray(result.Get("Can't get storage data from node " + node.name), "");
  const auto& units = AsArray(answer.at(1), "storage info");
  if (units.empty()) return 0;
  return GetInt(AsObject(units[0], "storage unit"), "storage_free", "storage info");
}

// What a remote import (from another cluster) is told by its source:
// checked as Ganeti's CheckArguments does.
struct RemoteImportSource {
  std::string cds, ca_pem, instance_name;
  int64_t shutdown_timeout = 120;
};

RemoteImportSource CheckRemoteImportSource(const Paths& paths, const json::object& op) {
  RemoteImportSource source;
  source.cds = ClusterDomainSecret(paths);
  auto handshake = op.find("source_handshake");
  if (handshake == op.end() || handshake->value().is_null()) {
    throw OpPrereqError("Missing source handshake", kEcodeInval);
  }
  if (auto why = CheckRemoteExportHandshake(source.cds, handshake->value())) {
    throw OpPrereqError("Invalid handshake: " + *why, kEcodeInval);
  }
  const std::string signed_ca = OptionalString(op, "source_x509_ca").value_or("");
  if (signed_ca.empty()) throw OpPrereqError("Missing source X509 CA", kEcodeInval);
  try {
    source.ca_pem = LoadSignedX509Certificate(signed_ca, source.cds);
  } catch (const GanetiError& e) {
    throw OpPrereqError(std::string("Unable to load source X509 CA (") + e.what() + ")",
                        kEcodeInval);
  }
  source.instance_name = OptionalString(op, "source_instance_name").value_or("");
  if (source.instance_name.empty()) {
    throw OpPrereqError("Missing source instance name", kEcodeInval);
  }
  source.shutdown_timeout = static_cast<int64_t>(NumberParam(op, "source_shutdown_timeout", 120));
  return source;
}

void RunRenameScript(LuContext& ctx, const objects::Node& pnode, const rpc::InstanceSpec& spec,
                     const std::string& old_name) {
  if (spec.os.empty()) return;
  ctx.Feedback("Running rename script for " + spec.name);
  auto renamed = ctx.rpc.Call(AddressOf(pnode), rpc::procedures::kInstanceRunRename,
                              json::array{rpc::ToJson(spec), json::value(old_name), 0});
  if (!renamed.ok) {
    ctx.LogWarning("Failed to run rename script for " + spec.name + " on node " + pnode.name +
                   ": " + renamed.error);
  }
}

void ThrowUnlessImported(const std::vector<bool>& results, const std::vector<std::string>& labels,
                         const std::string& instance, const std::string& from,
                         const std::string& to) {
  std::string failed;
  for (size_t i = 0; i < results.size(); ++i) {
    if (!results[i]) failed += (failed.empty() ? "" : ", ") + labels[i];
  }
  if (!failed.empty()) {
    throw OpExecError("Could not import " + failed + " of instance " + instance + " from " + from +
                      " to node " + to + "; the instance was not created");
  }
}

// Ganeti's RemoteImport: one listening helper per disk with a certificate
// made for this import, their signed addresses sent to the source cluster
// through the job log ("remote-import"), then the data from its exports.
void ReceiveRemoteImport(LuContext& ctx, const RemoteImportSource& source,
                         const objects::Node& pnode, const std::vector<objects::Disk>& disks,
                         const rpc::InstanceSpec& spec, const std::string& compress) {
  ctx.Feedback("* preparing remote import...");
  const NodeX509Certificate cert = CreateNodeX509Certificate(ctx, pnode);
  const std::string& key_name = cert.name;
  struct RemoveCert {
    LuContext& ctx;
    const objects::Node& node;
    const std::string& name;
    ~RemoveCert() {
      auto removed = ctx.rpc.Call(AddressOf(node), rpc::procedures::kX509CertRemove,
                                  json::array{json::value(name)});
      if (!removed.ok) {
        ctx.LogWarning("Can't remove X509 key and certificate on " + node.name + ": " +
                       removed.error);
      }
    }
  } remove_cert{ctx, pnode, key_name};
  const std::string signed_cert = SignX509Certificate(cert.cert_pem, source.cds, RandomSecret(8));
  std::vector<json::array> destinations;
  std::vector<std::string> labels;
  for (size_t i = 0; i < disks.size(); ++i) {
    destinations.push_back(InstanceDiskIo(spec.os, disks[i], i));
    labels.push_back("disk/" + std::to_string(i));
  }
  json::object opts{{"key_name", key_name},
                    {"ca_pem", source.ca_pem},
                    {"compress", compress},
                    {"ipv6", false},
                    {"connect_timeout", kRieConnectTimeoutSeconds + source.shutdown_timeout}};
  const std::string salt = RandomSecret(8);
  const auto results = ReceiveRemoteDisks(
      ctx, pnode, spec, destinations, opts,
      [&](const std::vector<std::pair<int64_t, std::string>>& listening) {
        json::array infos;
        for (size_t i = 0; i < listening.size(); ++i) {
          infos.push_back(RemoteImportDiskInfo(source.cds, salt, i, pnode.primary_ip,
                                               listening[i].first, listening[i].second));
        }
        ctx.op.FeedbackJsonOfType(
            "remote-import",
            SerializeJson(json::object{{"disks", std::move(infos)}, {"x509_ca", signed_cert}}));
      });
  ThrowUnlessImported(results, labels, spec.name, "the source cluster", pnode.name);
}

std::vector<std::string> WithSourceNode(std::vector<std::string> nodes,
                                        const std::optional<ImportSource>& source) {
  if (source && source->node.uuid != nodes.front()) nodes.push_back(source->node.uuid);
  return nodes;
}

// Fills the new disks from the export's images (Ganeti: the OS import
// script on the new primary, or the raw disk for an instance without OS),
// then runs the OS rename script from the exported name. Throws, leaving
// the disks to the caller, when a disk could not be imported.
void ImportDiskData(LuContext& ctx, const ImportSource& source, const objects::Node& pnode,
                    const std::vector<objects::Disk>& disks, const rpc::InstanceSpec& spec,
                    const std::string& compress) {
  ctx.Feedback("* running the instance OS import scripts...");
  const auto images = ExportDiskImages(source.info, disks.size());
  std::vector<std::optional<DiskTransfer>> transfers;
  for (size_t i = 0; i < disks.size(); ++i) {
    if (images[i].empty()) continue;  // not in the export: left empty, as Ganeti does
    DiskTransfer t;
    t.label = "disk/" + std::to_string(i);
    t.source_io =
        json::array{json::value("file"), json::array{json::value(source.path + "/" + images[i])}};
    t.dest_io = InstanceDiskIo(spec.os, disks[i], i);
    transfers.push_back(std::move(t));
  }
  const auto results = TransferInstanceData(ctx, source.node, pnode, compress, spec, transfers);
  std::vector<std::string> labels;
  for (const auto& t : transfers) labels.push_back(t->label);
  ThrowUnlessImported(results, labels, spec.name, "node " + source.node.name, pnode.name);
  RunRenameScript(ctx, pnode, spec, source.old_name);
}

}  // namespace

json::value InstanceCreate(LuContext& ctx, const json::object& given_op) {
  std::optional<ImportSource> source;
  json::object op = given_op;
  if (OptionalString(given_op, "mode").value_or("create") == "import") {
    source = FindImportSource(ctx, given_op);
    op = ctx.config.Read(
        [&](const objects::ConfigData& d) { return WithExportParams(given_op, source->info, d); });
    ctx.config.Read([&](const objects::ConfigData& d) {
      CheckCompressionTool(d, OptionalString(op, "compress").value_or("none"));
    });
    if (BoolParam(given_op, "no_install", false)) {
      ctx.Feedback("No-installation mode has no effect during import");
    }
  }
  std::optional<RemoteImportSource> remote_source;
  if (OptionalString(given_op, "mode").value_or("create") == "remote-import") {
    remote_source = CheckRemoteImportSource(ctx.paths, given_op);
  }
  CreateRequest req =
      ctx.config.Read([&](const objects::ConfigData& d) { return ParseCreate(op, d); });

  // The name: resolved through the cluster's hosts file (a virtual cluster
  // adds it there, being its own name service).
  std::string instance_ip;
  if (req.name_check) {
    auto ip = ResolveHost(ctx.paths, req.name);
    if (!ip && ctx.paths.is_virtual()) {
      ip = AddVirtualHost(ctx.paths, req.name);
      ctx.Feedback("Name " + req.name + " added to the virtual cluster's hosts file as " + *ip);
    }
    if (!ip) {
      throw OpPrereqError("Host name '" + req.name +
                              "' cannot be resolved; use --no-name-check "
                              "to create it anyway",
                          kEcodeResolver);
    }
    instance_ip = *ip;
  }

  AcquireBgl(ctx, true);
  ctx.locks.Acquire(ctx.owner, locking::Level::kInstance, {req.name}, false);
  const std::string allocator = req.pnode.empty() ? AllocatorName(ctx, req.iallocator) : "";
  if (req.pnode.empty() && allocator.empty()) {
    throw OpPrereqError(
        "No primary node given and no default iallocator defined; use -n NODE "
        "or -I ALLOCATOR",
        kEcodeInval);
  }
  std::string pnode_uuid;
  auto& allocations = ctx.services.AllocatorLiveData();
  // The instance's reservation on its node ends with the commit below, or
  // here when the creation fails.
  struct ReservationEnd {
    NodeLiveCache& allocations;
    const std::string& owner;
    ~ReservationEnd() { allocations.Abandon(owner); }  // no-op after the commit
  } reservation_end{allocations, ctx.owner};
  if (!req.pnode.empty()) {
    pnode_uuid = ctx.config.Read(
        [&](const objects::ConfigData& d) { return ExpandNode(d, req.pnode).uuid; });
    LockNodes(ctx, WithSourceNode({pnode_uuid}, source));
    auto needs = ctx.config.Read([&](const objects::ConfigData& d) { return NeedsOf(req, d); });
    auto deciding = allocations.DecideAlone();  // allocations see it from now on
    allocations.Reserve(ctx.owner, ReservationFor(pnode_uuid, needs));
  }
  ctx.op.NotifyStart();

  ctx.config.Read([&](const objects::ConfigData& d) {
    if (d.FindInstanceByName(req.name)) {
      throw OpPrereqError("Instance '" + req.name + "' is already in the cluster", kEcodeExists);
    }
    // The IP check looks for the address among the cluster's nodes and
    // instances (Ganeti pings it; on loopback every address would answer).
    if (req.ip_check && !instance_ip.empty()) {
      for (const auto& [u, n] : d.nodes) {
        if (n.primary_ip == instance_ip) {
          throw OpPrereqError("IP " + instance_ip + " of instance " + req.name +
                                  " already in use (by node " + n.name + ")",
                              kEcodeNotUnique);
        }
      }
    }
  });

  if (pnode_uuid.empty()) {
    auto needs = ctx.config.Read([&](const objects::ConfigData& d) { return NeedsOf(req, d); });
    std::string chosen = AllocatePrimaryNode(ctx, allocator, needs);
    pnode_uuid =
        ctx.config.Read([&](const objects::ConfigData& d) { return ExpandNode(d, chosen).uuid; });
    ctx.Feedback("Selected node " + chosen + " for instance " + req.name + " using iallocator " +
                 allocator);
    LockNodes(ctx, WithSourceNode({pnode_uuid}, source));
  }

  objects::Node pnode;
  objects::Instance instance;
  std::vector<objects::Disk> disks;
  // NIC addresses picked below are held until the commit or a failure.
  struct ReleasePicked {
    const std::string& owner;
    ~ReleasePicked() { ReleasePickedAddresses(owner); }
  } release_picked{ctx.owner};
  ctx.config.Read([&](const objects::ConfigData& d) {
    pnode = d.nodes.at(pnode_uuid);
    CheckNodeOnline(pnode, "as primary node");
    CheckNodeNotDrained(pnode, "as primary node");
    CheckNodeVmCapable(pnode);
    instance.name = req.name;
    instance.uuid = NewUuid();
    instance.primary_node = pnode_uuid;
    instance.os = req.os;
    instance.hypervisor = req.hypervisor;
    instance.admin_state = req.start ? "up" : "down";
    instance.beparams = req.beparams;
    instance.hvparams = req.hvparams;
    instance.osparams = req.osparams;
    instance.tags = req.tags;
    instance.nics = BuildNics(req, d, instance_ip, pnode, ctx.owner);
    disks = BuildDisks(req, d, pnode_uuid);
    for (const auto& disk : disks) instance.disks.push_back(disk.uuid);
    instance.disks_active = !disks.empty();
    instance.ctime = instance.mtime = ToNumber(TimestampNow()[0], "time");
  });

  // The instance policy of the primary node's group.
  auto needs = ctx.config.Read([&](const objects::ConfigData& d) { return NeedsOf(req, d); });
  {
    InstanceSpecs specs{req.disk_template,
                        needs.memory,
                        needs.vcpus,
                        needs.spindle_use,
                        static_cast<int64_t>(req.nics.size()),
                        {}};
    for (const auto& [size, mode] : req.disks) specs.disk_sizes.push_back(size);
    auto [group_name, violations] = ctx.config.Read([&](const objects::ConfigData& d) {
      const auto& group = d.nodegroups.at(pnode.group);
      return std::make_pair(group.name, IPolicyViolations(objects::FilledIPolicy(d, group), specs));
    });
    if (!violations.empty()) {
      std::string text;
      for (const auto& v : violations) text += (text.empty() ? "" : "; ") + v;
      std::string msg = "Instance allocation to group " + group_name + " (" + pnode.group +
                        ") violates policy: " + text;
      if (!BoolParam(op, "ignore_ipolicy", false)) {
        throw OpPrereqError(msg + " (use --ignore-ipolicy to create it anyway)", kEcodeInval);
      }
      ctx.Feedback("Warning: " + msg);
    }
  }

  // Prerequisites on the node itself: the OS, memory and disk space.
  // Asked in one call: a node's every call costs it a wake-up.
  std::vector<rpc::BatchCall> checks{
      {rpc::procedures::kOsValidate, json::array{json::value(req.os), req.osparams}}};
  if (req.start) checks.push_back(NodeFreeMemoryCall());
  const auto checked = ctx.rpc.CallBatchParallel({AddressOf(pnode)}, checks).front();
  if (!checked[0].ok) {
    throw OpPrereqError(
        "OS '" + req.os + "' not usable on node " + pnode.name + ": " + checked[0].error,
        kEcodeInval);
  }
  if (req.start) {
    CheckNodeFreeMemoryAnswer(pnode, checked[1], needs.memory, "starting instance " + req.name);
  }
  if (req.disk_template == "file" || req.disk_template == "sharedfile") {
    int64_t required = 0;
    for (const auto& [size, mode] : req.disks) required += size;
    int64_t free = NodeFreeStorage(ctx, pnode, req.disk_template);
    if (required > free) {
      throw OpPrereqError("Not enough disk space on target node " + pnode.name + ": required " +
                              std::to_string(required) + " MiB, available " + std::to_string(free) +
                              " MiB",
                          kEcodeNoRes);
    }
  }

  // Disks, then the OS install: a failure on the way leaves nothing behind.
  if (!disks.empty()) {
    ctx.Feedback("* creating instance disks...");
    CreateDisks(ctx, disks, pnode);
  }
  auto cleanup_disks = [&]() { RemoveDisks(ctx, disks); };
  rpc::InstanceSpec spec;
  {
    objects::ConfigData view = ctx.config.Read([](const objects::ConfigData& d) {
      objects::ConfigData v;
      v.cluster = d.cluster;
      v.nodegroups = d.nodegroups;
      return v;
    });
    for (const auto& disk : disks) view.disks[disk.uuid] = disk;
    spec = InstanceSpecOf(view, instance);
  }
  if (source || remote_source) {
    try {
      const std::string compress = OptionalString(op, "compress").value_or("none");
      if (source) {
        ImportDiskData(ctx, *source, pnode, disks, spec, compress);
      } else {
        ReceiveRemoteImport(ctx, *remote_source, pnode, disks, spec, compress);
        RunRenameScript(ctx, pnode, spec, remote_source->instance_name);
      }
    } catch (...) {
      cleanup_disks();
      throw;
    }
  } else if (!req.no_install && !disks.empty()) {
    // As Ganeti: an instance without disks has nothing to install onto.
    ctx.Feedback("* running the instance OS create scripts...");
    auto result = ctx.rpc.Call(AddressOf(pnode), rpc::procedures::kInstanceOsAdd,
                               json::array{rpc::ToJson(spec), false, 0});
    if (!result.ok) {
      cleanup_disks();
      throw OpExecError("Could not add os for instance " + req.name + " on node " + pnode.name +
                        ": " + result.error);
    }
  }
  try {
    ctx.Commit([&](ConfigTxn& txn) {
      if (txn.data().FindInstanceByName(req.name)) {
        throw OpPrereqError("Instance '" + req.name + "' is already in the cluster", kEcodeExists);
      }
      for (auto disk : disks) txn.AddDisk(std::move(disk));
      ReserveNicAddresses(txn, instance.nics);
      txn.AddInstance(instance);
      allocations.Release(ctx.owner);  // the config counts the instance now
    });
  } catch (...) {
    cleanup_disks();
    throw;
  }
  if (req.start) {
    ctx.Feedback("* starting instance...");
    auto result = ctx.rpc.Call(AddressOf(pnode), rpc::procedures::kInstanceStart,
                               json::array{rpc::ToJson(spec), false});
    if (!result.ok) {
      // The creation fails as a whole: the instance leaves the config again
      // (an undo, so recovery after a crash agrees) and its disks go.
      ctx.CommitUndo([&](ConfigTxn& txn) {
        ReleaseNicAddresses(txn, instance.nics);
        txn.RemoveInstance(instance.uuid);
        for (const auto& disk : disks) txn.RemoveDisk(disk.uuid);
      });
      cleanup_disks();
      throw OpExecError("Could not start instance " + req.name + " on node " + pnode.name + ": " +
                        result.error);
    }
  }
  return json::array{json::value(pnode.name)};
}

json::value InstanceMultiAlloc(LuContext& ctx, const json::object& op) {
  auto it = op.find("instances");
  if (it == op.end() || !it->value().is_array() || it->value().get_array().empty()) {
    throw OpPrereqError("Parameter 'instances' must be a non-empty list of instance creations",
                        kEcodeInval);
  }
  std::vector<json::object> creations;
  for (const auto& v : it->value().get_array()) {
    if (!v.is_object()) throw OpPrereqError("Each instance must be an opcode", kEcodeInval);
    json::object c = v.get_object();
    c["OP_ID"] = "OP_INSTANCE_CREATE";
    creations.push_back(std::move(c));
  }
  bool any_node = std::any_of(creations.begin(), creations.end(), [](const json::object& c) {
    return c.contains("pnode") && !c.at("pnode").is_null();
  });
  std::string allocator = OptionalString(op, "iallocator").value_or("");
  json::array allocatable, failed;
  if (!any_node) {
    allocator = AllocatorName(ctx, allocator);
    if (allocator.empty()) {
      throw OpPrereqError(
          "No iallocator given and no default one defined, and the instances name "
          "no primary nodes",
          kEcodeInval);
    }
    std::vector<NewInstanceNeeds> all;
    AcquireBgl(ctx, true);
    ctx.locks.AcquireAll(ctx.owner, locking::Level::kNode, true);
    ctx.op.NotifyStart();
    ctx.config.Read([&](const objects::ConfigData& d) {
      for (const auto& c : creations) all.push_back(NeedsOf(ParseCreate(c, d), d));
    });
    auto [placed, unplaced] = AllocateMany(ctx, allocator, all);
    for (auto& c : creations) {
      std::string name(c.at("instance_name").as_string());
      for (const auto& [iname, node] : placed) {
        if (iname == name) {
          c["pnode"] = node;
          c.erase("iallocator");
          allocatable.push_back(json::value(name));
        }
      }
    }
    for (const auto& n : unplaced) failed.push_back(json::value(n));
    ctx.locks.ReleaseAll(ctx.owner);
  } else {
    ctx.op.NotifyStart();
    for (const auto& c : creations) allocatable.push_back(c.at("instance_name"));
  }
  // One job per placed instance, as Ganeti does.
  json::array jobs;
  for (const auto& c : creations) {
    if (!c.contains("pnode")) continue;
    jobs.push_back(ctx.services.SubmitJob(json::array{c}));
  }
  return json::object{{"jobs", std::move(jobs)},
                      {"allocatable", std::move(allocatable)},
                      {"allocation_failed", std::move(failed)}};
}

}  // namespace herd::master
