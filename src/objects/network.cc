#include "objects/network.h"

#include "objects/json_fields.h"

namespace herd::objects {
namespace {

using P = Presence;
const Field<Network> kNetworkFields[] = {
    {"name", &Network::name, P::kRequired},
    {"uuid", &Network::uuid, P::kRequired},
    {"network", &Network::network, P::kRequired},
    {"gateway", &Network::gateway, P::kOptional},
    {"network6", &Network::network6, P::kOptional},
    {"gateway6", &Network::gateway6, P::kOptional},
    {"mac_prefix", &Network::mac_prefix, P::kOptional},
    {"reservations", &Network::reservations, P::kOptional},
    {"ext_reservations", &Network::ext_reservations, P::kOptional},
    {"serial_no", &Network::serial_no},
    {"ctime", &Network::ctime, P::kOptional},
    {"mtime", &Network::mtime, P::kOptional},
    {"tags", &Network::tags, P::kOptional},
};

}  // namespace

Network NetworkFromJson(const json::value& v) {
  return ReadObject<Network>(v, "network", kNetworkFields);
}

json::value ToJson(const Network& network) { return WriteObject<Network>(network, kNetworkFields); }

}  // namespace herd::objects
