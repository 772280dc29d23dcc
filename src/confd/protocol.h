// Constants of Ganeti's confd wire protocol (Ganeti's Constants.hs, confd*).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace herd::confd {

// Every datagram, request or reply, starts with these four bytes.
inline constexpr std::string_view kMagic = "plj0";
inline constexpr int kProtocolVersion = 1;
inline constexpr uint16_t kDefaultPort = 1814;
// Ganeti's server reads at most this much of a datagram; the rest is lost.
inline constexpr size_t kMaxRequestBytes = 4096;
// A request's timestamp salt may be this far from the server's clock.
inline constexpr int64_t kMaxClockSkewSeconds = 300;

enum class RequestType {
  kPing = 0,
  kNodeRoleByName = 1,
  kNodePipByInstanceIp = 2,
  kClusterMaster = 3,
  kNodePipList = 4,
  kMcPipList = 5,
  kInstancesIpsList = 6,
  kNodeDrbd = 7,
  kNodeInstances = 8,
  kInstanceDisks = 9,
  kConfigQuery = 10,
  kDataCollectors = 11,
};
inline constexpr int kLastRequestType = 11;

enum class ReplyStatus { kOk = 0, kError = 1, kNotImplemented = 2 };

// The answer of a status-1 reply when it is not a message string.
enum class ErrorCode { kUnknownEntry = 0, kInternal = 1, kArgument = 2 };

enum class NodeRole { kMaster = 0, kCandidate = 1, kOffline = 2, kDrained = 3, kRegular = 4 };

// Fields of a cluster-master query ("3" in a dictionary query).
enum class MasterField { kName = 0, kIp = 1, kMasterNodePrimaryIp = 2 };

}  // namespace herd::confd
