#include "objects/group.h"

#include "objects/json_fields.h"

namespace herd::objects {
namespace {

using P = Presence;
const Field<NodeGroup> kGroupFields[] = {
    {"name", &NodeGroup::name, P::kRequired},
    {"uuid", &NodeGroup::uuid, P::kRequired},
    {"alloc_policy", &NodeGroup::alloc_policy},
    {"serial_no", &NodeGroup::serial_no},
    {"ctime", &NodeGroup::ctime, P::kOptional},
    {"mtime", &NodeGroup::mtime, P::kOptional},
    {"tags", &NodeGroup::tags, P::kOptional},
    {"ndparams", &NodeGroup::ndparams},
    {"ipolicy", &NodeGroup::ipolicy},
    {"diskparams", &NodeGroup::diskparams},
    {"networks", &NodeGroup::networks},
    {"hv_state_static", &NodeGroup::hv_state_static, P::kOptional},
    {"disk_state_static", &NodeGroup::disk_state_static, P::kOptional},
};

}  // namespace

NodeGroup NodeGroupFromJson(const json::value& v) {
  return ReadObject<NodeGroup>(v, "node group", kGroupFields);
}

json::value ToJson(const NodeGroup& group) { return WriteObject<NodeGroup>(group, kGroupFields); }

}  // namespace herd::objects
