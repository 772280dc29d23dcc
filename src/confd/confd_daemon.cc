#include "confd/confd_daemon.h"

#include <netdb.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>
#include <sstream>
#include <vector>

#include "base/errors.h"
#include "base/files.h"
#include "base/hosts.h"
#include "base/logging.h"
#include "base/paths.h"
#include "base/process.h"
#include "confd/config_follower.h"
#include "confd/placement.h"
#include "confd/protocol.h"
#include "confd/udp_server.h"

namespace herd::confd {
namespace {

constexpr const char* kDaemon = kConfdDaemon;

// As Ganeti: the services database's "ganeti-confd" entry, else 1814.
int DefaultPort() {
  if (const servent* entry = ::getservbyname(kDaemon, "udp")) return ntohs(entry->s_port);
  return kDefaultPort;
}

// Ganeti's daemon-util passes CONFD_ARGS from the node's etc/default/ganeti;
// reading it here keeps a per-node port or address across watcher restarts.
std::vector<std::string> DefaultArgs(const Paths& paths) {
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

}  // namespace

int RunConfdDaemon(int argc, char** argv) {
  CLI::App app{"Ganeti configuration daemon (Herd)", kDaemon};
  bool foreground = false, debug = false;
  std::string bind_address;
  int port = 0;
  app.add_flag("-f,--foreground", foreground, "Don't detach from the current terminal");
  app.add_flag("-d,--debug", debug, "Enable debug messages");
  app.add_option("-b,--bind", bind_address, "Bind address (default: the node's own address)")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.add_option("-p,--port", port, "UDP port (default: ganeti-confd service, or 1814)")
      ->check(CLI::Range(1, 65535))
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  try {
    Paths paths = Paths::FromEnvironment();
    // Options from the node's defaults file first, so the command line wins.
    std::vector<std::string> args = DefaultArgs(paths);
    for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
    std::reverse(args.begin(), args.end());  // CLI11 takes them in reverse
    try {
      app.parse(args);
    } catch (const CLI::ParseError& e) {
      return app.exit(e);
    }
    paths.EnsureDirectories();
    if (port == 0) port = DefaultPort();
    if (bind_address.empty()) {
      bind_address = paths.is_virtual() ? ResolveHostOrThrow(paths, paths.hostname()) : "0.0.0.0";
    }
    if (!FileExists(paths.ConfdHmacKey())) {
      throw GenericError("the confd HMAC key " + paths.ConfdHmacKey() +
                         " is missing; this node is not part of a cluster");
    }
    UdpServerOptions options;
    options.address = bind_address;
    options.port = static_cast<uint16_t>(port);
    // The whole file, newline included, is the key (as Ganeti reads it).
    options.hmac_key = ReadFile(paths.ConfdHmacKey());
    ConfigFollower follower(paths);
    UdpServer server(options, follower);
    DaemonStart start = Daemonize(paths.PidFile(kDaemon), foreground, [&server] { server.Bind(); });
    if (!foreground) server.AfterFork();
    InitDaemonLogging(paths, kDaemon, debug, foreground);
    spdlog::info("{} serving on {}:{}/udp", kDaemon, bind_address, port);
    start.Ready();
    server.Run(true);
    RemoveFile(paths.PidFile(kDaemon));
    spdlog::info("{} stopped", kDaemon);
    return 0;
  } catch (const GanetiError& e) {
    std::cerr << kDaemon << ": " << (e.args().empty() ? e.what() : e.args()[0]) << "\n";
    return 1;
  }
}

}  // namespace herd::confd
