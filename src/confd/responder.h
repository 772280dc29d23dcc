// One datagram in, at most one datagram out: what confd sends back for a
// request, or nothing when the request must be dropped.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "confd/served_config.h"

namespace herd::confd {

// `config` null means there is none to answer from; every request then gets
// an error reply carrying `no_config_reason`. `why` (if given) receives the
// reason a datagram was dropped.
std::optional<std::string> Respond(std::string_view datagram, std::string_view key, int64_t now,
                                   const ServedConfig* config, const std::string& no_config_reason,
                                   std::string* why = nullptr);

}  // namespace herd::confd
