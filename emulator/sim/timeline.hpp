#pragma once
// Timeline events: every state change of the simulated region, in order, with its reason.
#include <string>

#include "emulator/core/env.hpp"

namespace zonesim::sim {

struct Change {
  std::string zone;      // "" when not zonal
  std::string service;   // ec2, elbv2, ecs, rds, zone, drill...
  std::string resource;  // id or ARN
  std::string from, to;
  std::string reason;
};

// Appends the change at the current sim time (committed with the current transaction).
void record(Env& env, const Change& change);

}  // namespace zonesim::sim
