// What the node daemon tells an import/export helper: written as JSON to
// args.json in the helper's status directory, read by herd-impexp. Every
// path in it is local (already mapped under the node's root).
#pragma once

#include <boost/json/fwd.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace herd::impexp {

enum class Mode { kImport, kExport };

// Where the data comes from (export) or goes to (import).
struct Endpoint {
  enum class Kind {
    kFile,     // export: read the file; import: a new file (sparse), removed on failure
    kDisk,     // an instance's disk file: read whole, or written in place up to its size
    kCommand,  // an OS script: its stdout is the data (export), its stdin takes it (import)
  };
  Kind kind = Kind::kFile;
  std::string path;               // kFile, kDisk
  int64_t disk_bytes = -1;        // kDisk: the disk's size, an import never writes beyond it
  std::vector<std::string> argv;  // kCommand
  std::string cwd;
  std::map<std::string, std::string> env;  // the command's whole environment
  std::string description;                 // for messages ("OS export script of inst1 disk 0")
};

struct HelperArgs {
  Mode mode = Mode::kImport;
  std::string key_file, cert_file, ca_file;
  std::string listen_address;  // import: the address to listen on (port chosen by the kernel)
  std::string host;            // export: the importer's address
  int port = 0;                // export: the importer's port
  bool ipv6 = false;
  std::string compress = "none";
  std::optional<std::string> magic;
  int connect_timeout = 60;               // import: wait for the exporter; export: retry connecting
  std::optional<int64_t> expected_bytes;  // for progress (percent, eta)
  Endpoint endpoint;
  int watch_pid = 0;  // the node daemon: the transfer stops when it exits (0: none)
};

boost::json::value ToJson(const HelperArgs& args);
// Throws GenericError naming the field at fault.
HelperArgs HelperArgsFromJson(const boost::json::value& v);

}  // namespace herd::impexp
