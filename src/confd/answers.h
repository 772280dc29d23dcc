// Ganeti's answer to each confd request type, computed from the served
// configuration (Ganeti's Confd/Server.hs buildResponse, rewritten).
#pragma once

#include "confd/reply.h"
#include "confd/request.h"
#include "confd/served_config.h"

namespace herd::confd {

Reply Answer(const ServedConfig& config, const Request& request);

}  // namespace herd::confd
