// Cluster creation on the future master (Ganeti runs this in `gnt-cluster
// init` itself, before any daemon exists): certificates, the first config,
// ssconf, then the master daemon is started.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "base/paths.h"

namespace herd::bootstrap {

struct InitOptions {
  std::string cluster_name;
  std::string master_netdev = "lo";
  std::vector<std::string> enabled_hypervisors{"fake"};
  std::vector<std::string> enabled_disk_templates{"diskless", "file", "sharedfile"};
  std::map<std::string, std::string> hvparams_fake, beparams, nicparams, ndparams;
  std::string file_storage_dir, shared_file_storage_dir;
  int candidate_pool_size = 10;
  std::string secondary_ip;
  // Empty: hail when it is on the allocator search path (as Ganeti does).
  std::string default_iallocator;
};

// The cluster's secrets on this node, made as gnt-cluster init makes them and
// gnt-cluster renew-crypto renews them (Ganeti's GenerateClusterCrypto).
void WriteNewRapiCertificate(const Paths& paths, const std::string& cluster_name);
void WriteNewConfdHmacKey(const Paths& paths);
void WriteNewClusterDomainSecret(const Paths& paths);

// Throws OpPrereqError when a cluster already exists or a value is invalid.
void InitCluster(const Paths& paths, const InitOptions& options);

}  // namespace herd::bootstrap
