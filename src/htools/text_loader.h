// Ganeti's htools text backend (`hbal -t FILE`): a groups section, a nodes
// section, an instances section, cluster tags and instance policies,
// separated by empty lines, fields separated by '|'.
#pragma once

#include <string>

#include "htools/cluster_model.h"

namespace herd::htools {

// Parses `text`; errors (GanetiError "ParameterError") name `source`, the
// line number and the field at fault.
ClusterData ParseTextData(const std::string& text, const std::string& source);
ClusterData LoadTextFile(const std::string& path);

}  // namespace herd::htools
