#include "base/paths.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "base/errors.h"
#include "base/files.h"

namespace herd {
namespace fs = std::filesystem;

Paths Paths::FromEnvironment() {
  const char* root = std::getenv("GANETI_ROOTDIR");
  const char* host = std::getenv("GANETI_HOSTNAME");
  std::string root_s = root ? root : "";
  std::string host_s = host ? host : "";
  if (root_s.empty() != host_s.empty()) {
    throw GenericError(
        "Both root directory and hostname must be specified using the environment variables "
        "GANETI_ROOTDIR and GANETI_HOSTNAME");
  }
  if (host_s.empty()) {
    char buf[256] = {};
    if (gethostname(buf, sizeof(buf) - 1) != 0) throw SystemError("gethostname", errno);
    host_s = buf;
  }
  return Paths(root_s, host_s);
}

Paths::Paths(std::string root, std::string hostname) : hostname_(std::move(hostname)) {
  if (hostname_.empty() || hostname_.find('/') != std::string::npos || hostname_ == "." ||
      hostname_ == "..") {
    throw GenericError("Hostname '" + hostname_ + "' can not be used for a file system path");
  }
  if (!root.empty()) {
    if (root.front() != '/') {
      throw GenericError("Root directory in 'GANETI_ROOTDIR' must be absolute: " + root);
    }
    root = fs::path(root).lexically_normal().string();
    while (root.size() > 1 && root.back() == '/') root.pop_back();
    if (fs::path(root).filename().string() != hostname_) {
      throw GenericError("Last component of root directory ('" + root +
                         "') must match hostname ('" + hostname_ + "')");
    }
  }
  root_ = std::move(root);
}

std::string Paths::ClusterDir() const {
  return root_.empty() ? std::string() : fs::path(root_).parent_path().string();
}

Paths Paths::ForNode(const std::string& node_name) const {
  if (root_.empty()) return Paths("", node_name);
  return Paths(ClusterDir() + "/" + node_name, node_name);
}

std::string Paths::LogFile(const std::string& daemon) const {
  std::string name = daemon;
  const std::string prefix = "ganeti-";
  if (name.rfind(prefix, 0) == 0) name = name.substr(prefix.size());
  return LogDir() + "/" + name + ".log";
}

std::string Paths::SharedFileStorageDir() const {
  // Shared by every node of a virtual cluster: it lives in the cluster dir.
  if (root_.empty()) return "/srv/ganeti/shared-file-storage";
  return ClusterDir() + "/shared-file-storage";
}

std::string Paths::ClusterHostsFile() const {
  if (root_.empty()) return "/etc/hosts";
  return ClusterDir() + "/hosts";
}

std::string Paths::Unprefixed(const std::string& path) const {
  if (!root_.empty() && path.rfind(root_ + "/", 0) == 0) return path.substr(root_.size());
  return path;
}

void Paths::EnsureDirectories() const {
  for (const auto& dir :
       {DataDir(), RunDir(), LogDir(), SocketDir(), ConfDir(), QueueDir(), QueueArchiveDir(),
        DataDir() + "/rapi", FileStorageDir(), OsSearchDir(), HooksDir(), LogDir() + "/os"}) {
    MakeDirs(dir);
  }
}

std::string Paths::SsconfMaster() const {
  const std::string file = SsconfFile("master_node");
  if (!FileExists(file)) return "";
  std::string name = ReadFile(file);
  while (!name.empty() && name.back() == '\n') name.pop_back();
  return name;
}

std::string Paths::FollowedMasterSocket() const {
  const std::string master = SsconfMaster();
  if (master.empty() || master == hostname_ || !is_virtual()) return MasterSocket();
  return ForNode(master).MasterSocket();
}

}  // namespace herd
