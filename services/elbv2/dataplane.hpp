#pragma once
// ELBv2's side of the HTTP data plane (emulator/app/dataplane.cpp serves the sockets): which load
// balancer and listener a request addresses, and CloudWatch-like metrics of every routed request.
// The drill runner records its synthetic requests through record_request too, so a drill and real
// traffic are counted by the same rules.
//
// DNS names: a load balancer keeps AWS's DNSName (<name>-<n>.<region>.elb.amazonaws.com, which
// Terraform and the AWS CLI see); the data plane also answers to its alias with the suffix
// "amazonaws.com" replaced by "localhost" (<name>-<n>.<region>.elb.localhost), a name that
// resolvers implementing RFC 6761's *.localhost (curl, browsers, systemd-resolved) send to
// 127.0.0.1.
//
// Metrics (runtime only, in Env::volatile_counters, cleared by reset, never persisted): per load
// balancer, target group ("" for responses no target group was involved in), the zone of the ALB
// node that took the request, and the sim-time minute:
//   RequestCount, HTTPCode_Target_{2,3,4,5}XX_Count, TargetResponseTime (average, seconds),
//   HTTPCode_ELB_{2,3,4,5}XX_Count (responses the load balancer generated: errors, fixed
//   responses, redirects), HTTPCode_ELB_{500,502,503,504}_Count, HTTP_Fixed_Response_Count,
//   HTTP_Redirect_Count; and, sampled at each request of the minute, HealthyHostCount (minimum)
//   and UnHealthyHostCount (maximum) per target group and target zone. Requests that never reach
//   a node (unreachable) are not counted, as CloudWatch does not see them.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/core/env.hpp"
#include "services/elbv2/routing.hpp"

namespace zonesim::elbv2 {

struct LoadBalancerRef {
  std::string scope, arn, name, dns_name;
};

// "<name>-<n>.<region>.elb.localhost" for "<name>-<n>.<region>.elb.amazonaws.com".
std::string local_dns_name(const std::string& dns_name);
// Whether a Host header may name a load balancer (cheap test before a lookup).
bool may_be_load_balancer_host(std::string_view host);
// The application load balancer whose DNS name or alias is `host` (case and ":port" ignored).
std::optional<LoadBalancerRef> find_by_host(const Env& env, std::string_view host);
// The application load balancer named `name`: in `preferred_scope` first, then in the other
// scopes in order.
std::optional<LoadBalancerRef> find_by_name(const Env& env, const std::string& name,
                                            const std::string& preferred_scope);

// The listener port a Host header arriving on zonesim's main port addresses: the header's
// ":port" when the load balancer has a listener there, else 80 (in http://<alias>:4566/ the port
// is zonesim's own, not a listener's).
int listener_port_for_host(const Env& env, const LoadBalancerRef& lb, std::string_view host);

struct ListenerRef {
  LoadBalancerRef load_balancer;
  std::string listener_arn, protocol;
  int port = 0;
};
// Every listener of every application load balancer, ordered by scope, load balancer, port.
std::vector<ListenerRef> listeners(const Env& env);

// Counts `count` identical routed requests in the metrics of its load balancer at the current sim
// time.
void record_request(Env& env, const std::string& scope, const std::string& load_balancer_arn,
                    const RouteResult& r, std::uint64_t count = 1);

// record_request in parts, for traffic that repeats the same outcomes (drills): what one request
// with this result adds to the sums, and the host counts of the target group it sampled, taken
// once and then added for any number of requests in a minute.
struct RequestMetrics {
  std::string series;  // "elbv2/m|<scope>|<lb arn>|<tg arn>|<node zone>|"; "" adds nothing
  std::vector<std::pair<std::string, std::uint64_t>> sums;  // metric, amount per request
};
RequestMetrics request_metrics(const std::string& scope, const std::string& load_balancer_arn,
                               const RouteResult& r);
// Adds `count` requests of `m` to the minute that holds sim time `at`.
void add_request_metrics(Env& env, const RequestMetrics& m, sim::Millis at, std::uint64_t count);
// HealthyHostCount and UnHealthyHostCount of a target group now, per target zone (none for a
// group that does not exist), as each request to the group samples them.
struct HostSample {
  std::string series;  // "elbv2/m|<scope>|<lb arn>|<tg arn>|<target zone>|"
  std::uint64_t healthy = 0, unhealthy = 0;
};
std::vector<HostSample> host_samples(const Env& env, const std::string& scope,
                                     const std::string& load_balancer_arn,
                                     const std::string& target_group_arn);
void add_host_samples(Env& env, const std::vector<HostSample>& samples, sim::Millis at);
// The metrics of one load balancer: {"load_balancer", "period_seconds", "totals",
// "target_groups": [current HealthyHostCount/UnHealthyHostCount by zone], "datapoints": [...]}.
json metrics_json(const Env& env, const LoadBalancerRef& lb);

}  // namespace zonesim::elbv2
