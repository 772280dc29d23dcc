// Ganeti's AddressPool: the IPv4 addresses of a network, each free or
// reserved by an instance or externally (network, broadcast, gateway,
// addresses an administrator set aside), kept in the network's reservation
// strings ('1' reserved, '0' free, one character per address).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "objects/network.h"

namespace herd::objects {

class AddressPool {
 public:
  // Networks from /30 to /16. Throws GanetiError("AddressPoolError") for a
  // malformed subnet or one outside those sizes.
  explicit AddressPool(Network& network);

  // A new network's pool: network, broadcast and gateway addresses reserved.
  static void Initialize(Network& network);

  bool Contains(const std::string& address) const;
  bool IsReserved(const std::string& address, bool external = false) const;
  // AddressPoolError when already reserved / not reserved, or not in the network.
  void Reserve(const std::string& address, bool external = false);
  void Release(const std::string& address, bool external = false);
  // The first free address, reserved for an instance; AddressPoolError when full.
  std::string TakeFreeAddress();

  int64_t FreeCount() const;
  int64_t ReservedCount() const;
  // Occupation as Ganeti shows it: "X" reserved, "." free.
  std::string Map() const;
  std::vector<std::string> ExternalReservations() const;

 private:
  size_t IndexOf(const std::string& address) const;
  std::string AddressAt(size_t index) const;

  Network& network_;
  uint32_t base_ = 0;
  size_t size_ = 0;
};

// An IPv4 address in dotted form as a number; false if malformed.
bool ParseIpv4(const std::string& text, uint32_t* out);
std::string FormatIpv4(uint32_t address);

}  // namespace herd::objects
