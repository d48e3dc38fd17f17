// Load balancer lookup by DNS name or name, listeners, and the request metrics (dataplane.hpp).
#include "services/elbv2/dataplane.hpp"

#include <algorithm>
#include <charconv>
#include <map>
#include <set>
#include <tuple>

#include "emulator/protocol/codec.hpp"
#include "services/elbv2/common.hpp"
#include "services/elbv2/simulation.hpp"

namespace zonesim::elbv2 {

namespace {

constexpr std::string_view kAwsSuffix = ".elb.amazonaws.com";
constexpr std::string_view kLocalSuffix = ".elb.localhost";
constexpr sim::Millis kPeriodMs = 60'000;
constexpr const char* kMetricPrefix = "elbv2/m|";

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view without_port(std::string_view host) {
  auto colon = host.rfind(':');
  if (colon != std::string_view::npos && host.find(']') == std::string_view::npos)
    host = host.substr(0, colon);
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);  // fully qualified form
  return host;
}

bool is_application(const json& lb) {
  return lb.value("Type", "application") == "application";
}

LoadBalancerRef ref_of(const std::string& scope, const std::string& arn, const json& lb) {
  return {scope, arn, str(lb, "LoadBalancerName"), str(lb, "DNSName")};
}

std::vector<std::string> sorted_scopes(const Env& env) {
  auto scopes = env.store.scopes(kLoadBalancerKind);
  std::sort(scopes.begin(), scopes.end());
  return scopes;
}

// The metric key prefix of a load balancer's series: "elbv2/m|<scope>|<lb arn>|".
std::string series_prefix(const std::string& scope, const std::string& lb_arn) {
  return kMetricPrefix + scope + "|" + lb_arn + "|";
}

void bump(Env& env, const std::string& key, std::uint64_t by = 1) {
  env.volatile_counters[key] += by;
}

// Gauges sampled per request: the minimum (stored +1 so that 0 means "no sample") or maximum.
void sample_min(Env& env, const std::string& key, std::uint64_t v) {
  auto [it, fresh] = env.volatile_counters.try_emplace(key, v + 1);
  if (!fresh) it->second = std::min(it->second, v + 1);
}
void sample_max(Env& env, const std::string& key, std::uint64_t v) {
  auto [it, fresh] = env.volatile_counters.try_emplace(key, v);
  if (!fresh) it->second = std::max(it->second, v);
}

struct HostCounts {
  std::uint64_t healthy = 0, unhealthy = 0;
};
// Healthy and unhealthy targets of a group by target zone ("" for targets outside the region).
std::map<std::string, HostCounts> host_counts(const json& tg) {
  std::map<std::string, HostCounts> out;
  auto targets = tg.find("_targets");
  if (targets == tg.end() || !targets->is_array()) return out;
  for (auto& t : *targets) {
    const std::string& state = str(t, "_state");
    HostCounts& c = out[target_zone(t)];
    if (state == health::kHealthy) ++c.healthy;
    if (state == health::kUnhealthy) ++c.unhealthy;
  }
  return out;
}

std::string status_class(int status) {
  return std::to_string(status / 100) + "XX";
}

}  // namespace

std::string local_dns_name(const std::string& dns_name) {
  std::string_view d = dns_name;
  if (d.size() > kAwsSuffix.size() && d.substr(d.size() - kAwsSuffix.size()) == kAwsSuffix)
    return std::string(d.substr(0, d.size() - kAwsSuffix.size())) + std::string(kLocalSuffix);
  return dns_name + ".localhost";
}

bool may_be_load_balancer_host(std::string_view host) {
  return host.find(".elb.") != std::string_view::npos ||
         host.find(".localhost") != std::string_view::npos;
}

std::optional<LoadBalancerRef> find_by_host(const Env& env, std::string_view host) {
  host = without_port(host);
  if (host.empty()) return std::nullopt;
  for (auto& scope : sorted_scopes(env))
    for (auto& [arn, lb] : env.store.list(scope, kLoadBalancerKind)) {
      if (!is_application(*lb)) continue;
      const std::string& dns = str(*lb, "DNSName");
      if (iequals(host, dns) || iequals(host, local_dns_name(dns))) return ref_of(scope, arn, *lb);
    }
  return std::nullopt;
}

std::optional<LoadBalancerRef> find_by_name(const Env& env, const std::string& name,
                                            const std::string& preferred_scope) {
  auto scopes = sorted_scopes(env);
  std::stable_partition(scopes.begin(), scopes.end(),
                        [&](const std::string& s) { return s == preferred_scope; });
  for (auto& scope : scopes)
    for (auto& [arn, lb] : env.store.list(scope, kLoadBalancerKind))
      if (is_application(*lb) && str(*lb, "LoadBalancerName") == name)
        return ref_of(scope, arn, *lb);
  return std::nullopt;
}

