// Ganeti's ImportExportOptions (the `opts` of import_start / export_start)
// and the names of the transport compressions.
#pragma once

#include <boost/json/fwd.hpp>
#include <optional>
#include <string>

namespace herd::impexp {

// Ganeti's DISK_TRANSFER_CONNECT_TIMEOUT.
inline constexpr int kDefaultConnectTimeoutSeconds = 60;

struct TransferOptions {
  std::optional<std::string> key_name;  // none: the cluster certificate (server.pem)
  std::optional<std::string> ca_pem;    // none: the cluster certificate is the CA
  std::string compress = "none";
  std::optional<std::string> magic;  // none: no magic is sent or checked
  bool ipv6 = false;
  int connect_timeout = kDefaultConnectTimeoutSeconds;
};

// Reads and checks an ImportExportOptions dict; throws GenericError naming
// the field at fault.
TransferOptions TransferOptionsFromJson(const boost::json::value& v);

enum class Compression { kNone, kGzipFast, kGzipSlow, kLzop };
// "none", "gzip", "gzip-fast", "gzip-slow", "lzop" (gzip is Ganeti's gzip -1,
// as gzip-fast); throws GenericError for anything else.
Compression ParseCompression(const std::string& name);

// Ganeti's IE_MAGIC_RE: ^[-_.a-zA-Z0-9]{5,100}$.
bool IsValidMagic(const std::string& magic);

// Where `program` is on the PATH of this process, or "" when it is not.
std::string FindProgram(const std::string& program);

}  // namespace herd::impexp
