// ganeti-rapi: Ganeti's REST API v2 over HTTPS on the master node, a LUXI
// client of the master daemon.
#pragma once

namespace herd::rapi {

int RunRapiDaemon(int argc, char** argv);

}  // namespace herd::rapi
