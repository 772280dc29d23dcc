// ssconf: the small per-key files every node holds (Ganeti's ssconf_* files).
#pragma once

#include <map>
#include <optional>
#include <string>

namespace herd {
class Paths;

// Keys Ganeti writes (ssconf_<key>).
inline constexpr const char* kSsconfClusterName = "cluster_name";
inline constexpr const char* kSsconfMasterNode = "master_node";
inline constexpr const char* kSsconfMasterIp = "master_ip";
inline constexpr const char* kSsconfNodeList = "node_list";
inline constexpr const char* kSsconfNodePrimaryIps = "node_primary_ips";
inline constexpr const char* kSsconfMasterCandidates = "master_candidates";
inline constexpr const char* kSsconfOnlineNodes = "online_nodes";

// Writes every given key atomically (unknown keys are refused).
void WriteSsconfFiles(const Paths& paths, const std::map<std::string, std::string>& values);
std::optional<std::string> ReadSsconfValue(const Paths& paths, const std::string& key);

}  // namespace herd
