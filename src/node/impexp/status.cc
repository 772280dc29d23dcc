#include "node/impexp/status.h"

#include <cerrno>
#include <cmath>

#include "base/errors.h"
#include "base/files.h"
#include "base/json.h"

namespace herd::impexp {
namespace {

constexpr double kMiB = 1024.0 * 1024.0;
// Throughput is measured over this much recent history.
constexpr auto kThroughputWindow = std::chrono::seconds(5);

double WallClock() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

template <typename T>
json::value Optional(const std::optional<T>& v) {
  return v ? json::value(*v) : json::value(nullptr);
}

}  // namespace

StatusFile::StatusFile(std::string path) : path_(std::move(path)), ctime_(WallClock()) {}

void StatusFile::AddRecentOutput(std::string line) {
  std::lock_guard lock(mu_);
  recent_output_.push_back(std::move(line));
  while (recent_output_.size() > kMaxRecentOutputLines) recent_output_.pop_front();
}

void StatusFile::SetListenPort(int port) {
  std::lock_guard lock(mu_);
  listen_port_ = port;
}

void StatusFile::SetConnected() {
  std::lock_guard lock(mu_);
  connected_ = true;
}

void StatusFile::SetProgress(int64_t bytes, std::optional<int64_t> expected) {
  std::lock_guard lock(mu_);
  if (exit_status_) return;  // the final figures stay
  const auto now = std::chrono::steady_clock::now();
  bytes_ = bytes;
  samples_.emplace_back(now, bytes);
  while (samples_.size() > 2 && now - samples_.front().first > kThroughputWindow) {
    samples_.pop_front();
  }
  mbytes_ = static_cast<int64_t>(std::ceil(static_cast<double>(bytes) / kMiB));
  const double seconds = std::chrono::duration<double>(now - samples_.front().first).count();
  if (samples_.size() >= 2 && seconds > 0) {
    throughput_ =
        std::round(static_cast<double>(bytes - samples_.front().second) / kMiB / seconds * 10) / 10;
  }
  if (expected && *expected > 0) {
    percent_ = std::min<int64_t>(100, bytes * 100 / *expected);
    if (throughput_ && *throughput_ > 0) {
      const double left = static_cast<double>(std::max<int64_t>(0, *expected - bytes)) / kMiB;
      eta_ = static_cast<int64_t>(std::ceil(left / *throughput_));
    }
  }
}

void StatusFile::SetResult(int exit_status, const std::string& error_message,
                           std::optional<std::string> checksum) {
  std::lock_guard lock(mu_);
  exit_status_ = exit_status;
  error_message_ = error_message.empty() ? std::nullopt : std::optional(error_message);
  checksum_ = std::move(checksum);
  if (exit_status == 0) {
    percent_ = 100;
    eta_ = 0;
  }
}

bool StatusFile::finished() const {
  std::lock_guard lock(mu_);
  return exit_status_.has_value();
}

std::string StatusFile::SerializeLocked() const {
  json::array recent;
  for (const auto& line : recent_output_) recent.emplace_back(line);
  return SerializeJson(json::object{{"recent_output", std::move(recent)},
                                    {"listen_port", Optional(listen_port_)},
                                    {"connected", connected_},
                                    {"progress_mbytes", Optional(mbytes_)},
                                    {"progress_throughput", Optional(throughput_)},
                                    {"progress_eta", Optional(eta_)},
                                    {"progress_percent", Optional(percent_)},
                                    {"exit_status", Optional(exit_status_)},
                                    {"error_message", Optional(error_message_)},
                                    {"ctime", ctime_},
                                    {"mtime", mtime_},
                                    {"bytes", bytes_},
                                    {"checksum", Optional(checksum_)}});
}

std::string StatusFile::Serialize() const {
  std::lock_guard lock(mu_);
  return SerializeLocked();
}

void StatusFile::Update(bool force) {
  std::lock_guard lock(mu_);
  const auto now = std::chrono::steady_clock::now();
  if (!force && now - last_write_ < std::chrono::seconds(1)) return;
  last_write_ = now;
  mtime_ = WallClock();
  // The run directory is volatile: atomic is what matters, not durable.
  WriteFileAtomicUnsynced(path_, SerializeLocked(), 0400);
}

json::value ReadStatusFile(const std::string& path) {
  std::string text;
  try {
    text = ReadFile(path);
  } catch (const GanetiError&) {
    if (!FileExists(path)) return nullptr;
    throw;
  }
  if (text.empty()) return nullptr;
  return ParseJson(text, path);
}

}  // namespace herd::impexp
