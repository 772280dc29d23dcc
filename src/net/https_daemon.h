// Running an HTTPS server as a daemon: lock the pid file, bind (so a taken
// address fails the start), detach, log to the node's log dir, serve until
// SIGTERM/SIGINT, then remove the pid file.
#pragma once

#include <string>

#include "base/paths.h"
#include "net/https_server.h"

namespace herd::net {

void ServeAsDaemon(HttpsServer& server, const Paths& paths, const std::string& daemon,
                   bool foreground, bool debug, const std::string& description);

}  // namespace herd::net
