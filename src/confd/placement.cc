#include "confd/placement.h"

#include <sstream>
#include <string>

#include "base/files.h"

namespace herd::confd {

bool ConfdRunsOn(const Paths& node) {
  const std::string candidates = node.SsconfFile("master_candidates");
  if (!FileExists(node.ConfdHmacKey()) || !FileExists(candidates)) return false;
  std::istringstream lines(ReadFile(candidates));
  for (std::string line; std::getline(lines, line);) {
    if (line == node.hostname()) return true;
  }
  return false;
}

}  // namespace herd::confd
