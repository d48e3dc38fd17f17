#pragma once
// The simulated side of ELBv2, shared by the operation files: the load balancer nodes (one per
// enabled zone) and what zone faults do to them, the health checks of registered targets, and the
// target transitions that the timeline and the target-health hook report.
//
// Store fields used here, besides those listed in common.hpp:
//   load balancer _nodes[]: ZoneName, State ("active" | "down"), DownAt (when it went down)
//   target group  _lb_zones: zones of the nodes of the load balancer that forwards to the group
//   target (see targets.cpp) _loop: id of its running health-check loop, _next_check: when the
//                  next check is due, _passes/_failures: consecutive results so far
#include <optional>
#include <string>
#include <vector>

#include "emulator/core/env.hpp"
#include "services/elbv2/target_health.hpp"

namespace zonesim::elbv2 {

// A string member of a document without copying it ("" when absent): for the per-request and
// per-check paths.
inline const std::string& str(const json& doc, const char* key) {
  static const std::string kEmpty;
  auto it = doc.find(key);
  return it != doc.end() && it->is_string() ? it->get_ref<const std::string&>() : kEmpty;
}

// ---- load balancer nodes ----

// How long clients keep resolving a node that went down: the DNS record's TTL.
inline constexpr std::int64_t kDnsTtlMs = 60'000;

inline constexpr const char* kNodeActive = "active";
inline constexpr const char* kNodeDown = "down";

// "active" when a node in the zone answers clients: its zone has power and is reachable from
// outside the region; "down" otherwise.
std::string node_state(const Env& env, const std::string& zone);
// Whether a load balancer answers (and its DNS name resolves) at `now`: active, or past the end
// of its provisioning.
bool load_balancer_active(const json& lb, sim::Millis now);
// A node as clients' DNS sees it: resolvable while active and for the TTL after it went down.
struct DnsNode {
  std::string zone;
  bool active = true;
  sim::Millis down_at = 0;
  bool resolvable(sim::Millis now) const { return active || now < down_at + kDnsTtlMs; }
};
// The load balancer's nodes in the order of its document.
std::vector<DnsNode> dns_nodes(const json& lb);
// Completes a node entry for a load balancer (ZoneName, State, DownAt) and records its
// appearance on the timeline.
void node_created(Env& env, const json& lb, json& node, const std::string& zone,
                  const std::string& why);
// Records the disappearance of a node (subnet removed, load balancer deleted).
void node_deleted(Env& env, const json& lb, const json& node, const std::string& why);
// The zone listener: nodes in `zone` follow its state.
void on_zone_changed(Env& env, const std::string& zone, const std::string& from,
                     const std::string& to);

// Whether any zone has a fault now (when none has, everything reaches everything: the per-check
// and per-request paths skip the zone lookups).
bool any_zone_fault(const Env& env);
// Added latency and loss rate of traffic crossing into a degraded zone (zeros otherwise).
struct Degradation {
  double latency_ms = 0;
  double loss_rate = 0;
};
Degradation degradation(const Env& env, const std::string& zone);
// Draws whether one crossing is lost (no draw when the rate is 0, so healthy zones consume no
// randomness).
bool lost(Env& env, double loss_rate);

// ---- target transitions ----

// A target-health hook call, fired once the documents are consistent again (listeners may
// deregister targets, which changes the group document).
struct HealthChange {
  std::string scope, target_group_arn, ip;
  int port = 0;
  std::string from, to, reason;
};
using HealthChanges = std::vector<HealthChange>;

health::Status status_of(const json& target);
// Sets the target's health. A change of state ("" for a target being added) is recorded on the
// timeline (service elbv2, resource <group name>/<ip>:<port>, the target's zone) and queued for
// the target_health hook.
void set_target_status(Env& env, const std::string& scope, const json& tg, json& target,
                       const health::Status& next, HealthChanges& changes,
                       const std::string& why = "");
// A target leaves the group (draining over, or deregistered while unused): state "".
void target_removed(Env& env, const std::string& scope, const json& tg, const json& target,
                    HealthChanges& changes, const std::string& why);
void notify(Env& env, const HealthChanges& changes);

// ---- health checks ----

// The target entered service (initial, Elb.RegistrationInProgress): registration completes after
// the profile's elbv2.target.registration time, then the first check runs after a jitter in
// [0, interval) and every HealthCheckIntervalSeconds after it, until the loop is stopped.
void start_health_checks(Env& env, const std::string& scope, const json& tg, json& target);
// The target left service (draining, unused, unavailable): its loop ends.
void stop_health_checks(json& target);
// Schedules the target's running loop again from its document (_next_check, _checking_at).
void resume_health_checks(Env& env, const std::string& scope, const std::string& tg_arn,
                          const json& target, std::size_t index);

// Scheduled events are not persisted: the first call in a process re-arms, from the documents,
// the health checks and the end of draining of every target (a server restarted on a state
// file). Every entry point that schedules calls it first, so nothing is armed twice; App::reset
// clears the flag together with the event queue.
void resume_simulation(Env& env);
// Whether the target's state is one whose health is being checked.
bool checked_state(const std::string& state);
// The zone a target is in for reachability: "" (outside the region) for targets in "all".
std::string target_zone(const json& target);
// The address the load balancer connects to: the IP target's id, an instance's private IP.
std::string target_ip(const Env& env, const std::string& scope, const json& tg, const json& target);
// "ip:port" (or the id alone for targets without a port).
std::string target_label(const json& target);

// Whether an HTTP status matches a Matcher.HttpCode ("200", "200,302", "200-399").
bool matcher_matches(const std::string& codes, int status);

}  // namespace zonesim::elbv2
