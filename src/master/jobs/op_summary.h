// Ganeti's one-line opcode summary, e.g. "NODE_ADD(node3)", as shown by
// "gnt-job list" and the job query field "summary".
#pragma once

#include <string>

#include "base/json.h"

namespace herd::jobs {

// OP_ID without "OP_", plus the opcode's descriptive field in parentheses
// for opcodes that have one; "INVALID_OP" without a usable OP_ID.
std::string OpSummary(const json::object& input);

}  // namespace herd::jobs
