// Ganeti's IMPEXP_IO argument of import_start / export_start, resolved on
// this node into what the helper reads or writes: ["file", [path]] (below
// the export directory), ["raw", [disk]] (the disk's local file) or
// ["script", [disk, index]] (the instance's OS export/import script).
#pragma once

#include <boost/json/fwd.hpp>
#include <cstdint>
#include <optional>

#include "base/paths.h"
#include "node/impexp/helper_args.h"
#include "rpc/instance_spec.h"

namespace herd::impexp {

struct ResolvedIo {
  Endpoint endpoint;
  std::optional<int64_t> expected_bytes;  // for progress: the disk's or the file's size
};

// Throws GenericError (BlockDeviceError for disks this node cannot reach).
ResolvedIo ResolveIo(const Paths& paths, Mode mode, const rpc::InstanceSpec& instance,
                     const boost::json::value& io);

}  // namespace herd::impexp
