#pragma once
// IPv4 and IPv6 CIDR blocks as EC2 validates them: VPC and subnet ranges, routes, rule peers.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace zonesim::ec2 {

struct Cidr4 {
  std::uint32_t addr = 0;  // host order, as written (host bits may be set)
  int bits = 0;

  std::uint32_t mask() const { return bits == 0 ? 0u : ~0u << (32 - bits); }
  std::uint32_t network() const { return addr & mask(); }
  // Host bits zero: "10.0.0.0/16", not "10.0.0.1/16".
  bool canonical() const { return addr == network(); }
  std::uint64_t size() const { return std::uint64_t{1} << (32 - bits); }
  bool contains(const Cidr4& inner) const {
    return inner.bits >= bits && (inner.network() & mask()) == network();
  }
  bool overlaps(const Cidr4& o) const { return contains(o) || o.contains(*this); }
  std::string str() const;  // the network, "10.0.0.0/16"
};

// "a.b.c.d/n" with n in 0..32; nullopt for anything else.
std::optional<Cidr4> parse_cidr4(std::string_view s);
std::string ipv4_string(std::uint32_t ip);

struct Cidr6 {
  std::array<std::uint8_t, 16> addr{};
  int bits = 0;

  bool canonical() const;
  bool contains(const Cidr6& inner) const;
  std::string str() const;  // compressed text form of the network
};

// "x:y::/n" with n in 0..128; nullopt for anything else.
std::optional<Cidr6> parse_cidr6(std::string_view s);

}  // namespace zonesim::ec2
