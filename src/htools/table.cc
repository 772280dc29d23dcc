#include "htools/table.h"

#include <algorithm>

namespace herd::htools {

std::string PrintTable(const std::string& prefix, const std::vector<std::string>& header,
                       const std::vector<std::vector<std::string>>& rows,
                       const std::vector<bool>& numeric) {
  std::vector<size_t> widths(header.size(), 0);
  auto measure = [&](const std::vector<std::string>& row) {
    for (size_t c = 0; c < row.size() && c < widths.size(); ++c) {
      widths[c] = std::max(widths[c], row[c].size());
    }
  };
  measure(header);
  for (const auto& r : rows) measure(r);
  std::string out;
  auto emit = [&](const std::vector<std::string>& row) {
    out += prefix + " ";
    for (size_t c = 0; c < row.size(); ++c) {
      if (c) out += " ";
      const std::string filler(widths[c] > row[c].size() ? widths[c] - row[c].size() : 0, ' ');
      out += numeric[c] ? filler + row[c] : row[c] + filler;
    }
    out += "\n";
  };
  emit(header);
  for (const auto& r : rows) emit(r);
  return out;
}

}  // namespace herd::htools
