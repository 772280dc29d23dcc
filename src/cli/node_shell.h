// How gnt-cluster command and copyfile reach a node: root SSH and scp on a
// real cluster; on a virtual cluster a local process in the node's own
// environment (GANETI_ROOTDIR, GANETI_HOSTNAME, its root as working
// directory), which is what Ganeti's `ssh root@node` amounts to there.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/paths.h"
#include "base/process.h"

namespace herd::cli {

struct NodeTarget {
  std::string name;
  std::string address;  // where SSH connects: the name, or the secondary IP
  int ssh_port = 22;
};

class NodeShell {
 public:
  virtual ~NodeShell() = default;
  // Runs the shell command `command` as root on the node: its standard
  // output followed by its standard error (as Ganeti's RunResult.output) and
  // its exit code (-1: killed by a signal; 255 from ssh: unreachable).
  virtual CommandResult Run(const NodeTarget& node, const std::string& command) const = 0;
  // Throws OpPrereqError when `path` (absolute) cannot be copied to any node.
  virtual void CheckCopyable(const std::string& path) const = 0;
  // Copies the local file `path` (absolute) to the same place on the node,
  // keeping its mode and times (scp -p); false, and `why`, when it failed.
  virtual bool CopyFile(const NodeTarget& node, const std::string& path,
                        std::string* why) const = 0;
};

// The transport for the cluster `local` (this node) belongs to.
std::unique_ptr<NodeShell> MakeNodeShell(const Paths& local);

// The ssh command line running `command` on `node`, as Ganeti builds it
// (batch mode, strict host key checking, root login).
std::vector<std::string> SshCommandLine(const NodeTarget& node, const std::string& command);
// The scp command line copying `path` to the same path on `node`.
std::vector<std::string> ScpCommandLine(const NodeTarget& node, const std::string& path);

}  // namespace herd::cli
