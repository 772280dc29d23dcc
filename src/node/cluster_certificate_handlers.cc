#include "node/cluster_certificate_handlers.h"

#include <boost/json.hpp>
#include <filesystem>

#include "base/errors.h"
#include "base/files.h"
#include "base/json.h"
#include "net/tls.h"
#include "node/rpc_args.h"

namespace herd {
namespace {

json::value Stage(const Paths& paths, const json::array& args) {
  const std::string pem = StringArg(args, 1, "herd_cluster_certificate");
  if (const std::string problem = net::CertificateProblem(pem, true); !problem.empty()) {
    throw GenericError("The next cluster certificate is not usable: " + problem);
  }
  WriteFileAtomic(paths.NodedNextCertFile(), pem, 0600);
  return nullptr;
}

// The staged certificate becomes the node's; the current one stays trusted.
json::value Activate(const Paths& paths) {
  if (!FileExists(paths.NodedNextCertFile())) {
    throw GenericError("No next cluster certificate was staged on this node");
  }
  if (FileExists(paths.NodedCertFile())) {
    WriteFileAtomic(paths.NodedPreviousCertFile(), ReadFile(paths.NodedCertFile()), 0600);
  }
  std::error_code ec;
  std::filesystem::rename(paths.NodedNextCertFile(), paths.NodedCertFile(), ec);
  if (ec) {
    throw GenericError("Cannot install the next cluster certificate as " + paths.NodedCertFile() +
                       ": " + ec.message());
  }
  FsyncDirectory(paths.DataDir());
  return nullptr;
}

json::value Forget(const Paths& paths, bool previous) {
  RemoveFile(paths.NodedNextCertFile());
  if (previous) RemoveFile(paths.NodedPreviousCertFile());
  FsyncDirectory(paths.DataDir());
  return nullptr;
}

}  // namespace

void RegisterClusterCertificateHandlers(const Paths& paths,
                                        std::map<std::string, RpcHandler>& handlers) {
  handlers["herd_cluster_certificate"] = [paths](const json::array& args) -> json::value {
    const std::string action = StringArg(args, 0, "herd_cluster_certificate");
    if (action == "stage") return Stage(paths, args);
    if (action == "activate") return Activate(paths);
    if (action == "finish") return Forget(paths, true);
    if (action == "abort") return Forget(paths, false);
    throw GenericError("herd_cluster_certificate: unknown action '" + action + "'");
  };
}

}  // namespace herd
