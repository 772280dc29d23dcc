#include "base/hosts.h"

#include <arpa/inet.h>
#include <netdb.h>

#include <cstdio>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>

#include "base/errors.h"
#include "base/files.h"
#include "base/paths.h"

namespace herd {

std::optional<std::string> ResolveHost(const Paths& paths, const std::string& name) {
  in_addr probe;
  if (inet_pton(AF_INET, name.c_str(), &probe) == 1) return name;
  std::ifstream in(paths.ClusterHostsFile());
  std::string line;
  while (std::getline(in, line)) {
    auto hash = line.find('#');
    if (hash != std::string::npos) line.resize(hash);
    std::istringstream fields(line);
    std::string ip, alias;
    if (!(fields >> ip)) continue;
    while (fields >> alias) {
      if (alias == name) return ip;
    }
  }
  if (paths.is_virtual()) return std::nullopt;  // a virtual cluster never leaks to DNS
  addrinfo hints{};
  hints.ai_family = AF_INET;
  addrinfo* res = nullptr;
  if (getaddrinfo(name.c_str(), nullptr, &hints, &res) != 0 || !res) return std::nullopt;
  char buf[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(res->ai_addr)->sin_addr, buf, sizeof(buf));
  freeaddrinfo(res);
  return std::string(buf);
}

std::string ResolveHostOrThrow(const Paths& paths, const std::string& name) {
  auto ip = ResolveHost(paths, name);
  if (!ip) {
    throw GanetiError("OpPrereqError",
                      {"Unable to resolve hostname '" + name + "' (looked in " +
                           paths.ClusterHostsFile() + (paths.is_virtual() ? ")" : " and DNS)"),
                       kEcodeResolver});
  }
  return *ip;
}

std::string AddVirtualHost(const Paths& paths, const std::string& name) {
  static std::mutex mu;  // masterd is the only writer while the cluster runs
  std::lock_guard lock(mu);
  if (auto ip = ResolveHost(paths, name)) return *ip;
  const std::string file = paths.ClusterHostsFile();
  std::string text = FileExists(file) ? ReadFile(file) : std::string();
  // The cluster's block is that of its first 127.B.x.y address; instances
  // take addresses from 127.B.128.1 upwards, nodes stay below.
  int block = -1;
  std::set<std::string> used;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string ip;
    if (!(fields >> ip) || ip[0] == '#') continue;
    used.insert(ip);
    unsigned a, b, c, d;
    if (block < 0 && std::sscanf(ip.c_str(), "%u.%u.%u.%u", &a, &b, &c, &d) == 4 && a == 127) {
      block = static_cast<int>(b);
    }
  }
  if (block < 0) {
    throw ResolverError("cannot add '" + name + "' to " + file +
                        ": it lists no 127.B.x.y address to take the cluster's block from");
  }
  for (int k = 0; k < 127 * 254; ++k) {
    std::string ip = "127." + std::to_string(block) + "." + std::to_string(128 + k / 254) + "." +
                     std::to_string(1 + k % 254);
    if (used.count(ip)) continue;
    if (!text.empty() && text.back() != '\n') text += "\n";
    text += ip + " " + name + "\n";
    WriteFileAtomic(file, text, 0644);
    return ip;
  }
  throw ResolverError("no free instance address left in 127." + std::to_string(block) +
                      ".128.0/17 for '" + name + "'");
}

}  // namespace herd
