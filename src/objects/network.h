// A network (IP pool) as stored in config.data.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/json.h"

namespace herd::objects {

struct Network {
  std::string name, uuid;
  std::string network;  // "192.0.2.0/24"
  std::string gateway, network6, gateway6, mac_prefix;
  // One character per address of `network`: '1' reserved, '0' free (Ganeti's AddressPool).
  std::string reservations, ext_reservations;
  int64_t serial_no = 1;
  double ctime = 0, mtime = 0;
  std::vector<std::string> tags;
  json::object extra;  // fields Herd does not model, kept for the round trip
};

json::value ToJson(const Network& network);
// Throws ConfigurationError naming the network and the field at fault.
Network NetworkFromJson(const json::value& v);

}  // namespace herd::objects
