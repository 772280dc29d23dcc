#include "vcluster/layout.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "base/errors.h"
#include "base/files.h"

namespace herd::vcluster {

std::string NodeName(int index) { return "node" + std::to_string(index); }

std::string NodeAddress(int block, int index) {
  int n = index + 1;  // .0.1 is the cluster address
  return "127." + std::to_string(block) + "." + std::to_string(n / 256) + "." +
         std::to_string(n % 256);
}

std::string ClusterAddress(int block) { return "127." + std::to_string(block) + ".0.1"; }

AddressBlock ClaimFreeAddressBlock(int port) {
  const std::string claims = (std::filesystem::temp_directory_path() /
                              ("herd-vcluster-blocks-" + std::to_string(::getuid())))
                                 .string();
  MakeDirs(claims, 0700);
  std::random_device rd;
  const int first = 2 + static_cast<int>(rd() % 252);
  for (int i = 0; i < 252; ++i) {
    int block = 2 + (first - 2 + i) % 252;
    FileLock claim = FileLock::Acquire(claims + "/" + std::to_string(block) + ".lock");
    if (!claim.held()) continue;
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw SystemError("socket", errno);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, NodeAddress(block, 1).c_str(), &addr.sin_addr);
    bool free = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    ::close(fd);
    if (free) return {block, std::move(claim)};
  }
  throw GenericError("no free loopback address block for a new virtual cluster");
}

void WriteHostsFile(const std::string& dir, const std::string& cluster_name,
                    const std::string& cluster_address, const std::vector<VirtualNode>& nodes) {
  std::ostringstream out;
  out << "# Name resolution of this virtual cluster (read before DNS).\n";
  out << cluster_address << " " << cluster_name << "\n";
  for (const auto& n : nodes) out << n.address << " " << n.name << "\n";
  WriteFileAtomic(dir + "/hosts", out.str());
}

std::vector<VirtualNode> ReadNodes(const std::string& dir) {
  std::vector<VirtualNode> nodes;
  std::istringstream in(ReadFile(dir + "/hosts"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream f(line);
    VirtualNode n;
    f >> n.address >> n.name;
    if (!n.name.empty() && FileExists(dir + "/" + n.name + "/cmd")) nodes.push_back(n);
  }
  return nodes;
}

void WriteNodeCommandWrapper(const std::string& dir, const std::string& node,
                             const std::string& bin_dir) {
  std::string script =
      "#!/bin/sh\n"
      "# Runs a command as virtual node " +
      node +
      " of this cluster.\n"
      "here=$(cd \"$(dirname \"$0\")\" && pwd)\n"
      "export GANETI_ROOTDIR=\"$here\"\n"
      "export GANETI_HOSTNAME=" +
      node +
      "\n"
      "export PATH=\"" +
      bin_dir +
      ":$PATH\"\n"
      "[ $# -gt 0 ] || { echo \"usage: $0 COMMAND [ARGS...]\" >&2; exit 2; }\n"
      "exec \"$@\"\n";
  WriteFileAtomic(dir + "/" + node + "/cmd", script, 0755);
}

void WriteClusterScripts(const std::string& dir, const std::string& bin_dir) {
  const std::string header = "#!/bin/sh\nset -e\nhere=$(cd \"$(dirname \"$0\")\" && pwd)\n";
  WriteFileAtomic(dir + "/start-all",
                  header + "exec \"" + bin_dir + "/herd-vcluster\" start \"$here\"\n", 0755);
  WriteFileAtomic(dir + "/stop-all",
                  header + "exec \"" + bin_dir + "/herd-vcluster\" stop \"$here\"\n", 0755);
  WriteFileAtomic(dir + "/watcher-all",
                  header + "exec \"" + bin_dir + "/herd-vcluster\" watcher \"$here\"\n", 0755);
}

}  // namespace herd::vcluster
