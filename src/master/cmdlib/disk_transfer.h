// Moving an instance's disk data between two nodes (Ganeti's
// TransferInstanceData): for each disk, an import on the destination node
// listens, an export on the source node connects to it, the master follows
// both through their status until they finish, reports progress in the job
// log and checks that what arrived is what was sent.
#pragma once

#include <boost/json/array.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "master/cmdlib/lu_context.h"
#include "objects/disk.h"
#include "objects/node.h"
#include "rpc/instance_spec.h"

namespace herd::master {

// One disk's transfer; the I/O specs are Ganeti's IMPEXP_IO encodings
// (["file", [path]], ["raw", [disk]], ["script", [disk, index]]).
struct DiskTransfer {
  std::string label;  // "disk/0"
  boost::json::array source_io, dest_io;
};

// Runs the transfers (an absent one is a disk left out: reported failed)
// from `source` to `dest`; returns each one's success. Every helper started
// is cleaned up on both nodes, whatever happens; a cancel of the job aborts
// the transfers and throws OpCanceled once they are cleaned up.
std::vector<bool> TransferInstanceData(LuContext& ctx, const objects::Node& source,
                                       const objects::Node& dest, const std::string& compress,
                                       const rpc::InstanceSpec& instance,
                                       const std::vector<std::optional<DiskTransfer>>& transfers);

// Between clusters (Ganeti's remote import/export): each side runs only its
// own ends. The importing side's helpers listen with `opts` (its key, the
// source's CA); once all listen, `on_all_listening` gets each disk's
// (port, magic) to send to the source.
using ListeningCallback =
    std::function<void(const std::vector<std::pair<int64_t, std::string>>& ports_and_magics)>;
std::vector<bool> ReceiveRemoteDisks(LuContext& ctx, const objects::Node& node,
                                     const rpc::InstanceSpec& instance,
                                     const std::vector<boost::json::array>& dest_ios,
                                     const boost::json::object& opts,
                                     const ListeningCallback& on_all_listening);
struct RemoteTarget {
  std::string host;
  int64_t port = 0;
  std::string magic;
};
// The exporting side: one helper per disk connects to its target.
std::vector<bool> SendRemoteDisks(LuContext& ctx, const objects::Node& node,
                                  const rpc::InstanceSpec& instance,
                                  const std::vector<boost::json::array>& source_ios,
                                  const std::vector<RemoteTarget>& targets,
                                  const boost::json::object& opts);

// A disk's end on its instance's node (Ganeti's IEIO_SCRIPT, or
// IEIO_RAW_DISK for an instance without OS): what an export reads and an
// import writes.
boost::json::array InstanceDiskIo(const std::string& os, const objects::Disk& disk, size_t index);

struct NodeX509Certificate {
  std::string name, cert_pem;
};
// A new key and certificate on `node` for a transfer between clusters
// (x509_cert_create, valid for Ganeti's RIE_CERT_VALIDITY).
NodeX509Certificate CreateNodeX509Certificate(LuContext& ctx, const objects::Node& node);

// OpPrereqError unless `tool` is "none" or one of the cluster's compression tools.
void CheckCompressionTool(const objects::ConfigData& config, const std::string& tool);

}  // namespace herd::master
