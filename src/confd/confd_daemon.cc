#include "confd/confd_daemon.h"

#include <signal.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>
#include <vector>

#include "base/errors.h"
#include "base/files.h"
#include "base/hosts.h"
#include "base/logging.h"
#include "base/paths.h"
#include "base/process.h"
#include "confd/config_follower.h"
#include "confd/daemon_options.h"
#include "confd/placement.h"
#include "confd/protocol.h"
#include "confd/udp_server.h"

namespace herd::confd {
namespace {

constexpr const char* kDaemon = kConfdDaemon;

}  // namespace

int RunConfdDaemon(int argc, char** argv) {
  CLI::App app{"Ganeti configuration daemon (Herd)", kDaemon};
  ConfdDaemonOptions options;
  DeclareConfdDaemonOptions(app, options);
  try {
    Paths paths = Paths::FromEnvironment();
    // Options from the node's defaults file first, so the command line wins.
    std::vector<std::string> args = ConfdArgsOfNode(paths);
    for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
    std::reverse(args.begin(), args.end());  // CLI11 takes them in reverse
    try {
      app.parse(args);
    } catch (const CLI::ParseError& e) {
      return app.exit(e);
    }
    paths.EnsureDirectories();
    const int port = options.port > 0 ? options.port : DefaultConfdPort();
    std::string bind_address = options.bind_address;
    if (bind_address.empty()) {
      bind_address = paths.is_virtual() ? ResolveHostOrThrow(paths, paths.hostname()) : "0.0.0.0";
    }
    if (!FileExists(paths.ConfdHmacKey())) {
      throw GenericError("the confd HMAC key " + paths.ConfdHmacKey() +
                         " is missing; this node is not part of a cluster");
    }
    UdpServerOptions server_options;
    server_options.address = bind_address;
    server_options.port = static_cast<uint16_t>(port);
    // The whole file, newline included, is the key (as Ganeti reads it).
    server_options.hmac_key = ReadFile(paths.ConfdHmacKey());
    server_options.hmac_key_file = paths.ConfdHmacKey();
    ConfigFollower follower(paths);
    UdpServer server(server_options, follower);
    DaemonStart start =
        Daemonize(paths.PidFile(kDaemon), options.foreground, [&server] { server.Bind(); });
    if (!options.foreground) server.AfterFork();
    InitDaemonLogging(paths, kDaemon, options.debug, options.foreground);
    spdlog::info("{} serving on {}:{}/udp", kDaemon, bind_address, port);
    start.Ready();
    // SIGTERM and SIGINT reach the server's signal set even when the starter
    // (a node daemon, say) had them blocked.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    ::sigprocmask(SIG_UNBLOCK, &stop_signals, nullptr);
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
