// Random (version 4) UUIDs, in Ganeti's text form.
#pragma once

#include <string>

namespace herd {

std::string RandomUuid();

}  // namespace herd
