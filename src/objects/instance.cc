#include "objects/instance.h"

#include "base/errors.h"
#include "objects/json_fields.h"

namespace herd::objects {

Disk DiskFromJson(const json::value& v) {
  Disk d;
  d.uuid = FieldReader(v, "disk").RequiredString("uuid");
  FieldReader r(v, "disk " + d.uuid);
  d.name = r.String("name");
  d.dev_type = r.String("dev_type");
  d.iv_name = r.String("iv_name");
  d.mode = r.String("mode", "rw");
  d.size = r.Int("size");
  if (auto it = r.object().find("logical_id"); it != r.object().end() && it->value().is_array()) {
    d.logical_id = it->value().get_array();
  }
  d.nodes = r.Strings("nodes");
  d.params = r.Object("params");
  d.serial_no = r.Int("serial_no", 1);
  d.ctime = r.Number("ctime");
  d.mtime = r.Number("mtime");
  d.extra = r.object();
  return d;
}

json::value ToJson(const Disk& d) {
  FieldWriter w(d.extra, "uuid");
  w.Put("uuid", d.uuid).Put("dev_type", d.dev_type).Put("iv_name", d.iv_name).Put("mode", d.mode);
  w.Put("size", d.size).Put("logical_id", d.logical_id).PutStrings("nodes", d.nodes);
  w.Put("params", d.params).Put("serial_no", d.serial_no).Put("ctime", d.ctime);
  w.Put("mtime", d.mtime);
  if (!d.name.empty()) w.Put("name", d.name);
  return w.Done();
}

Nic NicFromJson(const json::value& v) {
  FieldReader r(v, "nic");
  Nic n;
  n.uuid = r.String("uuid");
  n.name = r.String("name");
  n.mac = r.String("mac");
  n.ip = r.String("ip");
  n.network = r.String("network");
  n.nicparams = r.Object("nicparams");
  n.extra = r.object();
  return n;
}

json::value ToJson(const Nic& n) {
  FieldWriter w(n.extra, "mac");
  w.Put("uuid", n.uuid).Put("mac", n.mac).Put("nicparams", n.nicparams);
  if (!n.ip.empty()) w.Put("ip", n.ip);
  if (!n.name.empty()) w.Put("name", n.name);
  if (!n.network.empty()) w.Put("network", n.network);
  return w.Done();
}

Instance InstanceFromJson(const json::value& v) {
  Instance i;
  i.name = FieldReader(v, "instance").RequiredString("name");
  FieldReader r(v, "instance " + i.name);
  i.uuid = r.RequiredString("uuid");
  i.primary_node = r.String("primary_node");
  i.os = r.String("os");
  i.hypervisor = r.String("hypervisor", "fake");
  i.admin_state = r.String("admin_state", "down");
  i.admin_state_source = r.String("admin_state_source", "admin");
  i.disk_template = r.String("disk_template", "");
  i.disks = r.Strings("disks");
  if (auto it = r.object().find("nics"); it != r.object().end() && it->value().is_array()) {
    for (const auto& nic : it->value().get_array()) i.nics.push_back(NicFromJson(nic));
  }
  i.beparams = r.Object("beparams");
  i.hvparams = r.Object("hvparams");
  i.osparams = r.Object("osparams");
  i.osparams_private = r.Object("osparams_private");
  i.tags = r.Strings("tags");
  i.disks_active = r.Bool("disks_active");
  i.network_port = r.Int("network_port");
  i.serial_no = r.Int("serial_no", 1);
  i.ctime = r.Number("ctime");
  i.mtime = r.Number("mtime");
  i.extra = r.object();
  return i;
}

json::value ToJson(const Instance& i) {
  json::array nics;
  for (const auto& n : i.nics) nics.push_back(ToJson(n));
  FieldWriter w(i.extra, "name");
  w.Put("name", i.name).Put("uuid", i.uuid).Put("primary_node", i.primary_node).Put("os", i.os);
  w.Put("hypervisor", i.hypervisor).Put("admin_state", i.admin_state);
  w.Put("admin_state_source", i.admin_state_source).PutStrings("disks", i.disks);
  w.Put("nics", std::move(nics)).Put("beparams", i.beparams).Put("hvparams", i.hvparams);
  w.Put("osparams", i.osparams).Put("osparams_private", i.osparams_private);
  w.PutStrings("tags", i.tags).Put("disks_active", i.disks_active);
  w.Put("serial_no", i.serial_no).Put("ctime", i.ctime).Put("mtime", i.mtime);
  if (i.network_port) w.Put("network_port", i.network_port);
  return w.Done();
}

}  // namespace herd::objects
