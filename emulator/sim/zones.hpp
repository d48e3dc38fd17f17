#pragma once
// Availability zones as failure units. A zone is "up" or has one fault:
//   power    - everything in it stops (tasks die, the ALB node and RDS hosts in it are lost);
//   network  - everything keeps running but nothing crosses the zone's boundary;
//   degraded - traffic crossing into the zone gets added latency and a loss rate.
// Zone state lives in the store (scope "_sim/<region>", kind "zone") so it is transactional,
// persisted and reset like everything else; changes are timeline events and notify listeners.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "emulator/core/env.hpp"

namespace zonesim::sim {

// Upper bound on a degraded zone's added latency: a minute.
constexpr double kMaxFaultLatencyMs = 60000;

struct ZoneFault {
  std::string kind = "power";         // power | network | degraded
  std::optional<Millis> duration_ms;  // none: until restored
  double latency_ms = 0;              // degraded only
  double loss_rate = 0;               // degraded only, 0..1
};

std::string zones_scope(const Env& env);
// How many zones have a fault now.
std::size_t faulted_zones(const Env& env);
// "up", "power", "network" or "degraded". Unknown zones are "up".
std::string zone_state(const Env& env, const std::string& zone);
bool zone_exists(const Env& env, const std::string& zone);
// False while the zone has a power fault: nothing in it runs.
bool zone_powered(const Env& env, const std::string& zone);
// Whether traffic from one zone reaches another (same zone: unless powered off). A network
// partition isolates the zone both ways; "" stands for outside the region (the internet).
bool zones_connected(const Env& env, const std::string& from, const std::string& to);
// JSON view of every configured zone: [{"zone","state","since_ms","until_ms",...}].
json zones_json(const Env& env);

// Start a fault now (replacing any other); schedules the restore when a duration is given.
// Throws AwsError for an unknown zone or kind.
void fail_zone(Env& env, const std::string& zone, const ZoneFault& fault);
void restore_zone(Env& env, const std::string& zone);

}  // namespace zonesim::sim
