#include "emulator/sim/timing.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string_view>

#include "emulator/core/json.hpp"

namespace zonesim::sim {

std::string_view embedded_timing(std::string_view name);  // generated (fixtures/timing/*.json)

Timing Timing::load(const std::string& name_or_path) {
  std::string text(embedded_timing(name_or_path));
  if (text.empty()) {
    std::ifstream in(name_or_path);
    if (!in)
      throw std::runtime_error("timing profile '" + name_or_path + "': no such profile or file");
    std::stringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("durations_ms") ||
      !j["durations_ms"].is_object())
    throw std::runtime_error("timing profile '" + name_or_path +
                             "': expected {\"durations_ms\": {...}}");
  Timing t;
  t.name_ = name_or_path;
  for (auto& [k, v] : j["durations_ms"].items()) {
    if (!v.is_array() || v.size() != 2 || !v[0].is_number_integer() || !v[1].is_number_integer() ||
        v[0].get<Millis>() < 0 || v[1].get<Millis>() < v[0].get<Millis>())
      throw std::runtime_error("timing profile '" + name_or_path + "': " + k +
                               " must be [min_ms, max_ms] with 0 <= min <= max");
    t.ranges_[k] = {v[0].get<Millis>(), v[1].get<Millis>()};
  }
  return t;
}

std::pair<Millis, Millis> Timing::range(const std::string& key) const {
  auto it = ranges_.find(key);
  if (it == ranges_.end())
    throw std::logic_error("timing profile '" + name_ + "' has no duration '" + key + "'");
  return it->second;
}

Millis Timing::draw(const std::string& key, Rng& rng) const {
  auto [lo, hi] = range(key);
  return lo == hi ? lo : rng.between(lo, hi);
}

}  // namespace zonesim::sim
