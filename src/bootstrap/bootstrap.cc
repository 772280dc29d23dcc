#include "bootstrap/bootstrap.h"

#include <boost/json.hpp>
#include <chrono>
#include <fstream>
#include <random>
#include <thread>

#include "base/errors.h"
#include "base/files.h"
#include "base/hosts.h"
#include "base/json.h"
#include "base/process.h"
#include "luxi/client.h"
#include "master/cmdlib/common.h"
#include "master/config/config_store.h"
#include "master/iallocator/runner.h"
#include "net/tls.h"
#include "node/ssconf.h"
#include "objects/config_data.h"

namespace herd::bootstrap {
namespace {

std::string RandomHex(size_t bytes) {
  std::random_device rd;
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < bytes; ++i) {
    unsigned v = rd() & 0xff;
    out += hex[v >> 4];
    out += hex[v & 15];
  }
  return out;
}

}  // namespace

void WriteNewRapiCertificate(const Paths& paths, const std::string& cluster_name) {
  net::GenerateSelfSignedCertificate(paths.RapiCertFile(), cluster_name);
}

// As Ganeti's GenerateHmacKey: 20 random bytes in hex and a newline, all of
// it the key.
void WriteNewConfdHmacKey(const Paths& paths) {
  WriteFileAtomic(paths.ConfdHmacKey(), RandomHex(20) + "\n", 0400);
}

void WriteNewClusterDomainSecret(const Paths& paths) {
  WriteFileAtomic(paths.ClusterDomainSecretFile(), RandomHex(32) + "\n", 0400);
}

void InitCluster(const Paths& paths, const InitOptions& options) {
  if (options.cluster_name.empty()) throw OpPrereqError("A cluster name is required", kEcodeInval);
  if (FileExists(paths.ConfigFile())) {
    throw OpPrereqError("Cluster is already initialised", kEcodeInval);
  }
  for (const auto& hv : options.enabled_hypervisors) {
    if (hv != "fake") {
      throw OpPrereqError("Hypervisor '" + hv + "' is not supported (supported: fake)",
                          kEcodeInval);
    }
  }
  const std::string master_ip = ResolveHostOrThrow(paths, options.cluster_name);
  const std::string node_ip = ResolveHostOrThrow(paths, paths.hostname());
  paths.EnsureDirectories();
  if (!FileExists(paths.NodedCertFile())) {
    net::GenerateSelfSignedCertificate(paths.NodedCertFile(), options.cluster_name);
  }
  if (!FileExists(paths.RapiCertFile())) WriteNewRapiCertificate(paths, options.cluster_name);
  if (!FileExists(paths.ConfdHmacKey())) WriteNewConfdHmacKey(paths);
  if (!FileExists(paths.ClusterDomainSecretFile())) WriteNewClusterDomainSecret(paths);

  objects::NewClusterOptions o;
  const auto search_path = master::iallocator::AllocatorSearchPath(paths);
  if (!options.default_iallocator.empty()) {
    try {
      master::iallocator::FindAllocator(options.default_iallocator, search_path);
    } catch (const GanetiError&) {
      throw OpPrereqError(
          "Invalid default iallocator script '" + options.default_iallocator + "' specified",
          kEcodeInval);
    }
    o.default_iallocator = options.default_iallocator;
  } else {
    try {
      master::iallocator::FindAllocator("hail", search_path);
      o.default_iallocator = "hail";
    } catch (const GanetiError&) {
      // No hail here: the cluster starts without a default allocator.
    }
  }
  o.cluster_name = options.cluster_name;
  o.master_node_name = paths.hostname();
  o.master_node_uuid = master::NewUuid();
  o.master_ip = master_ip;
  o.master_node_ip = node_ip;
  o.secondary_ip = options.secondary_ip.empty() ? node_ip : options.secondary_ip;
  o.master_netdev = options.master_netdev;
  o.enabled_hypervisors = options.enabled_hypervisors;
  o.enabled_disk_templates = options.enabled_disk_templates;
  // The node-relative path: every node keeps its file disks under its own root.
  o.file_storage_dir = options.file_storage_dir.empty() ? paths.Unprefixed(paths.FileStorageDir())
                                                        : options.file_storage_dir;
  o.shared_file_storage_dir = options.shared_file_storage_dir.empty()
                                  ? paths.SharedFileStorageDir()
                                  : options.shared_file_storage_dir;
  o.candidate_pool_size = options.candidate_pool_size;
  o.cluster_uuid = master::NewUuid();
  o.group_uuid = master::NewUuid();
  o.beparams = options.beparams;
  o.nicparams = options.nicparams;
  o.ndparams = options.ndparams;
  o.hvparams_fake = options.hvparams_fake;
  objects::ConfigData config = objects::NewClusterConfig(o);
  master::ConfigStore::WriteInitial(paths, config);
  WriteSsconfFiles(paths, master::ComputeSsconf(config));

  std::map<std::string, std::string> env;
  if (paths.is_virtual())
    env = {{"GANETI_ROOTDIR", paths.root()}, {"GANETI_HOSTNAME", paths.hostname()}};
  auto started = RunCommand({ExecutableDir() + "/ganeti-masterd"}, env, "", 30);
  if (started.failed()) throw OpExecError("Could not start the master daemon: " + started.output);
  try {
    luxi::WaitUntilServing(paths.MasterSocket(), 15);
  } catch (const GanetiError& e) {
    throw OpExecError("The master daemon did not start: " + std::string(e.what()) + "; see " +
                      paths.LogFile("ganeti-masterd"));
  }
  // The remote API runs on the master too, as after Ganeti's cluster init.
  if (FileExists(ExecutableDir() + "/ganeti-rapi")) {
    auto rapi = RunCommand({ExecutableDir() + "/ganeti-rapi"}, env, "", 30);
    if (rapi.failed()) throw OpExecError("Could not start the RAPI daemon: " + rapi.output);
  }
}

}  // namespace herd::bootstrap
