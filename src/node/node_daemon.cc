#include "node/node_daemon.h"

#include <signal.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <thread>

#include "base/errors.h"
#include "base/files.h"
#include "base/hosts.h"
#include "base/json.h"
#include "base/logging.h"
#include "base/paths.h"
#include "base/process.h"
#include "net/https_daemon.h"
#include "net/https_server.h"
#include "node/hooks_runner.h"
#include "node/node_handlers.h"
#include "rpc/procedures.h"

namespace herd {

int RunNodeDaemon(int argc, char** argv) {
  CLI::App app{"Ganeti node daemon (Herd)", "ganeti-noded"};
  bool foreground = false, debug = false;
  std::string bind_address;
  int port = rpc::kDefaultNodedPort;
  app.add_flag("-f,--foreground", foreground, "Don't detach from the current terminal");
  app.add_flag("-d,--debug", debug, "Enable debug messages");
  app.add_option("-b,--bind", bind_address, "Bind address (default: the node's own address)");
  app.add_option("-p,--port", port, "Network port")->check(CLI::Range(1, 65535));
  CLI11_PARSE(app, argc, argv);

  try {
    Paths paths = Paths::FromEnvironment();
    paths.EnsureDirectories();
    if (bind_address.empty()) {
      bind_address = paths.is_virtual() ? ResolveHostOrThrow(paths, paths.hostname()) : "0.0.0.0";
    }
    if (!FileExists(paths.NodedCertFile())) {
      throw GenericError("node certificate " + paths.NodedCertFile() +
                         " is missing; copy the cluster's server.pem there");
    }
    net::HttpsServerOptions options;
    options.address = bind_address;
    options.port = static_cast<uint16_t>(port);
    options.pem_file = paths.NodedCertFile();
    options.require_client_certificate = true;
    // A cluster certificate renewal replaces server.pem while the daemon runs.
    options.extra_trusted_files = {paths.NodedNextCertFile(), paths.NodedPreviousCertFile()};
    options.reload_on_change = true;
    options.max_body_bytes = 64 * 1024 * 1024;
    options.runs_long = [&paths](const net::HttpRequest& req) {
      if (req.target == "/" + std::string(rpc::procedures::kHooksRunner.name)) {
        return HooksCallRunsScripts(paths, req.body);
      }
      if (req.target == "/" + std::string(rpc::procedures::kHerdHooksRunnerBatch.name)) {
        return HooksBatchRunsScripts(paths, req.body);
      }
      return rpc::IsLongRunningProcedure(req.target);
    };
    net::HttpsServer* server_ptr = nullptr;
    NodeHandlers handlers(paths, [&server_ptr] {
      // Leave after the answer is sent.
      std::thread([&server_ptr] {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        if (server_ptr) server_ptr->Stop();
      }).detach();
    });
    net::HttpsServer server(
        options, [&handlers](const net::HttpRequest& req) { return handlers.Answer(req); });
    server_ptr = &server;
    net::ServeAsDaemon(server, paths, "ganeti-noded", foreground, debug,
                       bind_address + ":" + std::to_string(port));
    return 0;
  } catch (const GanetiError& e) {
    std::cerr << "ganeti-noded: " << (e.args().empty() ? e.what() : e.args()[0]) << "\n";
    return 1;
  }
}

}  // namespace herd