int listener_port_for_host(const Env& env, const LoadBalancerRef& lb, std::string_view host) {
  auto colon = host.rfind(':');
  if (colon == std::string_view::npos || host.find(']') != std::string_view::npos) return 80;
  int port = 0;
  auto res = std::from_chars(host.data() + colon + 1, host.data() + host.size(), port);
  if (res.ec != std::errc() || res.ptr != host.data() + host.size()) return 80;
  for (auto& [arn, l] : env.store.list(lb.scope, kListenerKind))
    if (str(*l, "LoadBalancerArn") == lb.arn && l->value("Port", std::int64_t{0}) == port)
      return port;
  return 80;
}

std::vector<ListenerRef> listeners(const Env& env) {
  std::vector<ListenerRef> out;
  auto scopes = env.store.scopes(kListenerKind);
  std::sort(scopes.begin(), scopes.end());
  for (auto& scope : scopes)
    for (auto& [arn, l] : env.store.list(scope, kListenerKind)) {
      const json* lb = find_load_balancer(env, scope, str(*l, "LoadBalancerArn"));
      if (!lb || !is_application(*lb)) continue;
      out.push_back({ref_of(scope, str(*l, "LoadBalancerArn"), *lb), arn, str(*l, "Protocol"),
                     static_cast<int>(l->value("Port", std::int64_t{0}))});
    }
  std::sort(out.begin(), out.end(), [](const ListenerRef& a, const ListenerRef& b) {
    return std::tie(a.load_balancer.scope, a.load_balancer.name, a.port) <
           std::tie(b.load_balancer.scope, b.load_balancer.name, b.port);
  });
  return out;
}

RequestMetrics request_metrics(const std::string& scope, const std::string& load_balancer_arn,
                               const RouteResult& r) {
  using Kind = RouteResult::Kind;
  RequestMetrics m;
  if (r.kind == Kind::unreachable) return m;
  m.series = series_prefix(scope, load_balancer_arn) + r.target_group_arn + "|" + r.node_zone + "|";
  m.sums.emplace_back("RequestCount", 1);
  if (r.kind == Kind::target) {
    m.sums.emplace_back("HTTPCode_Target_" + status_class(r.status) + "_Count", 1);
    m.sums.emplace_back("TargetResponseTime.n", 1);
    m.sums.emplace_back("TargetResponseTime.us", static_cast<std::uint64_t>(r.latency_ms * 1000));
  } else {
    m.sums.emplace_back("HTTPCode_ELB_" + status_class(r.status) + "_Count", 1);
    if (r.kind == Kind::elb_error)
      m.sums.emplace_back("HTTPCode_ELB_" + std::to_string(r.status) + "_Count", 1);
    if (r.kind == Kind::fixed_response) m.sums.emplace_back("HTTP_Fixed_Response_Count", 1);
    if (r.kind == Kind::redirect) m.sums.emplace_back("HTTP_Redirect_Count", 1);
  }
  return m;
}

namespace {
std::string minute_of(sim::Millis at) {
  return std::to_string(at / kPeriodMs * kPeriodMs) + "|";
}
}  // namespace

void add_request_metrics(Env& env, const RequestMetrics& m, sim::Millis at, std::uint64_t count) {
  if (m.series.empty()) return;
  const std::string key = m.series + minute_of(at);
  for (auto& [metric, per_request] : m.sums) bump(env, key + metric, per_request * count);
}

std::vector<HostSample> host_samples(const Env& env, const std::string& scope,
                                     const std::string& load_balancer_arn,
                                     const std::string& target_group_arn) {
  std::vector<HostSample> out;
  const json* tg = find_target_group(env, scope, target_group_arn);
  if (!tg) return out;
  const std::string group = series_prefix(scope, load_balancer_arn) + target_group_arn + "|";
  for (auto& [zone, c] : host_counts(*tg))
    out.push_back({group + zone + "|", c.healthy, c.unhealthy});
  return out;
}

void add_host_samples(Env& env, const std::vector<HostSample>& samples, sim::Millis at) {
  const std::string minute = minute_of(at);
  for (auto& h : samples) {
    sample_min(env, h.series + minute + "HealthyHostCount.min", h.healthy);
    sample_max(env, h.series + minute + "UnHealthyHostCount.max", h.unhealthy);
  }
}

