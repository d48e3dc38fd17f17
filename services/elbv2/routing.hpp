#pragma once
// The one routing decision of an ALB, called by the drill traffic model and the HTTP data plane
// alike: a request arrives at a listener; rules and the default action decide; a forward picks a
// target (round robin over healthy targets, fail-open when none is healthy) and the target's app
// answers (ecs::app_answer) — or the ALB answers an error itself.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "emulator/core/env.hpp"

namespace zonesim::elbv2 {

struct RouteRequest {
  std::string load_balancer_arn;
  int port = 80;     // listener port
  std::string host;  // Host header
  std::string path = "/";
  std::string method = "GET";
  std::string query;      // raw query string
  std::string node_zone;  // the ALB node the client reached; "" = pick one as DNS would
  std::vector<std::pair<std::string, std::string>> headers;  // other headers (http-header rules)
  std::string source_ip;  // the client's address (source-ip rules); "" matches no source-ip rule
};

struct RouteResult {
  enum class Kind {
    target,          // forwarded; `status` is what the target answered
    fixed_response,  // fixed-response action
    redirect,        // redirect action (`location`)
    elb_error,       // the ALB answered 502/503/504 itself (`reason` says why)
    unreachable,     // no ALB node answered (the client sees a connection failure)
  };
  Kind kind = Kind::unreachable;
  int status = 0;
  std::string reason;
  std::string node_zone;
  std::string target_group_arn, target_ip, target_zone, task_arn;
  int target_port = 0;
  std::string content_type, body, location;
  double latency_ms = 0;  // time to answer (timeouts count in full)
  std::string rule_arn;   // the rule whose actions ran (the listener's default rule included)
};

RouteResult route(Env& env, const std::string& scope, const RouteRequest& req);

// `count` identical requests at the current sim time, as `count` calls of route() would send
// them (a DNS draw per request, round robin continuing where it stands, a loss draw per crossing
// of a degraded zone), with each distinct outcome computed once: emit(result, how many).
using RouteSink = std::function<void(const RouteResult&, std::uint64_t)>;
void route_many(Env& env, const std::string& scope, const RouteRequest& req, std::uint64_t count,
                const RouteSink& emit);

// The same request sent again and again (drill traffic), routed as route_many would route it and
// each outcome counted in the load balancer's metrics as record_request would count it. What the
// documents decide (the node's state, the rules, the target group's pool, each target's answer) is
// planned once and kept while the store's shared generation stands still (Store::Readers); the
// per-request draws, the round robin and the DNS TTL stay per call, so results and draws are
// route_many's, one for one. The metrics are added per outcome and minute: call flush() before
// anyone reads them.
class RouteCache {
 public:
  RouteCache(std::string scope, RouteRequest req);
  ~RouteCache();
  RouteCache(const RouteCache&) = delete;
  RouteCache& operator=(const RouteCache&) = delete;

  void route_many(Env& env, std::uint64_t count, const RouteSink& emit);
  // Adds the requests routed so far to the metrics.
  void flush(Env& env);

 private:
  struct State;
  std::unique_ptr<State> s_;
};

// Zones of the ALB nodes a client resolving the LB's DNS name gets now: nodes in powered,
// reachable zones, but a failed node stays in DNS until the TTL (60 s) after its failure.
std::vector<std::string> resolvable_nodes(const Env& env, const std::string& scope,
                                          const std::string& load_balancer_arn);

}  // namespace zonesim::elbv2
