#include "node/impexp/layout.h"

#include <sys/stat.h>

#include <cerrno>
#include <filesystem>

#include "base/errors.h"

namespace herd::impexp {

void MakeDirsWithMode(const std::string& path, unsigned mode) {
  std::filesystem::path prefix;
  for (const auto& part : std::filesystem::path(path)) {
    prefix /= part;
    if (::mkdir(prefix.c_str(), mode) == 0) {
      if (::chmod(prefix.c_str(), mode) != 0) throw SystemError("chmod " + prefix.string(), errno);
    } else if (errno != EEXIST) {
      throw SystemError("creating directory " + prefix.string(), errno);
    }
  }
}

}  // namespace herd::impexp
