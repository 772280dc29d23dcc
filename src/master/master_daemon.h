// ganeti-masterd: LUXI server, job queue, lock manager, config store and
// their replication on the master node.
#pragma once

namespace herd::master {
int RunMasterDaemon(int argc, char** argv);
}
