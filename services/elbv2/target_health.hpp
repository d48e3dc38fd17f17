#pragma once
// The health state machine of one registered target, as pure functions over AWS's states,
// reason codes and descriptions (TargetHealth in the ELBv2 API). Callers decide when something
// happens (registration, a listener starting to forward to the group, a health check result,
// deregistration); these functions only say what it does to the target's health.
#include <string>

namespace zonesim::elbv2::health {

// TargetHealthStateEnum.
inline constexpr const char* kInitial = "initial";
inline constexpr const char* kHealthy = "healthy";
inline constexpr const char* kUnhealthy = "unhealthy";
inline constexpr const char* kUnused = "unused";
inline constexpr const char* kDraining = "draining";
inline constexpr const char* kUnavailable = "unavailable";

// TargetHealthReasonEnum.
inline constexpr const char* kRegistrationInProgress = "Elb.RegistrationInProgress";
inline constexpr const char* kInitialHealthChecking = "Elb.InitialHealthChecking";
inline constexpr const char* kResponseCodeMismatch = "Target.ResponseCodeMismatch";
inline constexpr const char* kTimeout = "Target.Timeout";
inline constexpr const char* kFailedHealthChecks = "Target.FailedHealthChecks";
inline constexpr const char* kNotRegistered = "Target.NotRegistered";
inline constexpr const char* kNotInUse = "Target.NotInUse";
inline constexpr const char* kDeregistrationInProgress = "Target.DeregistrationInProgress";
inline constexpr const char* kInvalidState = "Target.InvalidState";
inline constexpr const char* kIpUnusable = "Target.IpUnusable";
inline constexpr const char* kHealthCheckDisabled = "Target.HealthCheckDisabled";
inline constexpr const char* kInternalError = "Elb.InternalError";

struct Status {
  std::string state;        // TargetHealthStateEnum
  std::string reason;       // empty when healthy
  std::string description;  // empty when healthy
  bool operator==(const Status&) const = default;
};

// Builds a status with AWS's description for the reason. `detail` fills the descriptions that
// carry one: the response codes of Target.ResponseCodeMismatch, the instance state of
// Target.InvalidState.
Status make(const std::string& state, const std::string& reason, const std::string& detail = "");

Status healthy();
// What DescribeTargetHealth reports for a target that is not registered in the group.
Status not_registered();

// Whether the load balancers of the target's group send it traffic.
enum class Service {
  not_in_use,        // no listener or rule forwards to the group
  zone_not_enabled,  // forwarded to, but the target's zone is not enabled on the load balancer
  in_service,
};

// A target just registered.
Status on_registered(Service service, bool health_checks_enabled);
// The group's use by load balancers changed (listener or rule created, modified or deleted, zones
// enabled or disabled). Draining targets keep draining; targets entering service start over.
Status on_service_changed(const Status& current, Service service, bool health_checks_enabled);
// The load balancer finished registering the target: its initial health checks begin.
Status on_registration_complete(const Status& current);

// Consecutive health check results since the last state change.
struct CheckCounters {
  int passes = 0;
  int failures = 0;
};
enum class CheckResult { pass, response_code_mismatch, timeout, failed };
// One health check result. `detail` is the response code for response_code_mismatch.
Status on_check_result(const Status& current, CheckCounters& counters, CheckResult result,
                       int healthy_threshold, int unhealthy_threshold,
                       const std::string& detail = "");

// DeregisterTargets: a target that the load balancer uses drains; one it never used goes at once.
bool drains_on_deregistration(const Status& current);
Status on_deregistered();

// Whether the load balancer routes new requests to a target in this state (healthy ones; the
// fail-open rule for all-unhealthy groups is the router's business).
bool routable(const Status& s);

}  // namespace zonesim::elbv2::health
