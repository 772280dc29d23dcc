// Which node RPC calls get a thread of their own: those that run scripts,
// move data or sync job files. The others are answered on the daemon's one
// I/O thread, which a thread started and stopped per call would cost more
// than the call itself.
#pragma once

#include <boost/json/fwd.hpp>
#include <string>
#include <string_view>

#include "base/paths.h"

namespace herd {

// `procedure` called with `args` (its argument list).
bool CallRunsLong(const Paths& paths, std::string_view procedure, const boost::json::value& args);

// The same for an HTTP request: POST /<procedure> with the JSON argument list
// as `body`. The body is read only for procedures whose arguments decide.
bool RequestRunsLong(const Paths& paths, std::string_view target, const std::string& body);

}  // namespace herd
