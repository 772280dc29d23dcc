#include "objects/node.h"

#include "objects/json_fields.h"

namespace herd::objects {
namespace {

using P = Presence;
const Field<Node> kNodeFields[] = {
    {"name", &Node::name, P::kRequired},
    {"uuid", &Node::uuid, P::kRequired},
    {"primary_ip", &Node::primary_ip},
    {"secondary_ip", &Node::secondary_ip},
    {"group", &Node::group},
    {"master_candidate", &Node::master_candidate},
    {"drained", &Node::drained},
    {"offline", &Node::offline},
    {"master_capable", &Node::master_capable},
    {"vm_capable", &Node::vm_capable},
    {"powered", &Node::powered},
    {"serial_no", &Node::serial_no},
    {"ctime", &Node::ctime},
    {"mtime", &Node::mtime},
    {"tags", &Node::tags, P::kOptional},
    {"ndparams", &Node::ndparams},
    {"hv_state_static", &Node::hv_state_static, P::kOptional},
    {"disk_state_static", &Node::disk_state_static, P::kOptional},
};

}  // namespace

Node NodeFromJson(const json::value& v) { return ReadObject<Node>(v, "node", kNodeFields); }

json::value ToJson(const Node& node) { return WriteObject<Node>(node, kNodeFields); }

}  // namespace herd::objects
