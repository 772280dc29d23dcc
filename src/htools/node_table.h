// hbal's and hspace's node listings (-p): Ganeti's node fields and headers.
#pragma once

#include <string>
#include <vector>

#include "htools/cluster.h"

namespace herd::htools {

// `fields` empty: Ganeti's default fields; "+" first: the defaults and more.
// Throws ParameterError for an unknown field.
std::string PrintNodes(const Cluster& cluster, const std::vector<std::string>& fields);
// The "Initial instance map" listing of --print-instances.
std::string PrintInstances(const Cluster& cluster);

}  // namespace herd::htools
