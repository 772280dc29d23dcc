// Test helper: the first difference between two JSON documents, with number
// kinds compared strictly (an integer is not equal to the same double).
#pragma once

#include <string>

#include "base/json.h"

namespace herd::objects::testing {

// Empty when equal; else "<path>: <what differs>".
std::string JsonDiff(const json::value& expected, const json::value& actual,
                     const std::string& path = "$");

}  // namespace herd::objects::testing
