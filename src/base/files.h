// Crash-safe file writes (write, fsync, rename, fsync dir) and small file helpers.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace herd {

// How a write replaces a file.
//  kFresh: a temporary file renamed over it; each write takes a new inode
//    and frees the old one.
//  kRecycled: for files replaced many times a second (job files and their
//    copies): the content goes into a spare file kept in the directory
//    (".spare-<pid>-<n>"), which is then exchanged with the file; the old
//    inode becomes a spare, written again a second later at the earliest
//    (a reader that opened the old file just before is done by then). No
//    inode is allocated or freed per write: ext4 without a journal, when it
//    allocates an inode, steps over every inode freed in the last minute
//    one by one, so with fresh inodes each write cost more than the last.
enum class Inodes { kFresh, kRecycled };

// Atomically replaces `path` with `data`: a reader sees the old or the new
// content, never a torn one, and after return the content survives a crash.
// With `sync_directory` false the caller fsyncs the directory itself (once
// for many files).
void WriteFileAtomic(const std::string& path, std::string_view data, unsigned mode = 0644,
                     bool sync_directory = true, Inodes inodes = Inodes::kFresh);
// Atomic (write and rename) but not durable: readers and a killed process
// never see a partial file, a power cut may bring back the previous one.
// For progress that a later durable write supersedes.
void WriteFileAtomicUnsynced(const std::string& path, std::string_view data, unsigned mode = 0644);
// Replaces several files, each atomically and durably as WriteFileAtomic,
// with two syncs of their file system for the whole set instead of one fsync
// per file: all data is synced before any rename, the renames after. A crash
// leaves each file old or new.
struct FileWrite {
  std::string path;
  std::string_view data;
};
void WriteFilesAtomic(const std::vector<FileWrite>& files, unsigned mode = 0644,
                      Inodes inodes = Inodes::kFresh);
std::string ReadFile(const std::string& path);
bool FileExists(const std::string& path);
// Whether `path` is a regular file holding exactly `contents` (and, when
// given, with permissions `mode`): a copy that need not be written again.
bool FileHolds(const std::string& path, std::string_view contents,
               std::optional<unsigned> mode = std::nullopt);
void MakeDirs(const std::string& path, unsigned mode = 0755);
void RemoveFile(const std::string& path);  // no error if absent
// Makes what was done in `dir` before the call durable. Threads syncing the
// same directory at once share syncs (one covers every caller waiting).
void FsyncDirectory(const std::string& dir);
std::vector<std::string> ListDirectory(const std::string& dir);  // names only
// A regular file this process may execute.
bool IsExecutableFile(const std::string& path);
// Ganeti's EXT_PLUGIN_MASK (^[a-zA-Z0-9_-]+$): the names of hooks, restricted
// commands and allocators, which cannot escape their directory.
bool IsPluginName(std::string_view name);

// Reads "PID" from a pid file; 0 if absent or unreadable.
int ReadPidFile(const std::string& path);
bool ProcessAlive(int pid);

}  // namespace herd
