#include "confd/config_follower.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>

#include "base/errors.h"
#include "base/files.h"
#include "base/json.h"

namespace herd::confd {
namespace {

ConfigFollower::FileStamp Stamp(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return {};
  return {true, st.st_ino, st.st_size,
          static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
}

// One record of the config journal (the master's format, see ConfigStore),
// skipped if config.data already holds it.
void ApplyJournalRecord(objects::ConfigData& data, std::string_view line) {
  const json::value value = ParseJson(line, "config journal record");
  objects::ApplyJournalRecord(data, AsObject(value, "config journal record"));
}

}  // namespace

ConfigFollower::ConfigFollower(Paths paths) : paths_(std::move(paths)) {}
ConfigFollower::~ConfigFollower() = default;

bool ConfigFollower::Poll() {
  const FileStamp config_now = Stamp(paths_.ConfigFile());
  const int64_t serial_before = served_ ? served_->data.serial_no : -1;
  const std::string error_before = error_;
  const bool had_config = served_ != nullptr;
  if (!polled_ || config_now != config_stamp_) {
    config_stamp_ = config_now;
    polled_ = true;
    LoadAll();
  } else if (served_) {
    const FileStamp journal_now = Stamp(paths_.ConfigJournal());
    // A journal that appeared since the load (inode 0) is read from its start.
    if (journal_now.exists && (journal_inode_ == 0 || journal_now.inode == journal_inode_) &&
        journal_now.size >= journal_offset_) {
      if (journal_now.size > journal_offset_ && ApplyJournalTail()) ips_stale_ = true;
    } else if (journal_now.exists || journal_offset_ > 0) {
      LoadAll();  // the journal was rewritten or removed: start over
    }
  }
  return had_config != (served_ != nullptr) || error_ != error_before ||
         (served_ && served_->data.serial_no != serial_before);
}

const ServedConfig* ConfigFollower::config() {
  if (served_ && ips_stale_) {
    served_->instance_ips_by_link = IndexInstanceIps(served_->data);
    ips_stale_ = false;
  }
  return served_.get();
}

void ConfigFollower::LoadAll() {
  const std::string file = paths_.ConfigFile();
  journal_inode_ = 0;
  journal_offset_ = 0;
  if (!config_stamp_.exists) {
    served_.reset();
    error_ = "No configuration on this node (" + file + " does not exist): not a master candidate";
    return;
  }
  try {
    auto served = std::make_unique<ServedConfig>();
    served->data = objects::ConfigDataFromJson(ParseJson(ReadFile(file), file));
    served_ = std::move(served);
    error_.clear();
    ApplyJournalTail();
    ips_stale_ = true;
    spdlog::info("configuration loaded from {} (serial {})", file, served_->data.serial_no);
  } catch (const std::exception& e) {
    served_.reset();
    error_ = "Cannot load configuration from " + file + ": " + e.what();
    spdlog::error("{}", error_);
  }
}

bool ConfigFollower::ApplyJournalTail() {
  const std::string journal = paths_.ConfigJournal();
  int fd = ::open(journal.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;  // no journal: config.data is whole
  struct stat st {};
  std::string tail;
  if (::fstat(fd, &st) == 0) {
    if (st.st_ino != journal_inode_) journal_offset_ = 0;
    journal_inode_ = st.st_ino;
    if (st.st_size > journal_offset_) {
      tail.resize(static_cast<size_t>(st.st_size - journal_offset_));
      const ssize_t n = ::pread(fd, tail.data(), tail.size(), journal_offset_);
      tail.resize(n > 0 ? static_cast<size_t>(n) : 0);
    }
  }
  ::close(fd);
  // Only whole lines: the master may be in the middle of an append.
  const size_t end = tail.rfind('\n');
  if (end == std::string::npos) return false;
  size_t pos = 0;
  while (pos <= end) {
    const size_t newline = tail.find('\n', pos);
    const std::string_view line(tail.data() + pos, newline - pos);
    if (!line.empty()) {
      try {
        ApplyJournalRecord(served_->data, line);
      } catch (const std::exception& e) {
        spdlog::error("skipping an unreadable record of {}: {}", journal, e.what());
      }
    }
    pos = newline + 1;
  }
  journal_offset_ += static_cast<off_t>(end + 1);
  return true;
}

}  // namespace herd::confd
