#include "net/https_daemon.h"

#include <signal.h>
#include <spdlog/spdlog.h>

#include <thread>

#include "base/files.h"
#include "base/logging.h"
#include "base/process.h"

namespace herd::net {

void ServeAsDaemon(HttpsServer& server, const Paths& paths, const std::string& daemon,
                   bool foreground, bool debug, const std::string& description) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  DaemonStart start = Daemonize(paths.PidFile(daemon), foreground, [&server] { server.Bind(); });
  InitDaemonLogging(paths, daemon, debug, foreground);
  // Blocked before any thread starts, so only the waiter below takes them.
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::thread signal_waiter([&server, signals] {
    int sig = 0;
    sigwait(&signals, &sig);
    spdlog::info("received signal {}, shutting down", sig);
    server.Stop();
  });
  signal_waiter.detach();
  spdlog::info("{} serving on {}", daemon, description);
  start.Ready();  // bound before detaching: serving from here on
  server.Run();
  RemoveFile(paths.PidFile(daemon));
  spdlog::info("{} stopped", daemon);
}

}  // namespace herd::net
