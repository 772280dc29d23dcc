// Node side of a cluster certificate renewal (gnt-cluster renew-crypto
// --new-cluster-certificate): the next certificate is staged, then made the
// node's own, then the previous one forgotten; in between, the node daemon
// accepts clients holding either, so the master reaches every node throughout.
#pragma once

#include <map>
#include <string>

#include "base/paths.h"
#include "node/instance_handlers.h"

namespace herd {

void RegisterClusterCertificateHandlers(const Paths& paths,
                                        std::map<std::string, RpcHandler>& handlers);

}  // namespace herd
