// Finding an iallocator script and running it on a request file, as
// Ganeti's node daemon does (IAllocatorRunner).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace boost::json {
class value;
}
namespace herd {
class Paths;
}

namespace herd::master::iallocator {

// Directories searched for an allocator by name, in order: the node root's
// /usr/lib/ganeti/iallocators, /usr/local/lib/ganeti/iallocators,
// /usr/lib/ganeti/iallocators and Debian's /usr/lib/ganeti/3.0/usr/lib/ganeti/iallocators.
std::vector<std::string> AllocatorSearchPath(const Paths& paths);
// The same on a real node, without the root prefix.
std::vector<std::string> DefaultAllocatorSearchPath();

// The allocator's executable: an absolute `name` as is, else the first
// regular file `name` in `search_path`. Throws OpExecError when there is none
// or the name is not a plain file name ([A-Za-z0-9_-]+).
std::string FindAllocator(const std::string& name, const std::vector<std::string>& search_path);

// Command-line parameters: "--key=value", or "--key" without a value.
using AllocatorParams = std::map<std::string, std::optional<std::string>>;

struct Allocator {
  std::string name;                      // "hail", or an absolute path
  std::vector<std::string> search_path;  // empty: DefaultAllocatorSearchPath()
  AllocatorParams params;                // on top of the cluster's default_iallocator_params
  int timeout_seconds = 900;             // Ganeti's RPC_TMO_NORMAL
  std::string temp_dir;                  // for the request file; empty: the system's
  // When set, answers instead of a script run (Herd's own hail, inside the
  // master daemon): request document and "--key=value" parameters in, answer
  // document out; a GanetiError is reported as the script's failure.
  std::function<std::string(const boost::json::value& input,
                            const std::vector<std::string>& params)>
      in_process;
};

// The "--key=value" arguments of `params`, as an allocator receives them.
std::vector<std::string> ParamsAsArgs(const AllocatorParams& params);

// Writes `input` to a temporary file, runs the allocator as
// `<script> <request file> --key=value...` (Ganeti's argument order) with
// stdin from /dev/null, in "/", and returns its standard output. A missing
// script, a failed start, a non-zero exit, a signal or the time limit throw
// OpExecError naming the allocator, with its stdout and stderr.
std::string RunAllocatorScript(const Allocator& allocator, const boost::json::value& input,
                               const AllocatorParams& params);

}  // namespace herd::master::iallocator
