// The NIC and disk changes of OP_INSTANCE_SET_PARAMS (gnt-instance modify
// --net / --disk): Ganeti's [action, identifier, params] modifications.
#include "master/cmdlib/instance_devices.h"

#include "base/errors.h"
#include "base/json.h"
#include "base/python_repr.h"
#include "master/cmdlib/common.h"
#include "master/cmdlib/instance_common.h"
#include "master/cmdlib/instance_nics.h"
#include "master/cmdlib/instance_params.h"
#include "master/cmdlib/network.h"

namespace herd::master {
namespace json = boost::json;

namespace {

struct DeviceMod {
  std::string action;  // add, remove, modify
  json::value identifier;
  json::object params;
};

// Ganeti's modifications: [action, identifier, params] or the legacy
// [identifier, params] (identifier "add", "remove" or an index).
std::vector<DeviceMod> ParseMods(const json::object& op, const char* key) {
  std::vector<DeviceMod> mods;
  auto it = op.find(key);
  if (it == op.end() || it->value().is_null()) return mods;
  if (!it->value().is_array()) {
    throw OpPrereqError(std::string("Parameter '") + key + "' must be a list", kEcodeInval);
  }
  for (const auto& entry : it->value().get_array()) {
    const auto* fields = entry.if_array();
    if (!fields || fields->size() < 2 || fields->size() > 3 || !fields->back().is_object()) {
      throw OpPrereqError(std::string("Invalid ") + key + " modification " + SerializeJson(entry),
                          kEcodeInval);
    }
    DeviceMod mod;
    mod.params = fields->back().get_object();
    if (fields->size() == 3) {
      mod.action = (*fields)[0].is_string() ? std::string((*fields)[0].get_string()) : "";
      mod.identifier = (*fields)[1];
    } else {
      const auto& id = (*fields)[0];
      if (id == json::value("add") || id == json::value("remove")) {
        mod.action = std::string(id.get_string());
        mod.identifier = -1;
      } else {
        mod.action = "modify";
        mod.identifier = id;
      }
    }
    if (mod.action == "attach" || mod.action == "detach") {
      throw OpPrereqError(
          "Herd's disks belong to one instance each; attaching and detaching "
          "disks is not supported",
          kEcodeInval);
    }
    if (mod.action != "add" && mod.action != "remove" && mod.action != "modify") {
      throw OpPrereqError("Invalid modification action '" + mod.action + "'", kEcodeInval);
    }
    if (mod.action == "remove" && !mod.params.empty()) {
      throw OpPrereqError("Not accepting parameters on removal/detach", kEcodeInval);
    }
    mods.push_back(std::move(mod));
  }
  return mods;
}

// Ganeti's GetItemFromContainer: an index (negative counts from the end),
// else a name or UUID.
size_t ResolveIndex(const json::value& identifier, const std::vector<std::string>& names,
                    const std::vector<std::string>& uuids, const std::string& kind) {
  std::optional<int64_t> index;
  if (identifier.is_int64()) index = identifier.get_int64();
  if (identifier.is_string()) {
    const std::string text(identifier.get_string());
    try {
      size_t used = 0;
      const int64_t n = std::stoll(text, &used);
      if (used == text.size()) index = n;
    } catch (const std::exception&) {
    }
    if (!index) {
      for (size_t i = 0; i < names.size(); ++i) {
        if (names[i] == text || uuids[i] == text) return i;
      }
      throw OpPrereqError("Cannot find " + kind + " with identifier " + text, kEcodeInval);
    }
  }
  if (!index) throw OpPrereqError("Invalid " + kind + " identifier", kEcodeInval);
  const int64_t count = static_cast<int64_t>(names.size());
  const int64_t absolute = *index < 0 ? count + *index : *index;
  if (absolute < 0 || absolute >= count) {
    throw OpPrereqError("Invalid " + kind + " index " + std::to_string(*index) +
                            " (container has " + std::to_string(count) + " items)",
                        kEcodeInval);
  }
  return static_cast<size_t>(absolute);
}

std::string Param(const json::object& params, const char* key) {
  auto it = params.find(key);
  return it == params.end() ? "" : PythonStr(it->value());
}

void ModifyNics(LuContext& ctx, const objects::Instance& instance, const objects::Node& pnode,
                const std::vector<DeviceMod>& mods, json::array& report) {
  ctx.Commit([&](ConfigTxn& txn) {
    const objects::ConfigData& d = txn.data();
    auto& inst = txn.MutableInstance(instance.uuid);
    for (const auto& mod : mods) {
      std::vector<std::string> names, uuids;
      for (const auto& nic : inst.nics) {
        names.push_back(nic.name);
        uuids.push_back(nic.uuid);
      }
      if (mod.action == "add") {
        const int64_t at = mod.identifier.is_int64() ? mod.identifier.get_int64() : -1;
        const size_t index = at < 0 ? inst.nics.size() : static_cast<size_t>(at);
        if (index > inst.nics.size()) {
          throw OpPrereqError("Invalid NIC index " + std::to_string(at), kEcodeInval);
        }
        objects::Nic nic = BuildNic(mod.params, index, d, "", pnode, ctx.owner);
        ReserveNicAddresses(txn, {nic});
        const json::object filled = objects::FilledNicParams(d, nic);
        report.push_back(json::array{
            "nic." + std::to_string(index),
            "add:mac=" + nic.mac + ",ip=" + (nic.ip.empty() ? "None" : nic.ip) +
                ",mode=" + Param(filled, "mode") + ",link=" + Param(filled, "link") +
                ",network=" + (nic.network.empty() ? "None" : d.networks.at(nic.network).name)});
        inst.nics.insert(inst.nics.begin() + static_cast<std::ptrdiff_t>(index), std::move(nic));
        continue;
      }
      const size_t index = ResolveIndex(mod.identifier, names, uuids, "NIC");
      if (mod.action == "remove") {
        ReleaseNicAddresses(txn, {inst.nics[index]});
        inst.nics.erase(inst.nics.begin() + static_cast<std::ptrdiff_t>(index));
        report.push_back(json::array{"nic/" + std::to_string(index), "remove"});
        continue;
      }
      auto& nic = inst.nics[index];
      for (const auto& [key, value] : mod.params) {
        const std::string k(key);
        if (k == "mac") {
          nic.mac = value == json::value("auto") || value == json::value("generate")
                        ? NewMac(d, nic.network)
                        : PythonStr(value);
        } else if (k == "ip") {
          ReleaseNicAddresses(txn, {nic});
          nic.ip = value.is_null() || value == json::value("none") ? "" : PythonStr(value);
          if (!nic.network.empty() && !nic.ip.empty()) {
            nic.ip = PickNicAddress(d, nic.network, nic.ip, ctx.owner);
          }
          ReserveNicAddresses(txn, {nic});
        } else if (k == "name") {
          nic.name = PythonStr(value);
        } else if (k == "mode" || k == "link" || k == "vlan") {
          if (!nic.network.empty()) {
            throw OpPrereqError(
                "Not allowed to change link or mode of a NIC that is connected "
                "to a network",
                kEcodeInval);
          }
          nic.nicparams[k] = value;
        } else {
          throw OpPrereqError("Unknown NIC parameter '" + k + "'", kEcodeInval);
        }
        report.push_back(json::array{"nic." + k + "/" + std::to_string(index), value});
      }
    }
    inst.serial_no += 1;
    inst.mtime = ToNumber(TimestampNow()[0], "time");
  });
}

// A new disk of the instance's template on its primary node, named as
// creation names them.
objects::Disk NewDisk(const objects::ConfigData& d, const objects::Instance& inst,
                      const std::string& template_name, size_t index, const json::object& params) {
  if (!params.contains("size")) {
    throw OpPrereqError("Required disk parameter 'size' missing", kEcodeInval);
  }
  objects::Disk disk;
  disk.uuid = NewUuid();
  disk.name = Param(params, "name");
  disk.dev_type = template_name;
  disk.iv_name = "disk/" + std::to_string(index);
  disk.size = ParseSizeMib(params.at("size"), "disk " + std::to_string(index));
  disk.mode = params.contains("mode") ? Param(params, "mode") : "rw";
  if (disk.mode != "rw" && disk.mode != "ro") {
    throw OpPrereqError("Invalid disk access mode '" + disk.mode + "'", kEcodeInval);
  }
  disk.nodes = {inst.primary_node};
  std::string driver = "loop";
  if (!inst.disks.empty()) {
    const auto& first = d.disks.at(inst.disks.front()).logical_id;
    if (!first.empty() && first[0].is_string()) driver = std::string(first[0].get_string());
  }
  const std::string base = template_name == "sharedfile" ? d.cluster.shared_file_storage_dir
                                                         : d.cluster.file_storage_dir;
  disk.logical_id = json::array{
      json::value(driver),
      json::value(base + "/" + inst.name + "/" + disk.uuid + ".file.disk" + std::to_string(index))};
  disk.ctime = disk.mtime = ToNumber(TimestampNow()[0], "time");
  return disk;
}

void RenumberDisks(ConfigTxn& txn, const objects::Instance& inst) {
  for (size_t i = 0; i < inst.disks.size(); ++i) {
    txn.MutableDisk(inst.disks[i]).iv_name = "disk/" + std::to_string(i);
  }
}

void ModifyDisks(LuContext& ctx, const objects::Instance& instance, const objects::Node& pnode,
                 const std::vector<DeviceMod>& mods, bool running, json::array& report) {
  const std::string disk_template =
      ctx.config.Read([&](const objects::ConfigData& d) { return DiskTemplateOf(d, instance); });
  if (disk_template != "file" && disk_template != "sharedfile") {
    throw OpPrereqError(
        "Disk operations not supported for instances with disk template '" + disk_template + "'",
        kEcodeInval);
  }
  for (const auto& mod : mods) {
    objects::Instance current = ctx.config.Read(
        [&](const objects::ConfigData& d) { return d.instances.at(instance.uuid); });
    std::vector<objects::Disk> disks = ctx.config.Read([&](const objects::ConfigData& d) {
      std::vector<objects::Disk> out;
      for (const auto& uuid : current.disks) out.push_back(d.disks.at(uuid));
      return out;
    });
    if (mod.action == "add") {
      const int64_t at = mod.identifier.is_int64() ? mod.identifier.get_int64() : -1;
      const size_t index = at < 0 ? disks.size() : static_cast<size_t>(at);
      if (index > disks.size()) {
        throw OpPrereqError("Invalid disk index " + std::to_string(at), kEcodeInval);
      }
      objects::Disk disk = ctx.config.Read([&](const objects::ConfigData& d) {
        return NewDisk(d, current, disk_template, index, mod.params);
      });
      CreateDisks(ctx, {disk}, pnode);
      try {
        ctx.Commit([&](ConfigTxn& txn) {
          txn.AddDisk(disk);
          auto& inst = txn.MutableInstance(instance.uuid);
          inst.disks.insert(inst.disks.begin() + static_cast<std::ptrdiff_t>(index), disk.uuid);
          RenumberDisks(txn, inst);
          inst.serial_no += 1;
        });
      } catch (...) {
        RemoveDisks(ctx, {disk});
        throw;
      }
      report.push_back(json::array{"disk/" + std::to_string(index),
                                   "add:size=" + std::to_string(disk.size) + ",mode=" + disk.mode});
      continue;
    }
    std::vector<std::string> names, uuids;
    for (const auto& disk : disks) {
      names.push_back(disk.name);
      uuids.push_back(disk.uuid);
    }
    const size_t index = ResolveIndex(mod.identifier, names, uuids, "disk");
    if (mod.action == "remove") {
      if (running) {
        throw OpPrereqError("Instance " + instance.name +
                                " is running; stop it before removing a disk (Herd's hypervisor "
                                "cannot unplug disks)",
                            kEcodeState);
      }
      if (disks.size() == 1) {
        throw OpPrereqError("Cannot remove the last disk of an instance", kEcodeInval);
      }
      ctx.Commit([&](ConfigTxn& txn) {
        auto& inst = txn.MutableInstance(instance.uuid);
        inst.disks.erase(inst.disks.begin() + static_cast<std::ptrdiff_t>(index));
        txn.RemoveDisk(disks[index].uuid);
        RenumberDisks(txn, inst);
        inst.serial_no += 1;
      });
      if (!RemoveDisks(ctx, {disks[index]})) {
        ctx.LogWarning("Could not remove the data of disk/" + std::to_string(index) +
                       "; remove it by hand");
      }
      report.push_back(json::array{"disk/" + std::to_string(index), "remove"});
      continue;
    }
    for (const auto& [key, value] : mod.params) {
      const std::string k(key);
      if (k == "size")
        throw OpPrereqError("Disk size change not possible, use grow-disk", kEcodeInval);
      if (k != "mode" && k != "name") {
        throw OpPrereqError("Disk '" + k + "' parameter change is not supported", kEcodeInval);
      }
      const std::string text = PythonStr(value);
      if (k == "mode" && text != "rw" && text != "ro") {
        throw OpPrereqError("Invalid disk access mode '" + text + "'", kEcodeInval);
      }
    }
    ctx.Commit([&](ConfigTxn& txn) {
      auto& disk = txn.MutableDisk(disks[index].uuid);
      for (const auto& [key, value] : mod.params) {
        (std::string(key) == "mode" ? disk.mode : disk.name) = PythonStr(value);
        report.push_back(
            json::array{"disk." + std::string(key) + "/" + std::to_string(index), value});
      }
      txn.MutableInstance(instance.uuid).serial_no += 1;
    });
  }
}

}  // namespace

bool HasDeviceChanges(const json::object& op) {
  for (const char* key : {"disks", "nics"}) {
    auto it = op.find(key);
    if (it != op.end() && it->value().is_array() && !it->value().get_array().empty()) return true;
  }
  return false;
}

void ModifyInstanceDevices(LuContext& ctx, const objects::Instance& instance,
                           const objects::Node& pnode, bool running, const json::object& op,
                           json::array& report) {
  // NIC addresses picked from pools are held until the commit.
  struct ReleasePicked {
    const std::string& owner;
    ~ReleasePicked() { ReleasePickedAddresses(owner); }
  } release_picked{ctx.owner};
  const auto nic_mods = ParseMods(op, "nics");
  const auto disk_mods = ParseMods(op, "disks");
  if (!disk_mods.empty()) ModifyDisks(ctx, instance, pnode, disk_mods, running, report);
  if (!nic_mods.empty()) ModifyNics(ctx, instance, pnode, nic_mods, report);
}

}  // namespace herd::master
