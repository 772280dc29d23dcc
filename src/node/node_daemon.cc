#include "node/node_daemon.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstring>
#include <iostream>
#include <map>
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
#include "node/long_calls.h"
#include "node/node_handlers.h"
#include "rpc/procedures.h"

namespace herd {

namespace {

struct NodedOptions {
  bool foreground = false, debug = false;
  std::string bind_address;
  int port = rpc::kDefaultNodedPort;
};

// The TLS side of a node daemon's server: the cluster certificate, which
// peers must present too (or, during a renewal, the next or previous one).
void SetCertificates(const Paths& paths, net::HttpsServerOptions& server_options) {
  server_options.pem_file = paths.NodedCertFile();
  server_options.require_client_certificate = true;
  server_options.extra_trusted_files = {paths.NodedNextCertFile(), paths.NodedPreviousCertFile()};
}

int Serve(NodedOptions options) {
  try {
    Paths paths = Paths::FromEnvironment();
    paths.EnsureDirectories();
    std::string bind_address = options.bind_address;
    if (bind_address.empty()) {
      bind_address = paths.is_virtual() ? ResolveHostOrThrow(paths, paths.hostname()) : "0.0.0.0";
    }
    if (!FileExists(paths.NodedCertFile())) {
      throw GenericError("node certificate " + paths.NodedCertFile() +
                         " is missing; copy the cluster's server.pem there");
    }
    net::HttpsServerOptions server_options;
    server_options.address = bind_address;
    server_options.port = static_cast<uint16_t>(options.port);
    SetCertificates(paths, server_options);
    // A cluster certificate renewal replaces server.pem while the daemon runs.
    server_options.reload_on_change = true;
    server_options.max_body_bytes = 64 * 1024 * 1024;
    server_options.idle_timeout = rpc::kNodedIdleTimeout;
    server_options.runs_long = [&paths](const net::HttpRequest& req) {
      return RequestRunsLong(paths, req.target, req.body);
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
        server_options, [&handlers](const net::HttpRequest& req) { return handlers.Answer(req); });
    server_ptr = &server;
    net::ServeAsDaemon(server, paths, "ganeti-noded", options.foreground, options.debug,
                       bind_address + ":" + std::to_string(options.port));
    return 0;
  } catch (const GanetiError& e) {
    std::cerr << "ganeti-noded: " << (e.args().empty() ? e.what() : e.args()[0]) << "\n";
    return 1;
  }
}

void Say(const std::string& line) {
  const std::string text = line + "\n";
  if (::write(1, text.data(), text.size()) < 0) {
    // The caller went away; the daemons run regardless.
  }
}

// The node daemons of a virtual cluster, one per line of standard input
// ("<root directory> <host name>"), each started by forking this process
// rather than executing the program again: a thousand daemons start in
// seconds, and share the program's relocated pages. Reports "ok <host>" or
// "failed <host>" per daemon as its start-up ends; exits 1 if any failed.
int StartVirtualNodes(const NodedOptions& options) {
  ::unsetenv("LD_BIND_NOW");  // its work is done; the daemons' children need not
  std::vector<std::pair<std::string, std::string>> nodes;
  for (std::string line; std::getline(std::cin, line);) {
    const auto space = line.rfind(' ');
    if (space == std::string::npos || space == 0 || space + 1 == line.size()) {
      std::cerr << "ganeti-noded: --virtual-nodes expects \"<root directory> <host name>\" "
                   "lines, got: "
                << line << "\n";
      return 1;
    }
    nodes.emplace_back(line.substr(0, space), line.substr(space + 1));
  }
  // Forked children share this process's state: nothing here may start a
  // thread before the fork. What every daemon would load and build (OpenSSL's
  // algorithms, the TLS context of the cluster certificate that the nodes of
  // a virtual cluster share) is done once here, and shared.
  if (!nodes.empty()) {
    net::HttpsServerOptions tls;
    SetCertificates(Paths(nodes.front().first, nodes.front().second), tls);
    try {
      net::PrepareTlsForServers(tls);
    } catch (const GanetiError&) {
      // That node's certificate is unusable: its own start will say so.
    }
  }
  // Each child becomes its node's daemon directly and reports its start-up
  // on a pipe, as a daemon reports to the process that launched it.
  constexpr size_t kConcurrent = 32;
  struct Starting {
    std::string host, report;
  };
  std::map<int, Starting> starting;  // by the read end of its pipe
  size_t next = 0;
  int failed = 0;
  auto fail = [&failed](const std::string& host, const std::string& why) {
    std::cerr << "ganeti-noded on " << host << ": " << why << "\n";
    Say("failed " + host);
    ++failed;
  };
  while (next < nodes.size() || !starting.empty()) {
    while (next < nodes.size() && starting.size() < kConcurrent) {
      const auto& [root, host] = nodes[next++];
      int ready[2];
      if (::pipe2(ready, O_CLOEXEC) != 0) {
        fail(host, std::string("pipe: ") + std::strerror(errno));
        continue;
      }
      const pid_t pid = ::fork();
      if (pid < 0) {
        ::close(ready[0]);
        ::close(ready[1]);
        fail(host, std::string("fork: ") + std::strerror(errno));
        continue;
      }
      if (pid == 0) {
        ::close(ready[0]);
        for (const auto& [fd, other] : starting) ::close(fd);
        ::setenv("GANETI_ROOTDIR", root.c_str(), 1);
        ::setenv("GANETI_HOSTNAME", host.c_str(), 1);
        DaemonizeUnderLauncher(ready[1]);
        std::exit(Serve(options));
      }
      ::close(ready[1]);
      starting.emplace(ready[0], Starting{host, ""});
    }
    std::vector<pollfd> polled;
    for (const auto& [fd, s] : starting) polled.push_back({fd, POLLIN, 0});
    if (::poll(polled.data(), polled.size(), -1) < 0) {
      if (errno == EINTR) continue;
      throw SystemError("poll", errno);
    }
    for (const auto& p : polled) {
      if (p.revents == 0) continue;
      auto it = starting.find(p.fd);
      char buffer[512];
      const ssize_t n = ::read(p.fd, buffer, sizeof(buffer));
      if (n < 0 && errno == EINTR) continue;
      if (n > 0) {
        it->second.report.append(buffer, static_cast<size_t>(n));
        continue;
      }
      // The daemon closed its end: it serves, or it failed.
      if (const std::string failure = DaemonStartFailure(it->second.report, "the daemon");
          failure.empty()) {
        Say("ok " + it->second.host);
      } else {
        fail(it->second.host, failure);
      }
      ::close(p.fd);
      starting.erase(it);
    }
    // Children that failed are gone; reap them (the daemons live on).
    while (::waitpid(-1, nullptr, WNOHANG) > 0) {
    }
  }
  return failed > 0 ? 1 : 0;
}

}  // namespace

int RunNodeDaemon(int argc, char** argv) {
  CLI::App app{"Ganeti node daemon (Herd)", "ganeti-noded"};
  NodedOptions options;
  bool virtual_nodes = false;
  app.add_flag("-f,--foreground", options.foreground, "Don't detach from the current terminal");
  app.add_flag("-d,--debug", options.debug, "Enable debug messages");
  app.add_option("-b,--bind", options.bind_address,
                 "Bind address (default: the node's own address)");
  app.add_option("-p,--port", options.port, "Network port")->check(CLI::Range(1, 65535));
  app.add_flag("--virtual-nodes", virtual_nodes,
               "Start the daemons of the virtual nodes listed on standard input, one "
               "\"<root directory> <host name>\" per line");
  CLI11_PARSE(app, argc, argv);
  if (virtual_nodes) {
    if (options.foreground) {
      std::cerr << "ganeti-noded: --virtual-nodes starts detached daemons; -f does not apply\n";
      return 2;
    }
    return StartVirtualNodes(options);
  }
  return Serve(options);
}

}  // namespace herd
