// This node's replica of the configuration as confd serves it: config.data
// plus the journal records not yet merged into it, re-read when either file
// changes (a cheap stat per poll; only the journal's new records are applied
// when config.data itself is unchanged).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>

#include "base/paths.h"
#include "confd/served_config.h"

namespace herd::confd {

class ConfigFollower {
 public:
  explicit ConfigFollower(Paths paths);
  ~ConfigFollower();
  ConfigFollower(const ConfigFollower&) = delete;
  ConfigFollower& operator=(const ConfigFollower&) = delete;

  // Re-reads whatever changed since the last call; true if the served
  // configuration (or the reason there is none) changed.
  bool Poll();
  // The configuration to answer from, or nullptr (see error()). Its IP
  // index is rebuilt here, when the configuration changed since the last
  // call: the master commits far more often than confd gets asked.
  const ServedConfig* config();
  // Why there is no configuration ("Configuration not yet loaded" at first).
  const std::string& error() const { return error_; }

  struct FileStamp {
    bool exists = false;
    ino_t inode = 0;
    off_t size = 0;
    int64_t mtime_ns = 0;
    bool operator==(const FileStamp&) const = default;
  };

 private:
  void LoadAll();
  // Applies the journal's complete records from journal_offset_ on; false
  // if there were none.
  bool ApplyJournalTail();

  Paths paths_;
  std::unique_ptr<ServedConfig> served_;
  std::string error_ = "Configuration not yet loaded";
  bool polled_ = false;
  FileStamp config_stamp_;
  ino_t journal_inode_ = 0;
  off_t journal_offset_ = 0;
  bool ips_stale_ = false;  // served_'s instance_ips_by_link predates its data
};

}  // namespace herd::confd
