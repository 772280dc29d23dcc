// ganeti-noded: the node RPC server of one (real or virtual) node.
#pragma once

namespace herd {
int RunNodeDaemon(int argc, char** argv);
}
