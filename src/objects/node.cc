#include "objects/node.h"

#include "objects/json_fields.h"

namespace herd::objects {

Node NodeFromJson(const json::value& v) {
  FieldReader r(v, "node");
  Node n;
  n.name = r.RequiredString("name");
  FieldReader rn(v, "node " + n.name);
  n.uuid = rn.RequiredString("uuid");
  n.primary_ip = rn.String("primary_ip");
  n.secondary_ip = rn.String("secondary_ip");
  n.group = rn.String("group");
  n.master_candidate = rn.Bool("master_candidate");
  n.drained = rn.Bool("drained");
  n.offline = rn.Bool("offline");
  n.master_capable = rn.Bool("master_capable", true);
  n.vm_capable = rn.Bool("vm_capable", true);
  n.powered = rn.Bool("powered", true);
  n.serial_no = rn.Int("serial_no", 1);
  n.ctime = rn.Number("ctime");
  n.mtime = rn.Number("mtime");
  n.tags = rn.Strings("tags");
  n.ndparams = rn.Object("ndparams");
  n.extra = rn.object();
  return n;
}

json::value ToJson(const Node& n) {
  return FieldWriter(n.extra, "name")
      .Put("name", n.name)
      .Put("uuid", n.uuid)
      .Put("primary_ip", n.primary_ip)
      .Put("secondary_ip", n.secondary_ip)
      .Put("group", n.group)
      .Put("master_candidate", n.master_candidate)
      .Put("drained", n.drained)
      .Put("offline", n.offline)
      .Put("master_capable", n.master_capable)
      .Put("vm_capable", n.vm_capable)
      .Put("powered", n.powered)
      .Put("serial_no", n.serial_no)
      .Put("ctime", n.ctime)
      .Put("mtime", n.mtime)
      .PutStrings("tags", n.tags)
      .Put("ndparams", n.ndparams)
      .Done();
}

}  // namespace herd::objects
