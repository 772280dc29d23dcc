// Small files that a daemon reads on every call of some kind and that change
// rarely (a node's capacity, ssconf values): read again only when the file at
// the path is another one, or was changed, since the last read.
#pragma once

#include <optional>
#include <string>

namespace herd {

// The contents of `path`, or nullopt if there is no such file. A file is
// taken as unchanged while its inode, size and modification time (in
// nanoseconds) stay the same: files are replaced by rename, or written
// through with a new modification time.
std::optional<std::string> ReadFileCached(const std::string& path);

}  // namespace herd
