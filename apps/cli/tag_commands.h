// list-tags, add-tags and remove-tags: the same three commands in every
// program that has tagged objects (Ganeti's cli.ListTags/AddTags/RemoveTags).
#pragma once

#include <vector>

#include "program.h"

namespace herd::cli {

// `kind` is Ganeti's tag type ("cluster", "nodegroup", "node", "instance",
// "network"); `object` names the object in the usage text. The cluster's
// commands take no object name.
std::vector<CommandEntry> TagCommands(const std::string& kind, const std::string& object);

}  // namespace herd::cli
