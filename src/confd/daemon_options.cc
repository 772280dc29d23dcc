#include "confd/daemon_options.h"

#include <netdb.h>
#include <netinet/in.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <sstream>

#include "base/errors.h"
#include "base/files.h"
#include "confd/placement.h"
#include "confd/protocol.h"

namespace herd::confd {

void DeclareConfdDaemonOptions(CLI::App& app, ConfdDaemonOptions& options) {
  app.add_flag("-f,--foreground", options.foreground, "Don't detach from the current terminal");
  app.add_flag("-d,--debug", options.debug, "Enable debug messages");
  app.add_option("-b,--bind", options.bind_address,
                 "Bind address (default: the node's own address)")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.add_option("-p,--port", options.port, "UDP port (default: ganeti-confd service, or 1814)")
      ->check(CLI::Range(1, 65535))
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
}

std::vector<std::string> ConfdArgsOfNode(const Paths& paths) {
  const std::string file = paths.Prefixed("/etc/default/ganeti");
  std::vector<std::string> args;
  if (!FileExists(file)) return args;
  std::istringstream lines(ReadFile(file));
  for (std::string line; std::getline(lines, line);) {
    const std::string prefix = "CONFD_ARGS=";
    if (line.rfind(prefix, 0) != 0) continue;
    std::string value = line.substr(prefix.size());
    for (char& c : value) {
      if (c == '"' || c == '\'') c = ' ';
    }
    std::istringstream words(value);
    args.clear();
    for (std::string word; words >> word;) args.push_back(word);
  }
  return args;
}

uint16_t DefaultConfdPort() {
  if (const servent* entry = ::getservbyname(kConfdDaemon, "udp")) {
    return ntohs(static_cast<uint16_t>(entry->s_port));
  }
  return kDefaultPort;
}

uint16_t ConfdPortOfNode(const Paths& paths) {
  CLI::App app{"ganeti-confd", kConfdDaemon};
  ConfdDaemonOptions options;
  DeclareConfdDaemonOptions(app, options);
  std::vector<std::string> args = ConfdArgsOfNode(paths);
  std::reverse(args.begin(), args.end());  // CLI11 takes them in reverse
  try {
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    throw ConfigurationError("Cannot read ganeti-confd's options (CONFD_ARGS) in " +
                             paths.Prefixed("/etc/default/ganeti") + ": " + e.what());
  }
  return options.port > 0 ? static_cast<uint16_t>(options.port) : DefaultConfdPort();
}

}  // namespace herd::confd
