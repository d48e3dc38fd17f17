#pragma once
// The one seeded random source (ids, IPs, jitter, placement ties). xoshiro256** seeded through
// splitmix64, with our own range reduction: std distributions differ between standard libraries,
// and a timeline must replay byte for byte on every build.
#include <array>
#include <cstdint>
#include <string>

namespace zonesim::sim {

__extension__ typedef unsigned __int128 uint128;

class Rng {
 public:
  explicit Rng(std::uint64_t seed = 0) { reseed(seed); }

  void reseed(std::uint64_t seed) {
    seed_ = seed;
    std::uint64_t x = seed;
    for (auto& s : s_) s = splitmix(x);
  }
  std::uint64_t seed() const { return seed_; }

  std::uint64_t next() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, n) (Lemire's multiply-shift; the tiny bias is irrelevant here).
  std::uint64_t below(std::uint64_t n) {
    return n == 0 ? 0 : static_cast<std::uint64_t>((static_cast<uint128>(next()) * n) >> 64);
  }
  // Uniform in [lo, hi].
  std::int64_t between(std::int64_t lo, std::int64_t hi) {
    return lo + static_cast<std::int64_t>(below(static_cast<std::uint64_t>(hi - lo) + 1));
  }

  std::string hex(std::size_t digits) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out(digits, '0');
    for (auto& c : out) c = kHex[below(16)];
    return out;
  }
  std::string chars(std::size_t n, std::string_view alphabet) {
    std::string out(n, ' ');
    for (auto& c : out) c = alphabet[below(alphabet.size())];
    return out;
  }
  // An RFC 4122 version-4 shaped UUID.
  std::string uuid() {
    std::string h = hex(32);
    h[12] = '4';
    h[16] = "89ab"[below(4)];
    return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
           "-" + h.substr(20);
  }

  std::array<std::uint64_t, 4> state() const { return s_; }
  void restore(const std::array<std::uint64_t, 4>& s) { s_ = s; }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  static std::uint64_t splitmix(std::uint64_t& x) {
    std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  std::uint64_t seed_ = 0;
  std::array<std::uint64_t, 4> s_{};
};

}  // namespace zonesim::sim
