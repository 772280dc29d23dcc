// ganeti-confd's options as the daemon reads them (the node's CONFD_ARGS,
// then its command line), so that a client finds the port a node's confd
// serves on the same way the daemon chose it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/paths.h"

namespace CLI {
class App;
}  // namespace CLI

namespace herd::confd {

struct ConfdDaemonOptions {
  bool foreground = false, debug = false;
  std::string bind_address;  // empty: the node's own address (virtual) or all
  int port = 0;              // 0: DefaultConfdPort()
};

// Declares ganeti-confd's options on `app`, bound to `options`.
void DeclareConfdDaemonOptions(CLI::App& app, ConfdDaemonOptions& options);

// Ganeti's daemon-util passes CONFD_ARGS from the node's etc/default/ganeti;
// these are its words (empty when the file or the variable is absent).
std::vector<std::string> ConfdArgsOfNode(const Paths& paths);

// As Ganeti: the services database's "ganeti-confd" entry, else 1814.
uint16_t DefaultConfdPort();

// The UDP port the confd daemon of `paths`'s node serves on: -p/--port of its
// CONFD_ARGS, else DefaultConfdPort(). Throws ConfigurationError when
// CONFD_ARGS cannot be read as the daemon's options.
uint16_t ConfdPortOfNode(const Paths& paths);

}  // namespace herd::confd
