// Ganeti's listing options (-o, --no-headers, --separator, --units, -F).
#pragma once

#include <CLI/CLI.hpp>

#include "cli/listing.h"

namespace herd::cli {
inline void AddListOptions(CLI::App* cmd, ListOptions& o) {
  cmd->add_option("-o,--output", o.fields, "Select output fields (comma-separated; +F adds)");
  cmd->add_flag("--no-headers", o.no_headers, "Don't display column headers");
  cmd->add_option("--separator", o.separator, "Separator between output fields");
  cmd->add_option("--units", o.units, "Units for sizes: h (human), m, g, t")
      ->check(CLI::IsMember({"h", "m", "g", "t"}));
  cmd->add_option(
      "-F,--filter", o.filter,
      "Filter in Ganeti's query language, e.g. 'pnode == \"node2\" and not oper_state'");
}
}  // namespace herd::cli
