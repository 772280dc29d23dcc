#include "base/hosts.h"

#include <arpa/inet.h>
#include <netdb.h>

#include <fstream>
#include <sstream>

#include "base/errors.h"
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

}  // namespace herd
