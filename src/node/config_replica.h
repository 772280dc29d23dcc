// A master candidate's copy of the cluster configuration: the records the
// master ships are appended to the journal at once (fsync), and merged into
// config.data once the stream goes quiet (or, while busy, once half a minute
// has passed and the journal is as large as config.data: a merge rewrites
// the whole config, so its cost stays proportional to the records it takes
// in), so that config.data on a candidate is whole, as Ganeti's own tools
// expect it.
// Merging waits while a config store (a master, a failover) holds the files.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "base/paths.h"

namespace herd {

class ConfigReplica {
 public:
  explicit ConfigReplica(Paths paths);
  ~ConfigReplica();
  ConfigReplica(const ConfigReplica&) = delete;
  ConfigReplica& operator=(const ConfigReplica&) = delete;

  // Journal records from the master, in order (durable on return).
  void Append(const std::string& records);
  // A whole config.data from the master (the journal restarts empty).
  void Replace(const std::string& config_data);
  // Merges the journal into config.data now; false if the files are owned
  // by a config store at the moment.
  bool Merge();

 private:
  void MergeLoop();

  Paths paths_;
  std::mutex mu_;  // one writer of the replica at a time
  std::condition_variable cv_;
  bool stopping_ = false;
  std::optional<std::chrono::steady_clock::time_point> first_unmerged_, last_append_;
  size_t unmerged_bytes_ = 0;           // journal appended since the last merge
  std::optional<size_t> config_bytes_;  // config.data's size, once known
  std::thread thread_;
};

}  // namespace herd
