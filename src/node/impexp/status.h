// The status file of one import/export helper: Ganeti's ImportExportStatus
// (what the master polls through impexp_status) plus Herd's integrity
// fields, `bytes` and `checksum`, which the master compares between the
// exporter and the importer.
#pragma once

#include <boost/json/fwd.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

namespace herd::impexp {

inline constexpr size_t kMaxRecentOutputLines = 20;

class StatusFile {
 public:
  explicit StatusFile(std::string path);

  void AddRecentOutput(std::string line);  // keeps the last kMaxRecentOutputLines
  void SetListenPort(int port);
  void SetConnected();
  // Payload bytes so far; `expected` (if known) gives percent and eta.
  void SetProgress(int64_t bytes, std::optional<int64_t> expected);
  // The end: exit status 0 and no message on success.
  void SetResult(int exit_status, const std::string& error_message,
                 std::optional<std::string> checksum);
  bool finished() const;

  // Writes the file atomically when `force`d or a second after the last write.
  void Update(bool force);
  std::string Serialize() const;

 private:
  std::string SerializeLocked() const;

  const std::string path_;
  mutable std::mutex mu_;
  std::deque<std::string> recent_output_;
  std::optional<int> listen_port_;
  bool connected_ = false;
  int64_t bytes_ = 0;
  std::optional<int64_t> mbytes_, eta_, percent_;
  std::optional<double> throughput_;
  std::optional<int> exit_status_;
  std::optional<std::string> error_message_, checksum_;
  double ctime_ = 0, mtime_ = 0;
  std::chrono::steady_clock::time_point last_write_{};
  // (time, bytes) of recent progress reports: the throughput is over them.
  std::deque<std::pair<std::chrono::steady_clock::time_point, int64_t>> samples_;
};

// The status object in `path`; null when the file is absent or empty.
boost::json::value ReadStatusFile(const std::string& path);

}  // namespace herd::impexp
