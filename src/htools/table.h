// Ganeti's printTable: columns padded to their widest cell, numeric columns
// right-aligned, each line starting with `prefix` and a space.
#pragma once

#include <string>
#include <vector>

namespace herd::htools {

std::string PrintTable(const std::string& prefix, const std::vector<std::string>& header,
                       const std::vector<std::vector<std::string>>& rows,
                       const std::vector<bool>& numeric);

}  // namespace herd::htools
