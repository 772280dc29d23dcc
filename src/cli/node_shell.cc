#include "cli/node_shell.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "base/errors.h"
#include "base/files.h"

namespace herd::cli {
namespace {

namespace fs = std::filesystem;

// Ganeti's remote commands have no time limit; a week stands for none.
constexpr int kNoTimeoutSeconds = 7 * 24 * 3600;

// Removes a temporary file however the scope is left.
struct TemporaryFile {
  std::string path;
  TemporaryFile() {
    std::error_code ec;
    fs::path dir = fs::temp_directory_path(ec);
    if (ec) dir = "/tmp";
    std::string name = (dir / "herd-node-shell-XXXXXX").string();
    const int fd = ::mkostemp(name.data(), O_CLOEXEC);
    if (fd < 0) throw SystemError("mkstemp " + name, errno);
    ::close(fd);
    path = name;
  }
  ~TemporaryFile() { ::unlink(path.c_str()); }
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;
};

// Runs `argv` with its standard error apart, so that the output is stdout
// followed by stderr, as Ganeti's RunCmd gives them.
CommandResult RunSplittingOutput(const std::vector<std::string>& argv,
                                 const std::map<std::string, std::string>& env,
                                 const std::string& cwd) {
  TemporaryFile errors;
  std::vector<std::string> wrapped{"/bin/sh", "-c", "exec 2>\"$0\" && exec \"$@\"", errors.path};
  wrapped.insert(wrapped.end(), argv.begin(), argv.end());
  CommandResult result = RunCommand(wrapped, env, cwd, kNoTimeoutSeconds);
  result.output += ReadFile(errors.path);
  return result;
}

// Ganeti's _BuildSshOptions for batch commands (no cluster known_hosts file:
// root's own known hosts are checked strictly).
std::vector<std::string> SshOptions(const NodeTarget& node) {
  return {"-oEscapeChar=none",
          "-oHashKnownHosts=no",
          "-oCheckHostIp=no",
          "-oConnectTimeout=10",
          "-q",
          "-oPort=" + std::to_string(node.ssh_port),
          "-oBatchMode=yes",
          "-oStrictHostKeyChecking=yes"};
}

class SshNodeShell : public NodeShell {
 public:
  CommandResult Run(const NodeTarget& node, const std::string& command) const override {
    return RunSplittingOutput(SshCommandLine(node, command), {}, "");
  }
  void CheckCopyable(const std::string&) const override {}
  bool CopyFile(const NodeTarget& node, const std::string& path, std::string* why) const override {
    const CommandResult r = RunCommand(ScpCommandLine(node, path), {}, "", kNoTimeoutSeconds);
    if (r.failed() && why) *why = r.output;
    return !r.failed();
  }
};

class VirtualNodeShell : public NodeShell {
 public:
  explicit VirtualNodeShell(Paths local) : local_(std::move(local)) {}

  CommandResult Run(const NodeTarget& node, const std::string& command) const override {
    const Paths target = local_.ForNode(node.name);
    std::error_code ec;
    if (!fs::is_directory(target.root(), ec)) {
      // What ssh says of a host it cannot reach, with its exit code.
      return {255,
              "node root " + target.root() + " of virtual node " + node.name + " does not exist\n"};
    }
    return RunSplittingOutput(
        {"/bin/sh", "-c", command},
        {{"GANETI_ROOTDIR", target.root()}, {"GANETI_HOSTNAME", target.hostname()}}, target.root());
  }

  void CheckCopyable(const std::string& path) const override {
    if (local_.Unprefixed(path) == path) {
      throw OpPrereqError("Path '" + path + "' is not below node root '" + local_.root() +
                              "': in a virtual cluster copyfile copies a file of this node's "
                              "root to the same place under the other nodes' roots",
                          kEcodeInval);
    }
  }

  bool CopyFile(const NodeTarget& node, const std::string& path, std::string* why) const override {
    const std::string target = local_.ForNode(node.name).Prefixed(local_.Unprefixed(path));
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
      if (why) *why = path + " is not a regular file";
      return false;
    }
    if (target == path) return true;  // this node itself: the file is there
    std::error_code ec;
    if (!fs::is_directory(fs::path(target).parent_path(), ec)) {
      // As scp: the directory must be there already.
      if (why) *why = fs::path(target).parent_path().string() + ": No such file or directory";
      return false;
    }
    try {
      WriteFileAtomic(target, ReadFile(path), st.st_mode & 07777);
    } catch (const GanetiError& e) {
      // Reported as this node's failure; the other nodes still get the file.
      if (why) *why = e.args().empty() ? e.what() : e.args()[0];
      return false;
    }
    const timespec times[2] = {st.st_atim, st.st_mtim};
    if (::utimensat(AT_FDCWD, target.c_str(), times, 0) != 0) {
      if (why) *why = "cannot set the times of " + target + ": " + std::strerror(errno);
      return false;
    }
    return true;
  }

 private:
  Paths local_;
};

}  // namespace

std::vector<std::string> SshCommandLine(const NodeTarget& node, const std::string& command) {
  std::vector<std::string> argv{"ssh"};
  for (auto& option : SshOptions(node)) argv.push_back(std::move(option));
  argv.push_back("root@" + node.address);
  argv.push_back(command);
  return argv;
}

std::vector<std::string> ScpCommandLine(const NodeTarget& node, const std::string& path) {
  std::vector<std::string> argv{"scp", "-p"};
  for (auto& option : SshOptions(node)) argv.push_back(std::move(option));
  argv.push_back(path);
  const bool ipv6 = node.address.find(':') != std::string::npos;
  argv.push_back("root@" + (ipv6 ? "[" + node.address + "]" : node.address) + ":" + path);
  return argv;
}

std::unique_ptr<NodeShell> MakeNodeShell(const Paths& local) {
  if (local.is_virtual()) return std::make_unique<VirtualNodeShell>(local);
  return std::make_unique<SshNodeShell>();
}

}  // namespace herd::cli
