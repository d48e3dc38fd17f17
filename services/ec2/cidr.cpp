#include "services/ec2/cidr.hpp"

#include <arpa/inet.h>

#include <charconv>

namespace zonesim::ec2 {

namespace {

std::optional<int> prefix_length(std::string_view s, int max) {
  if (s.empty() || s.size() > 3) return std::nullopt;
  int n = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), n);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size() || n < 0 || n > max) return std::nullopt;
  return n;
}

}  // namespace

std::string ipv4_string(std::uint32_t ip) {
  in_addr a{htonl(ip)};
  char buf[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &a, buf, sizeof buf);
  return buf;
}

std::string Cidr4::str() const {
  return ipv4_string(network()) + "/" + std::to_string(bits);
}

std::optional<Cidr4> parse_cidr4(std::string_view s) {
  auto slash = s.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto bits = prefix_length(s.substr(slash + 1), 32);
  if (!bits) return std::nullopt;
  std::string ip(s.substr(0, slash));
  in_addr a{};
  if (inet_pton(AF_INET, ip.c_str(), &a) != 1) return std::nullopt;
  return Cidr4{ntohl(a.s_addr), *bits};
}

bool Cidr6::canonical() const {
  for (int i = 0; i < 128; ++i)
    if (i >= bits && (addr[i / 8] >> (7 - i % 8) & 1)) return false;
  return true;
}

bool Cidr6::contains(const Cidr6& inner) const {
  if (inner.bits < bits) return false;
  for (int i = 0; i < bits; ++i)
    if ((addr[i / 8] >> (7 - i % 8) & 1) != (inner.addr[i / 8] >> (7 - i % 8) & 1)) return false;
  return true;
}

std::string Cidr6::str() const {
  std::array<std::uint8_t, 16> net = addr;
  for (int i = bits; i < 128; ++i) net[i / 8] &= static_cast<std::uint8_t>(~(1u << (7 - i % 8)));
  char buf[INET6_ADDRSTRLEN];
  inet_ntop(AF_INET6, net.data(), buf, sizeof buf);
  return std::string(buf) + "/" + std::to_string(bits);
}

std::optional<Cidr6> parse_cidr6(std::string_view s) {
  auto slash = s.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto bits = prefix_length(s.substr(slash + 1), 128);
  if (!bits) return std::nullopt;
  std::string ip(s.substr(0, slash));
  Cidr6 c;
  if (inet_pton(AF_INET6, ip.c_str(), c.addr.data()) != 1) return std::nullopt;
  c.bits = *bits;
  return c;
}

}  // namespace zonesim::ec2
