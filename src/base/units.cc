#include "base/units.h"

#include <cmath>
#include <cstdio>

namespace herd {

std::string FormatUnit(double mib, const std::string& units) {
  char buf[64];
  if (units == "m") {
    std::snprintf(buf, sizeof(buf), "%lld", static_cast<long long>(std::llround(mib)));
  } else if (units == "g") {
    std::snprintf(buf, sizeof(buf), "%.1f", mib / 1024);
  } else if (units == "t") {
    std::snprintf(buf, sizeof(buf), "%.1f", mib / 1024 / 1024);
  } else if (mib < 1024) {
    std::snprintf(buf, sizeof(buf), "%lldM", static_cast<long long>(std::llround(mib)));
  } else if (mib < 1024 * 1024) {
    std::snprintf(buf, sizeof(buf), "%.1fG", mib / 1024);
  } else {
    std::snprintf(buf, sizeof(buf), "%.1fT", mib / 1024 / 1024);
  }
  return buf;
}

std::string FormatSeconds(double seconds) {
  long long secs = std::llround(seconds);
  std::string out;
  if (secs > 0) {
    for (auto [unit, one] : {std::pair{'d', 86400LL}, {'h', 3600LL}, {'m', 60LL}}) {
      long long complete = secs / one;
      secs %= one;
      if (complete || !out.empty()) out += std::to_string(complete) + unit + ' ';
    }
  }
  return out + std::to_string(secs) + "s";
}

}  // namespace herd
