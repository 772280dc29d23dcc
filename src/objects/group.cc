#include "objects/group.h"

#include "objects/json_fields.h"

namespace herd::objects {

NodeGroup NodeGroupFromJson(const json::value& v) {
  NodeGroup g;
  g.name = FieldReader(v, "node group").RequiredString("name");
  FieldReader r(v, "node group " + g.name);
  g.uuid = r.RequiredString("uuid");
  g.alloc_policy = r.String("alloc_policy", "preferred");
  g.serial_no = r.Int("serial_no", 1);
  g.ctime = r.Number("ctime");
  g.mtime = r.Number("mtime");
  g.tags = r.Strings("tags");
  g.ndparams = r.Object("ndparams");
  g.ipolicy = r.Object("ipolicy");
  g.diskparams = r.Object("diskparams");
  g.networks = r.Object("networks");
  g.extra = r.object();
  return g;
}

json::value ToJson(const NodeGroup& g) {
  return FieldWriter(g.extra, "name")
      .Put("name", g.name)
      .Put("uuid", g.uuid)
      .Put("alloc_policy", g.alloc_policy)
      .Put("serial_no", g.serial_no)
      .Put("ctime", g.ctime)
      .Put("mtime", g.mtime)
      .PutStrings("tags", g.tags)
      .Put("ndparams", g.ndparams)
      .Put("ipolicy", g.ipolicy)
      .Put("diskparams", g.diskparams)
      .Put("networks", g.networks)
      .Done();
}

}  // namespace herd::objects
