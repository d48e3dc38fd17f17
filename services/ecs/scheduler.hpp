#pragma once
// The ECS service scheduler (REPLICA strategy): keeps a service's desiredCount tasks running,
// places new tasks spread across the Availability Zones of the service's subnets, rolls
// deployments within maximumPercent / minimumHealthyPercent, drains a deleted service, and writes
// the service events ECS writes. Called after every change to a service and, under non-instant
// timing, after every task state change.
#include <string>
#include <vector>

#include "emulator/core/env.hpp"
#include "emulator/core/json.hpp"

namespace zonesim::ecs {

struct TargetRegistrationError {
  std::string target_group_arn;
  std::string code;
  std::string message;
};

struct ReconcileResult {
  std::vector<std::string> started;  // task ARNs launched by this pass
  std::vector<std::string> stopped;  // task ARNs this pass asked to stop
  std::vector<TargetRegistrationError> target_errors;
};

ReconcileResult reconcile_service(Env& env, const std::string& scope,
                                  const std::string& service_arn);

// Appends an event (newest first) to a service document, keeping the newest 100.
void add_service_event(Env& env, json& service, const std::string& message);

}  // namespace zonesim::ecs
