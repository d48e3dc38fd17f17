#pragma once
// Timing profiles (fixtures/timing/*.json, compiled in): how long lifecycle steps take, as
// [min, max] ranges drawn with the seeded RNG. "instant" (default for serve) and "realistic"
// are built in; a path to a JSON file of the same form selects a custom profile.
#include <map>
#include <string>
#include <utility>

#include "emulator/sim/clock.hpp"
#include "emulator/sim/rng.hpp"

namespace zonesim::sim {

class Timing {
 public:
  // name: "instant", "realistic" or a path to a profile file. Throws std::runtime_error.
  static Timing load(const std::string& name_or_path);
  Timing() = default;

  const std::string& name() const { return name_; }
  // A duration for `key`, uniform in its range (throws std::logic_error for an unknown key: every
  // key a service uses must be in every profile).
  Millis draw(const std::string& key, Rng& rng) const;
  std::pair<Millis, Millis> range(const std::string& key) const;
  bool instant(const std::string& key) const { return range(key).second == 0; }

 private:
  std::string name_;
  std::map<std::string, std::pair<Millis, Millis>> ranges_;
};

}  // namespace zonesim::sim
