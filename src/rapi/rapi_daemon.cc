#include "rapi/rapi_daemon.h"

#include <signal.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <thread>

#include "base/errors.h"
#include "base/files.h"
#include "base/hosts.h"
#include "base/logging.h"
#include "base/paths.h"
#include "base/process.h"
#include "net/https_daemon.h"
#include "net/https_server.h"
#include "rapi/rapi_service.h"

namespace herd::rapi {

inline constexpr int kDefaultRapiPort = 5080;

int RunRapiDaemon(int argc, char** argv) {
  CLI::App app{"Ganeti remote API daemon (Herd)", "ganeti-rapi"};
  bool foreground = false, debug = false, require_authentication = false;
  std::string bind_address;
  int port = kDefaultRapiPort;
  app.add_flag("-f,--foreground", foreground, "Don't detach from the current terminal");
  app.add_flag("-d,--debug", debug, "Enable debug messages");
  app.add_option("-b,--bind", bind_address, "Bind address (default: the node's own address)");
  app.add_option("-p,--port", port, "Network port")->check(CLI::Range(1, 65535));
  app.add_flag("--require-authentication", require_authentication,
               "Require authentication for all requests, reading ones included");
  CLI11_PARSE(app, argc, argv);
  try {
    Paths paths = Paths::FromEnvironment();
    if (bind_address.empty()) {
      bind_address = paths.is_virtual() ? ResolveHostOrThrow(paths, paths.hostname()) : "0.0.0.0";
    }
    if (!FileExists(paths.RapiCertFile())) {
      throw GenericError("RAPI certificate " + paths.RapiCertFile() +
                         " is missing; run 'gnt-cluster renew-crypto --new-rapi-certificate' or "
                         "copy a PEM certificate and key there");
    }
    RapiService service(paths, require_authentication);
    net::HttpsServerOptions options;
    options.address = bind_address;
    options.port = static_cast<uint16_t>(port);
    options.pem_file = paths.RapiCertFile();
    options.reload_on_change = true;  // gnt-cluster renew-crypto --new-rapi-certificate
    options.max_body_bytes = 4 * 1024 * 1024;
    options.threads = 2;
    // Every handler talks to the master daemon and may wait for it.
    options.runs_long = [](const net::HttpRequest&) { return true; };
    net::HttpsServer server(
        options, [&service](const net::HttpRequest& req) { return service.Handle(req); });
    net::ServeAsDaemon(server, paths, "ganeti-rapi", foreground, debug,
                       bind_address + ":" + std::to_string(port));
    return 0;
  } catch (const GanetiError& e) {
    std::cerr << "ganeti-rapi: " << (e.args().empty() ? e.what() : e.args()[0]) << "\n";
    return 1;
  }
}

}  // namespace herd::rapi
