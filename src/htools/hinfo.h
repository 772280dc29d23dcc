// hinfo: prints a cluster's groups, N+1 status and score (Ganeti's hinfo).
#pragma once

namespace herd::htools {

int HinfoMain(int argc, char** argv);

}  // namespace herd::htools
