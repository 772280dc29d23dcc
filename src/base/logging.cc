#include "base/logging.h"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include "base/files.h"
#include "base/paths.h"

namespace herd {

void InitDaemonLogging(const Paths& paths, const std::string& daemon, bool debug, bool to_stderr) {
  MakeDirs(paths.LogDir());
  std::vector<spdlog::sink_ptr> sinks;
  sinks.push_back(std::make_shared<spdlog::sinks::basic_file_sink_mt>(paths.LogFile(daemon)));
  if (to_stderr) sinks.push_back(std::make_shared<spdlog::sinks::stderr_sink_mt>());
  auto logger = std::make_shared<spdlog::logger>(daemon, sinks.begin(), sinks.end());
  logger->set_pattern("%Y-%m-%d %H:%M:%S,%e: " + daemon + " pid=%P %l %v");
  logger->set_level(debug ? spdlog::level::debug : spdlog::level::info);
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

}  // namespace herd
