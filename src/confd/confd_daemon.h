// ganeti-confd's main: options, pid file, bind, detach, serve.
#pragma once

namespace herd::confd {

int RunConfdDaemon(int argc, char** argv);

}  // namespace herd::confd
