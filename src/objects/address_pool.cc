#include "objects/address_pool.h"

#include <cstdio>

#include "base/errors.h"

namespace herd::objects {
namespace {

[[noreturn]] void PoolError(const std::string& message) {
  throw GanetiError("AddressPoolError", {message});
}

}  // namespace

bool ParseIpv4(const std::string& text, uint32_t* out) {
  unsigned a, b, c, d;
  char tail;
  if (std::sscanf(text.c_str(), "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) != 4) return false;
  if (a > 255 || b > 255 || c > 255 || d > 255) return false;
  *out = (a << 24) | (b << 16) | (c << 8) | d;
  return true;
}

std::string FormatIpv4(uint32_t address) {
  return std::to_string(address >> 24) + "." + std::to_string((address >> 16) & 255) + "." +
         std::to_string((address >> 8) & 255) + "." + std::to_string(address & 255);
}

AddressPool::AddressPool(Network& network) : network_(network) {
  const auto slash = network.network.find('/');
  uint32_t address = 0;
  int prefix = -1;
  if (slash != std::string::npos) {
    try {
      size_t used = 0;
      prefix = std::stoi(network.network.substr(slash + 1), &used);
      if (used != network.network.size() - slash - 1) prefix = -1;
    } catch (const std::exception&) {
      prefix = -1;
    }
  }
  if (slash == std::string::npos || prefix < 0 || prefix > 32 ||
      !ParseIpv4(network.network.substr(0, slash), &address)) {
    PoolError("'" + network.network + "' does not appear to be an IPv4 network");
  }
  const uint32_t mask = prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix);
  if ((address & ~mask) != 0) PoolError(network.network + " has host bits set");
  size_ = size_t{1} << (32 - prefix);
  if (prefix < 16) {
    PoolError("A big network with " + std::to_string(size_) +
              " host(s) is currently not supported. please specify at most a /16 network");
  }
  if (prefix > 30) {
    PoolError("A network with only " + std::to_string(size_) +
              " host(s) is too small, please specify at least a /30 network");
  }
  base_ = address;
  for (std::string* bits : {&network_.reservations, &network_.ext_reservations}) {
    if (bits->empty()) bits->assign(size_, '0');
    if (bits->size() != size_) {
      PoolError("The reservations of network " + network.name + " do not match its size");
    }
  }
}

void AddressPool::Initialize(Network& network) {
  AddressPool pool(network);
  pool.network_.reservations.assign(pool.size_, '0');
  pool.network_.ext_reservations.assign(pool.size_, '0');
  pool.Reserve(pool.AddressAt(0), true);
  pool.Reserve(pool.AddressAt(pool.size_ - 1), true);
  if (!network.gateway.empty()) pool.Reserve(network.gateway, true);
}

size_t AddressPool::IndexOf(const std::string& address) const {
  uint32_t a = 0;
  if (!ParseIpv4(address, &a)) PoolError("'" + address + "' is not a valid IPv4 address");
  if (a < base_ || a - base_ >= size_) PoolError(network_.network + " does not contain " + address);
  return a - base_;
}

std::string AddressPool::AddressAt(size_t index) const {
  return FormatIpv4(base_ + static_cast<uint32_t>(index));
}

bool AddressPool::Contains(const std::string& address) const {
  uint32_t a = 0;
  return ParseIpv4(address, &a) && a >= base_ && a - base_ < size_;
}

bool AddressPool::IsReserved(const std::string& address, bool external) const {
  const std::string& bits = external ? network_.ext_reservations : network_.reservations;
  return bits[IndexOf(address)] == '1';
}

void AddressPool::Reserve(const std::string& address, bool external) {
  if (IsReserved(address, external)) {
    PoolError(external ? "IP " + address + " is already externally reserved"
                       : "IP " + address + " is already used by an instance");
  }
  (external ? network_.ext_reservations : network_.reservations)[IndexOf(address)] = '1';
}

void AddressPool::Release(const std::string& address, bool external) {
  if (!IsReserved(address, external)) {
    PoolError(external ? "IP " + address + " is not externally reserved"
                       : "IP " + address + " is not used by an instance");
  }
  (external ? network_.ext_reservations : network_.reservations)[IndexOf(address)] = '0';
}

std::string AddressPool::TakeFreeAddress() {
  for (size_t i = 0; i < size_; ++i) {
    if (network_.reservations[i] == '0' && network_.ext_reservations[i] == '0') {
      network_.reservations[i] = '1';
      return AddressAt(i);
    }
  }
  PoolError(network_.network + " is full");
}

int64_t AddressPool::ReservedCount() const {
  int64_t n = 0;
  for (size_t i = 0; i < size_; ++i) {
    if (network_.reservations[i] == '1' || network_.ext_reservations[i] == '1') ++n;
  }
  return n;
}

int64_t AddressPool::FreeCount() const { return static_cast<int64_t>(size_) - ReservedCount(); }

std::string AddressPool::Map() const {
  std::string map(size_, '.');
  for (size_t i = 0; i < size_; ++i) {
    if (network_.reservations[i] == '1' || network_.ext_reservations[i] == '1') map[i] = 'X';
  }
  return map;
}

std::vector<std::string> AddressPool::ExternalReservations() const {
  std::vector<std::string> out;
  for (size_t i = 0; i < size_; ++i) {
    if (network_.ext_reservations[i] == '1') out.push_back(AddressAt(i));
  }
  return out;
}

}  // namespace herd::objects
