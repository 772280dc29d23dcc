// Ganeti's NiceSort order: digit runs compare as numbers ("node2" < "node10").
#pragma once

#include <string_view>

namespace herd {
bool NiceLess(std::string_view a, std::string_view b);
}  // namespace herd
