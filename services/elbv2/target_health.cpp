#include "services/elbv2/target_health.hpp"

#include <map>

namespace zonesim::elbv2::health {

namespace {

// AWS's wording for each reason code, as DescribeTargetHealth returns it.
std::string describe(const std::string& reason, const std::string& detail) {
  static const std::map<std::string, std::string> kDescriptions = {
      {kRegistrationInProgress, "Target registration is in progress"},
      {kInitialHealthChecking, "Initial health checks in progress"},
      {kTimeout, "Request timed out"},
      {kFailedHealthChecks, "Health checks failed"},
      {kNotRegistered, "Target is not registered to the target group"},
      {kNotInUse, "Target group is not configured to receive traffic from the load balancer"},
      {kDeregistrationInProgress, "Target deregistration is in progress"},
      {kIpUnusable, "The target IP address is reserved for use by a load balancer"},
      {kHealthCheckDisabled, "Health checks are disabled"},
      {kInternalError, "Health checks failed due to an internal error"},
  };
  if (reason == kResponseCodeMismatch)
    return "Health checks failed with these codes: [" + detail + "]";
  if (reason == kInvalidState)
    return "Target is in the " + (detail.empty() ? std::string("stopped") : detail) + " state";
  auto it = kDescriptions.find(reason);
  return it == kDescriptions.end() ? "" : it->second;
}

Status entering_service(bool health_checks_enabled) {
  if (!health_checks_enabled) return make(kUnavailable, kHealthCheckDisabled);
  return make(kInitial, kRegistrationInProgress);
}

Status out_of_service(Service service) {
  Status s = make(kUnused, kNotInUse);
  if (service == Service::zone_not_enabled)
    s.description = "Target is in an Availability Zone that is not enabled for the load balancer";
  return s;
}

}  // namespace

Status make(const std::string& state, const std::string& reason, const std::string& detail) {
  return Status{state, reason, reason.empty() ? "" : describe(reason, detail)};
}

Status healthy() {
  return Status{kHealthy, "", ""};
}

Status not_registered() {
  return make(kUnused, kNotRegistered);
}

Status on_registered(Service service, bool health_checks_enabled) {
  if (service != Service::in_service) return out_of_service(service);
  return entering_service(health_checks_enabled);
}

Status on_service_changed(const Status& current, Service service, bool health_checks_enabled) {
  if (current.state == kDraining) return current;
  if (service != Service::in_service) return out_of_service(service);
  if (current.state == kUnused) return entering_service(health_checks_enabled);
  // Health checks switched on or off (lambda target groups) restart the target's evaluation.
  if (!health_checks_enabled && current.state != kUnavailable) return entering_service(false);
  if (health_checks_enabled && current.state == kUnavailable) return entering_service(true);
  return current;
}

Status on_registration_complete(const Status& current) {
  if (current.state == kInitial && current.reason == kRegistrationInProgress)
    return make(kInitial, kInitialHealthChecking);
  return current;
}

Status on_check_result(const Status& current, CheckCounters& counters, CheckResult result,
                       int healthy_threshold, int unhealthy_threshold, const std::string& detail) {
  if (current.state != kInitial && current.state != kHealthy && current.state != kUnhealthy)
    return current;
  if (result == CheckResult::pass) {
    counters.failures = 0;
    ++counters.passes;
    if (current.state == kHealthy) return current;
    if (counters.passes >= healthy_threshold) {
      counters.passes = 0;
      return healthy();
    }
    if (current.state == kInitial) return make(kInitial, kInitialHealthChecking);
    return current;
  }
  counters.passes = 0;
  ++counters.failures;
  const char* reason = result == CheckResult::response_code_mismatch ? kResponseCodeMismatch
                       : result == CheckResult::timeout              ? kTimeout
                                                                     : kFailedHealthChecks;
  if (current.state == kUnhealthy) return make(kUnhealthy, reason, detail);
  if (counters.failures >= unhealthy_threshold) {
    counters.failures = 0;
    return make(kUnhealthy, reason, detail);
  }
  if (current.state == kInitial) return make(kInitial, kInitialHealthChecking);
  return current;
}

bool drains_on_deregistration(const Status& current) {
  return current.state != kUnused && current.state != kDraining;
}

Status on_deregistered() {
  return make(kDraining, kDeregistrationInProgress);
}

bool routable(const Status& s) {
  return s.state == kHealthy;
}

}  // namespace zonesim::elbv2::health