void record_request(Env& env, const std::string& scope, const std::string& load_balancer_arn,
                    const RouteResult& r, std::uint64_t count) {
  sim::Millis now = env.clock.now();
  add_request_metrics(env, request_metrics(scope, load_balancer_arn, r), now, count);
  if (r.kind != RouteResult::Kind::unreachable && !r.target_group_arn.empty())
    add_host_samples(env, host_samples(env, scope, load_balancer_arn, r.target_group_arn), now);
}

json metrics_json(const Env& env, const LoadBalancerRef& lb) {
  const std::string prefix = series_prefix(lb.scope, lb.arn);
  // (minute, target group, zone) -> metric -> value
  std::map<std::tuple<sim::Millis, std::string, std::string>, std::map<std::string, std::uint64_t>>
      points;
  std::map<std::string, std::uint64_t> totals;
  for (auto& [key, value] : env.volatile_counters) {
    if (key.compare(0, prefix.size(), prefix) != 0) continue;
    // <tg>|<zone>|<minute>|<metric>
    std::string_view rest = std::string_view(key).substr(prefix.size());
    auto p1 = rest.find('|'), p2 = rest.find('|', p1 + 1), p3 = rest.find('|', p2 + 1);
    if (p3 == std::string_view::npos) continue;
    sim::Millis minute = 0;
    std::from_chars(rest.data() + p2 + 1, rest.data() + p3, minute);
    std::string metric(rest.substr(p3 + 1));
    points[{minute, std::string(rest.substr(0, p1)), std::string(rest.substr(p1 + 1, p2 - p1 - 1))}]
          [metric] = value;
    if (metric.find('.') == std::string::npos || metric.rfind("TargetResponseTime.", 0) == 0)
      totals[metric] += value;
  }
  auto group_name = [&](const std::string& arn) -> json {
    if (arn.empty()) return nullptr;
    const json* tg = find_target_group(env, lb.scope, arn);
    return tg ? json(str(*tg, "TargetGroupName")) : json(last_segment(arn));
  };
  // Sums, the average response time in seconds, the sampled gauges under their CloudWatch names.
  auto finish = [](const std::map<std::string, std::uint64_t>& m, json& out) {
    for (auto& [metric, v] : m) {
      if (metric == "HealthyHostCount.min") {
        out["HealthyHostCount"] = v - 1;
      } else if (metric == "UnHealthyHostCount.max") {
        out["UnHealthyHostCount"] = v;
      } else if (metric.find('.') == std::string::npos) {
        out[metric] = v;
      }
    }
    auto n = m.find("TargetResponseTime.n");
    auto us = m.find("TargetResponseTime.us");
    if (n != m.end() && n->second > 0 && us != m.end())
      out["TargetResponseTime"] =
          static_cast<double>(us->second) / 1e6 / static_cast<double>(n->second);
  };
  json datapoints = json::array();
  for (auto& [k, m] : points) {
    auto& [minute, tg, zone] = k;
    json d = {{"timestamp", protocol::iso8601(minute)},
              {"timestamp_ms", minute},
              {"target_group", group_name(tg)},
              {"availability_zone", zone}};
    finish(m, d);
    datapoints.push_back(std::move(d));
  }
  json total = json::object();
  finish(totals, total);

  // Current host counts of every target group the load balancer forwards to.
  std::set<std::string> groups;
  for (auto& [arn, l] : env.store.list(lb.scope, kListenerKind)) {
    if (str(*l, "LoadBalancerArn") != lb.arn) continue;
    for (auto& g : forwarded_groups((*l)["DefaultActions"])) groups.insert(g);
    for (auto& [rarn, rule] : env.store.list(lb.scope, kRuleKind))
      if (str(*rule, "_listener") == arn)
        for (auto& g : forwarded_groups((*rule)["Actions"])) groups.insert(g);
  }
  json target_groups = json::array();
  for (auto& arn : groups) {
    const json* tg = find_target_group(env, lb.scope, arn);
    if (!tg) continue;
    json healthy = json::object(), unhealthy = json::object();
    for (auto& [zone, c] : host_counts(*tg)) {
      healthy[zone] = c.healthy;
      unhealthy[zone] = c.unhealthy;
    }
    target_groups.push_back({{"target_group", str(*tg, "TargetGroupName")},
                             {"target_group_arn", arn},
                             {"HealthyHostCount", healthy},
                             {"UnHealthyHostCount", unhealthy}});
  }
  return json{{"load_balancer", lb.name},
              {"load_balancer_arn", lb.arn},
              {"dns_name", lb.dns_name},
              {"time", protocol::iso8601(env.clock.now())},
              {"period_seconds", kPeriodMs / 1000},
              {"totals", total},
              {"target_groups", target_groups},
              {"datapoints", datapoints}};
}

}  // namespace zonesim::elbv2
