#pragma once
// The life of one Fargate (awsvpc) task, as the ECS developer guide documents it:
//   PROVISIONING -> PENDING -> ACTIVATING -> RUNNING -> DEACTIVATING -> STOPPING
//   -> DEPROVISIONING -> STOPPED
// Every state change goes through advance_task(), which records the state's timestamps and its
// side effects (ENI attachment, target registration in the service's target groups and
// deregistration, the ENI's deletion). drive_task() moves a task towards its desired status: at
// once under the "instant" timing profile, otherwise one state per clock event.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/core/env.hpp"
#include "emulator/core/json.hpp"

namespace zonesim::ecs {

inline constexpr std::string_view kProvisioning = "PROVISIONING";
inline constexpr std::string_view kPending = "PENDING";
inline constexpr std::string_view kActivating = "ACTIVATING";
inline constexpr std::string_view kRunning = "RUNNING";
inline constexpr std::string_view kDeactivating = "DEACTIVATING";
inline constexpr std::string_view kStopping = "STOPPING";
inline constexpr std::string_view kDeprovisioning = "DEPROVISIONING";
inline constexpr std::string_view kStopped = "STOPPED";

// Position of a state in the lifecycle (PROVISIONING = 0 ... STOPPED = 7), -1 if unknown.
int task_state_rank(std::string_view status);

// Fargate platform version that "LATEST" resolves to for Linux tasks.
inline constexpr std::string_view kLatestFargatePlatform = "1.4.0";

struct TaskLaunch {
  std::string cluster;              // cluster name
  std::string task_definition_key;  // family:revision
  std::string launch_type;          // FARGATE
  std::string capacity_provider;    // FARGATE / FARGATE_SPOT when launched by a strategy
  std::string platform_version;     // as requested (LATEST, 1.4.0, ...)
  std::string subnet_id;
  std::vector<std::string> security_groups;
  std::string group;       // family:<family> or service:<name>
  std::string started_by;  // ecs-svc/<id> for service tasks
  json tags = json::array();
  json overrides = json::object();
  bool enable_execute_command = false;
  std::string service_arn;              // set for tasks a service started
  json load_balancers = json::array();  // the service's [{targetGroupArn, containerPort, ...}]
};

// Creates the task in PROVISIONING, with its ENI (requester amazon-ecs) in the subnet. Throws the
// EC2 error when the subnet has no free address. Returns the task ARN.
std::string create_task(Env& env, const std::string& scope, const TaskLaunch& launch);

// The one transition function: moves the task to `to_status`, which must lie later in the
// lifecycle. Entering the stopping half with a stop code records the stop request (desiredStatus
// STOPPED, stoppingAt, stopCode, stoppedReason) if none was recorded yet.
void advance_task(Env& env, const std::string& scope, const std::string& task_arn,
                  std::string_view to_status, std::string_view stop_code = {},
                  std::string_view reason = {});

// The state that follows the task's current one given its desired status; nullopt when the task
// has reached it (RUNNING, or STOPPED).
std::optional<std::string> next_task_status(const json& task);

// Records a stop request (no-op for a task already asked to stop) and drives the task.
void stop_task(Env& env, const std::string& scope, const std::string& task_arn,
               std::string_view stop_code, std::string_view reason);

// Moves the task towards its desired status: under "instant" timing through every state now;
// otherwise one state per clock event, calling the service scheduler after each step.
void drive_task(Env& env, const std::string& scope, const std::string& task_arn);

// How long a task stays in a state under non-instant timing.
sim::Millis task_state_duration(std::string_view status);

}  // namespace zonesim::ecs
