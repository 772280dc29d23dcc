// Sizes and durations as Ganeti prints them (utils.FormatUnit, FormatSeconds).
#pragma once

#include <string>

namespace herd {

// `units` is "h" (human: 512M, 4.0G, 1.2T), "m", "g" or "t".
std::string FormatUnit(double mebibytes, const std::string& units);
// "2d 9h 19m 49s", leading zero parts left out: "45s", "1m 0s".
std::string FormatSeconds(double seconds);

}  // namespace herd
