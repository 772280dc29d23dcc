// ganeti-watcher: one run for the node named by GANETI_ROOTDIR/GANETI_HOSTNAME.
#include <CLI/CLI.hpp>
#include <iostream>

#include "base/errors.h"
#include "base/paths.h"
#include "watcher/watcher.h"

int main(int argc, char** argv) {
  CLI::App app{"Ganeti cluster watcher (Herd)", "ganeti-watcher"};
  herd::watcher::WatcherOptions options;
  app.add_option("--job-age", options.job_age_seconds,
                 "Archive finished jobs older than this many seconds");
  CLI11_PARSE(app, argc, argv);
  try {
    return herd::watcher::RunWatcher(herd::Paths::FromEnvironment(), options);
  } catch (const herd::GanetiError& e) {
    std::cerr << "ganeti-watcher: " << (e.args().empty() ? e.what() : e.args()[0]) << "\n";
    return 1;
  }
}
