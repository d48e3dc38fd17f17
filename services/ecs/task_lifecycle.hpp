#pragma once
// The life of one Fargate (awsvpc) task, as the ECS developer guide documents it:
//   PROVISIONING -> PENDING -> ACTIVATING -> RUNNING -> DEACTIVATING -> STOPPING
//   -> DEPROVISIONING -> STOPPED
// Every state change goes through advance_task(), which records the state's timestamps, its side
// effects (ENI attachment, target registration in the service's target groups and deregistration,
// the ENI's deletion), a timeline event and the container's log lines. drive_task() moves a task
// towards its desired status on the clock: each state lasts a duration drawn from the timing
// profile (ecs.task.<state>; 0 = at once), DEACTIVATING also lasts until the target groups have
// drained the task's targets (their deregistration delay), and a step that needs the task's host
// waits while the host's zone is cut off from the control plane (network partition).
//
// The simulated application lives with the task (see app.hpp): its state (healthy, unhealthy, hung,
// crash), the ports its containers listen on and the RDS endpoint it depends on.
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

// Stop codes (TaskStopCode) and the reasons ECS writes with them.
inline constexpr std::string_view kUserInitiated = "UserInitiated";
inline constexpr std::string_view kServiceSchedulerInitiated = "ServiceSchedulerInitiated";
inline constexpr std::string_view kEssentialContainerExited = "EssentialContainerExited";
// A task whose host died with its zone's power: the code ECS uses when the infrastructure under a
// task goes away (Fargate task retirement); see docs/ECS_SIMULATION.md.
inline constexpr std::string_view kTerminationNotice = "TerminationNotice";
inline constexpr std::string_view kEssentialContainerExitedReason =
    "Essential container in task exited";

// The simulated application's states ("app-state" fault). Absent on a task = healthy.
inline constexpr std::string_view kAppHealthy = "healthy";
inline constexpr std::string_view kAppUnhealthy = "unhealthy";
inline constexpr std::string_view kAppHung = "hung";
inline constexpr std::string_view kAppCrash = "crash";
// The exit code of a crashed app's container (killed: 128 + SIGKILL).
inline constexpr int kCrashExitCode = 137;

// Index of task IPs: kind "ecs-task-ip", id = private IPv4 address, {"tasks": [task ARN...]} (a
// list: two VPCs of one account may use the same CIDR). Kept from the task's creation until its
// ENI is released at STOPPED, so app_answer finds a task by address with one lookup.
inline constexpr std::string_view kTaskIpKind = "ecs-task-ip";

// ECS polls the target groups for the end of a task's deregistration; delays are whole seconds
// counted from the deregistration, so polling on that grid finds the end exactly.
inline constexpr sim::Millis kDrainPollMs = 1'000;

// DescribeTasks shows a stopped task for at least an hour; then it is gone (and no longer costs
// the scheduler's scans anything).
inline constexpr sim::Millis kStoppedTaskRetentionMs = 3'600'000;

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

// Creates the task in PROVISIONING, with its ENI (requester amazon-ecs) in the subnet, its app
// (ports, RDS dependency from the container environment, awslogs streams) and its IP in the index.
// Throws the EC2 error when the subnet has no free address. Returns the task ARN.
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

// Moves the task towards its desired status: every step that is due now happens now; the next one
// is scheduled on the clock (its handler drives the task again and calls the service scheduler).
void drive_task(Env& env, const std::string& scope, const std::string& task_arn);

// The timing-profile key of a state's duration ("ecs.task.pending"), "" for RUNNING / STOPPED.
std::string task_state_timing_key(std::string_view status);

// --- the simulated app and the zone's faults -----------------------------------------------------

bool valid_app_state(std::string_view state);
std::string app_state(const json& task);
// Sets the app's state (recorded on the timeline and in the container's log). "crash": the
// app's essential container exits (code 137) after ecs.failure.crash_exit and the task stops with
// EssentialContainerExited; a task not running yet crashes once it starts.
void set_app_state(Env& env, const std::string& scope, const std::string& task_arn,
                   std::string_view state);

// The task's host went down with its zone's power: from now on nothing answers at its address and
// it makes no progress. ECS learns of it after ecs.failure.task_loss_detection and then marks the
// task STOPPED (TerminationNotice) and its service replaces it.
void lose_task(Env& env, const std::string& scope, const std::string& task_arn);
bool task_lost(const json& task);

// Every task (any state but STOPPED) whose ENI holds `ip`, in creation order.
std::vector<std::string> tasks_at_ip(const Env& env, const std::string& scope,
                                     const std::string& ip);
// The same as the index holds it (a JSON array of ARNs, nullptr for none), without copies: for
// the lookups of every probe. Valid until the store changes.
const json* task_arns_at_ip(const Env& env, const std::string& scope, const std::string& ip);

}  // namespace zonesim::ecs
