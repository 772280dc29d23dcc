// Name resolution for nodes: the cluster hosts file (a virtual cluster's
// own /etc/hosts) first, then the system resolver.
#pragma once

#include <optional>
#include <string>

namespace herd {
class Paths;

// Returns the IPv4 address of `name`, or std::nullopt if it does not resolve.
std::optional<std::string> ResolveHost(const Paths& paths, const std::string& name);
// Same, but throws ResolverError naming the file that was searched.
std::string ResolveHostOrThrow(const Paths& paths, const std::string& name);

// A virtual cluster's hosts file is its name service: gives `name` the next
// free instance address of the cluster's loopback block (or its existing one).
std::string AddVirtualHost(const Paths& paths, const std::string& name);

}  // namespace herd
