#pragma once
// The ECS service scheduler (REPLICA strategy): keeps a service's desiredCount tasks running,
// places new tasks spread across the Availability Zones of the service's subnets (never in a zone
// that is powered off or partitioned; when none is left it reports that it cannot place a task and
// tries again after a backoff), replaces tasks that stop and tasks its target groups report
// unhealthy once healthCheckGracePeriodSeconds has passed, rolls deployments within
// maximumPercent / minimumHealthyPercent, trips the deployment circuit breaker (and rolls back),
// rebalances Availability Zones, drains a deleted service, and writes the service events ECS
// writes. Called after every change to a service and after every task state change.
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

// Writes the service events for the target (de)registrations its tasks made since the last pass.
void flush_service_events(Env& env, const std::string& scope, const std::string& service_arn);

// Appends an event (newest first) to a service document, keeping the newest 100.
void add_service_event(Env& env, json& service, const std::string& message);

// Placement retries after "unable to place a task": 15 s, doubling, at most 5 minutes apart.
inline constexpr sim::Millis kPlacementRetryBaseMs = 15'000;
inline constexpr sim::Millis kPlacementRetryMaxMs = 300'000;

// The circuit breaker's failed-task threshold for a desired count: 0.5 x desired, rounded up,
// within [3, 200] (ECS developer guide, "deployment circuit breaker").
int circuit_breaker_threshold(int desired_count);

// A service task reached RUNNING: its target health counts once the grace period has passed.
void on_service_task_running(Env& env, const std::string& scope, const std::string& task_arn);
// A target group reported a target's health (the env.hooks.target_health listener).
void on_target_health(Env& env, const std::string& scope, const std::string& target_group_arn,
                      const std::string& ip, int port, const std::string& to,
                      const std::string& reason);
// A task of the service failed (its essential container exited, or it failed its ELB health
// checks): counted against its deployment for the circuit breaker.
void note_task_failure(Env& env, const std::string& scope, const std::string& service_arn,
                       const std::string& task_arn);

}  // namespace zonesim::ecs
