// Values written as Ganeti's Haskell htools print them with `show` and
// printf, for the reports and files that must match byte for byte.
#pragma once

#include <string>
#include <vector>

#include "htools/cluster_model.h"

namespace herd::htools {

// `show` of a Double: the shortest digits that read back, fixed notation
// from 0.1 up to 10^7 ("4.0"), exponent notation otherwise ("1.0e-2").
std::string HaskellShowDouble(double x);
// printf "%f" (showFFloat Nothing): the shortest digits, always in fixed
// notation ("1.0", "0.001").
std::string HaskellFixedDouble(double x);
// printf "%.<decimals>f" as Haskell's Text.Printf writes it: the shortest
// digits rounded half to even ("%.4f" of 0.94625 is 0.9462, where C's printf
// rounds the binary value up to 0.9463); Infinity, -Infinity and NaN.
std::string HaskellPrintfFixed(double x, int decimals);
// `show` of a String and of a list of them: ["a","b"].
std::string HaskellShowString(const std::string& s);
std::string HaskellShowStrings(const std::vector<std::string>& items);
// `show` of Ganeti's IPolicy record (hbal and hinfo print the cluster's).
std::string HaskellShowIPolicy(const IPolicy& policy);
// `show` of Ganeti's Group record, `idx` its index (hail's evacuation errors).
std::string HaskellShowGroup(const Group& group, int idx);

}  // namespace herd::htools
