// The routing decision of a load balancer for one request (routing.hpp): DNS picks a node, the
// listener on the port takes the request, its rules (by priority, then the default rule) choose
// the actions, and a forward action picks a target and asks its application.
//
// Choices where AWS leaves the simulation open:
// - Authentication actions (authenticate-oidc/-cognito, jwt-validation) pass: zonesim has no
//   identity providers. Transforms (host/URL rewrites) are not applied to the forwarded request.
// - Degraded zones: every crossing into a degraded zone (client -> node, node -> target in another
//   zone) adds the zone's latency and is lost with its loss rate. A lost client connection is
//   `unreachable`; a lost connection to the target is answered 502 by the load balancer (a failed
//   target connection), as is a target that refuses the connection.
// - A target the node cannot reach (power loss or partition between them) is a connect timeout:
//   504 after the load balancer's 10 s target connection timeout. A target that accepts but never
//   answers (a hung app) is 504 after the load balancer's idle timeout.
// - Lambda targets have no simulated runtime: a forward to a Lambda target group is a 502.
#include "services/elbv2/routing.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <functional>
#include <map>
#include <regex>

#include "emulator/sim/zones.hpp"
#include "services/elbv2/app_probe.hpp"
#include "services/elbv2/attributes.hpp"
#include "services/elbv2/common.hpp"
#include "services/elbv2/simulation.hpp"
#include "services/elbv2/target_health.hpp"

namespace zonesim::elbv2 {

namespace {

constexpr double kTargetConnectTimeoutMs = 10'000;

using Kind = RouteResult::Kind;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// AWS's condition wildcards: '*' matches any run of characters, '?' exactly one.
bool wildcard_match(std::string_view pattern, std::string_view text, bool ignore_case) {
  auto eq = [&](char a, char b) {
    if (!ignore_case) return a == b;
    return std::tolower(static_cast<unsigned char>(a)) ==
           std::tolower(static_cast<unsigned char>(b));
  };
  std::size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() &&
        (pattern[p] == '?' || (pattern[p] != '*' && eq(pattern[p], text[t])))) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool regex_match(const std::string& pattern, const std::string& text, bool ignore_case) {
  try {
    auto flags = std::regex::ECMAScript;
    if (ignore_case) flags |= std::regex::icase;
    return std::regex_match(text, std::regex(pattern, flags));
  } catch (const std::regex_error&) {
    return false;
  }
}

// Values (wildcards) or RegexValues of a condition config: any one matching is a match.
bool any_value_matches(const json& config, const std::string& text, bool ignore_case) {
  for (auto& v : config.value("Values", json::array()))
    if (wildcard_match(v.get_ref<const std::string&>(), text, ignore_case)) return true;
  for (auto& v : config.value("RegexValues", json::array()))
    if (regex_match(v.get<std::string>(), text, ignore_case)) return true;
  return false;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int v = 0;
      auto r = std::from_chars(s.data() + i + 1, s.data() + i + 3, v, 16);
      if (r.ec == std::errc() && r.ptr == s.data() + i + 3) {
        out.push_back(static_cast<char>(v));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> query_pairs(const std::string& query) {
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t start = 0;
  while (start < query.size()) {
    std::size_t amp = query.find('&', start);
    std::string_view part(query.data() + start,
                          (amp == std::string::npos ? query.size() : amp) - start);
    if (!part.empty()) {
      std::size_t eq = part.find('=');
      out.emplace_back(percent_decode(part.substr(0, eq)),
                       eq == std::string_view::npos ? "" : percent_decode(part.substr(eq + 1)));
    }
    if (amp == std::string::npos) break;
    start = amp + 1;
  }
  return out;
}

bool in_cidr(const std::string& ip, const std::string& cidr) {
  auto slash = cidr.find('/');
  if (slash == std::string::npos) return false;
  int bits = 0;
  std::string b = cidr.substr(slash + 1);
  std::from_chars(b.data(), b.data() + b.size(), bits);
  unsigned char a[16], n[16];
  std::size_t len = 0;
  std::string base = cidr.substr(0, slash);
  if (inet_pton(AF_INET, ip.c_str(), a) == 1 && inet_pton(AF_INET, base.c_str(), n) == 1)
    len = 4;
  else if (inet_pton(AF_INET6, ip.c_str(), a) == 1 && inet_pton(AF_INET6, base.c_str(), n) == 1)
    len = 16;
  else
    return false;
  for (std::size_t i = 0; i < len && bits > 0; ++i, bits -= 8) {
    unsigned mask = bits >= 8 ? 0xffu : (0xffu << (8 - bits)) & 0xffu;
    if ((a[i] & mask) != (n[i] & mask)) return false;
  }
  return true;
}

std::string host_without_port(const std::string& host) {
  if (!host.empty() && host.front() == '[') {  // [v6]:port
    auto close = host.find(']');
    return close == std::string::npos ? host : host.substr(0, close + 1);
  }
  auto colon = host.find(':');
  return colon == std::string::npos ? host : host.substr(0, colon);
}

bool condition_matches(const json& cond, const RouteRequest& req, const std::string& host,
                       const std::string& path) {
  std::string field = cond.value("Field", "");
  if (field == "path-pattern")  // case sensitive; the path only, not the query
    return any_value_matches(cond.value("PathPatternConfig", json::object()), path, false);
  if (field == "host-header")
    return any_value_matches(cond.value("HostHeaderConfig", json::object()), host, true);
  if (field == "http-request-method") {
    for (auto& v : cond["HttpRequestMethodConfig"].value("Values", json::array()))
      if (v.get_ref<const std::string&>() == req.method) return true;
    return false;
  }
  if (field == "http-header") {
    const json& cfg = cond["HttpHeaderConfig"];
    std::string name = lower(cfg.value("HttpHeaderName", ""));
    for (auto& [k, v] : req.headers)
      if (lower(k) == name && any_value_matches(cfg, v, true)) return true;
    return false;
  }
  if (field == "query-string") {
    auto pairs = query_pairs(req.query);
    for (auto& want : cond["QueryStringConfig"].value("Values", json::array())) {
      bool has_key = want.contains("Key");
      std::string key = has_key ? want["Key"].get<std::string>() : "";
      std::string value = want.value("Value", "");
      for (auto& [k, v] : pairs)
        if ((!has_key || wildcard_match(key, k, true)) && wildcard_match(value, v, true))
          return true;
    }
    return false;
  }
  if (field == "source-ip") {
    if (req.source_ip.empty()) return false;
    for (auto& c : cond["SourceIpConfig"].value("Values", json::array()))
      if (in_cidr(req.source_ip, c.get<std::string>())) return true;
    return false;
  }
  return false;
}

int priority_of(const json& r) {
  int p = 0;
  std::string s = r.value("Priority", "0");
  std::from_chars(s.data(), s.data() + s.size(), p);
  return p;
}

// The actions for the request: the first rule (by priority) whose conditions all match, else the
// listener's default actions.
const json& choose_actions(const Env& env, const std::string& scope, const json& listener,
                           const RouteRequest& req, std::string& rule_arn) {
  std::string listener_arn = listener.value("ListenerArn", "");
  std::vector<const json*> rules;
  for (auto& [a, r] : env.store.list(scope, kRuleKind))
    if (str(*r, "_listener") == listener_arn) rules.push_back(r);
  std::sort(rules.begin(), rules.end(),
            [](const json* a, const json* b) { return priority_of(*a) < priority_of(*b); });
  std::string host = host_without_port(req.host);
  std::string path = req.path.substr(0, req.path.find('?'));
  for (const json* r : rules) {
    bool all = true;
    for (auto& cond : (*r)["Conditions"]) all = all && condition_matches(cond, req, host, path);
    if (all) {
      rule_arn = r->value("RuleArn", "");
      return (*r)["Actions"];
    }
  }
  rule_arn = listener.value("_default_rule", "");
  return listener["DefaultActions"];
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (std::size_t pos = s.find(from); pos != std::string::npos;
       pos = s.find(from, pos + to.size()))
    s.replace(pos, from.size(), to);
  return s;
}

// protocol://host:port/path?query from the RedirectConfig and the request, with AWS's reserved
// keywords (#{path} is the request path without its leading "/").
std::string redirect_location(const json& cfg, const RouteRequest& req, const json& listener,
                              const json& lb) {
  std::string protocol = listener.value("Protocol", "HTTP");
  std::string host = host_without_port(req.host);
  if (host.empty()) host = lb.value("DNSName", "");
  std::string port = std::to_string(req.port);
  std::string path = req.path.substr(0, req.path.find('?'));
  std::string bare_path = !path.empty() && path.front() == '/' ? path.substr(1) : path;
  auto fill = [&](std::string v) {
    v = replace_all(std::move(v), "#{protocol}", protocol);
    v = replace_all(std::move(v), "#{host}", host);
    v = replace_all(std::move(v), "#{port}", port);
    v = replace_all(std::move(v), "#{path}", bare_path);
    return replace_all(std::move(v), "#{query}", req.query);
  };
  std::string out = lower(fill(cfg.value("Protocol", "#{protocol}"))) + "://" +
                    fill(cfg.value("Host", "#{host}")) + ":" + fill(cfg.value("Port", "#{port}")) +
                    fill(cfg.value("Path", "/#{path}"));
  std::string query = fill(cfg.value("Query", "#{query}"));
  if (!query.empty()) out += "?" + query;
  return out;
}

RouteResult& elb_error(RouteResult& r, int status, const std::string& reason) {
  r.kind = Kind::elb_error;
  r.status = status;
  r.reason = reason;
  return r;
}

// Attribute values: the modified one, else the default of the resource's attribute set. The sets
// depend only on the resource's kind, so they are built once per kind (routing runs for every
// request).
const attributes::Defs& cached(std::map<std::string, attributes::Defs>& cache,
                               const std::string& key,
                               const std::function<attributes::Defs()>& make) {
  auto it = cache.find(key);
  if (it == cache.end()) it = cache.emplace(key, make()).first;
  return it->second;
}

std::string group_attribute(const json& tg, const std::string& key) {
  static std::map<std::string, attributes::Defs> cache;
  const std::string& protocol = str(tg, "Protocol");
  const std::string& type = str(tg, "TargetType");
  auto values = tg.find("_attributes");
  if (values != tg.end())
    if (auto v = values->find(key); v != values->end()) return v->get<std::string>();
  static const json kNone = json::object();
  return attributes::value(cached(cache, protocol + "|" + type,
                                  [&] { return attributes::target_group(protocol, type); }),
                           kNone, key);
}

std::string lb_attribute(const json& lb, const std::string& key) {
  static std::map<std::string, attributes::Defs> cache;
  std::string type = lb.value("Type", "application");
  std::string scheme = lb.value("Scheme", "internet-facing");
  std::string ip_type = lb.value("IpAddressType", "ipv4");
  auto values = lb.find("_attributes");
  if (values != lb.end())
    if (auto v = values->find(key); v != values->end()) return v->get<std::string>();
  static const json kNone = json::object();
  return attributes::value(cached(cache, type + "|" + scheme + "|" + ip_type,
                                  [&] { return attributes::load_balancer(type, scheme, ip_type); }),
                           kNone, key);
}

// Whether a node may send the group's requests to targets in other zones.
bool cross_zone(const json& lb, const json& tg) {
  std::string v = group_attribute(tg, "load_balancing.cross_zone.enabled");
  if (v == "true" || v == "false") return v == "true";
  return lb_attribute(lb, "load_balancing.cross_zone.enabled") == "true";
}

bool routable_state(const json& t) {
  const std::string& state = str(t, "_state");
  if (state == health::kHealthy) return true;
  // A target whose group has health checks disabled (Lambda) is used as if healthy.
  return state == health::kUnavailable && str(t, "_reason") == health::kHealthCheckDisabled;
}

// How many of n connections crossing into a zone with this loss rate are lost (a draw each).
std::uint64_t lost_count(Env& env, double loss_rate, std::uint64_t n) {
  if (loss_rate <= 0) return 0;
  std::uint64_t lost_n = 0;
  for (std::uint64_t i = 0; i < n; ++i) lost_n += lost(env, loss_rate) ? 1 : 0;
  return lost_n;
}

// `count` requests from the node in r.node_zone to one target: they share one fate, but for the
// connections a degraded zone drops.
void send_to_target(Env& env, const std::string& scope, const json& lb, const json& tg,
                    const json& t, const RouteRequest& req, RouteResult r, std::uint64_t count,
                    const RouteSink& emit) {
  r.target_ip = target_ip(env, scope, tg, t);
  r.target_port = static_cast<int>(t.value("Port", std::int64_t{0}));
  r.target_zone = target_zone(t);
  bool faults = any_zone_fault(env);
  if (faults && !sim::zones_connected(env, r.node_zone, r.target_zone)) {
    r.latency_ms += kTargetConnectTimeoutMs;
    emit(elb_error(r, 504, "connection to the target timed out"), count);
    return;
  }
  if (faults && !r.target_zone.empty() && r.target_zone != r.node_zone) {
    Degradation d = degradation(env, r.target_zone);
    std::uint64_t dropped = lost_count(env, d.loss_rate, count);
    if (dropped > 0) {
      RouteResult l = r;
      emit(elb_error(l, 502, "connection to the target was lost"), dropped);
      count -= dropped;
      if (count == 0) return;
    }
    r.latency_ms += d.latency_ms;
  }
  std::string path = req.path.substr(0, req.path.find('?'));
  ecs::AppAnswer a = probe_app(env, scope, r.target_ip, r.target_port, r.node_zone, path);
  r.task_arn = a.task_arn;
  switch (a.kind) {
    case ecs::AppAnswer::Kind::ok:
      r.kind = Kind::target;
      r.status = a.status;
      emit(r, count);
      return;
    case ecs::AppAnswer::Kind::refused:
      emit(elb_error(r, 502, "the target refused the connection"), count);
      return;
    case ecs::AppAnswer::Kind::timeout: {
      std::string idle = lb_attribute(lb, "idle_timeout.timeout_seconds");
      double seconds = 60;
      if (!idle.empty()) seconds = std::stod(idle);
      r.latency_ms += seconds * 1000;
      emit(elb_error(r, 504, "the target did not answer within the idle timeout"), count);
      return;
    }
  }
}

void forward_to_group(Env& env, const std::string& scope, const json& lb, const std::string& tg_arn,
                      const RouteRequest& req, RouteResult r, std::uint64_t count,
                      const RouteSink& emit) {
  r.target_group_arn = tg_arn;
  const json* tg = find_target_group(env, scope, tg_arn);
  if (!tg) {
    emit(elb_error(r, 503, "the target group does not exist"), count);
    return;
  }
  if (tg->value("TargetType", "") == "lambda") {
    emit(elb_error(r, 502, "Lambda targets are not simulated"), count);
    return;
  }
  bool all_zones = cross_zone(lb, *tg);
  // In service: registered, not draining and in an enabled zone; with cross-zone load balancing
  // off, only the node's own zone.
  std::vector<const json*> serving, healthy;
  static const json kNoTargets = json::array();
  auto listed = tg->find("_targets");
  const json& targets = listed != tg->end() && listed->is_array() ? *listed : kNoTargets;
  for (auto& t : targets) {
    if (!checked_state(str(t, "_state")) && !routable_state(t)) continue;
    if (!all_zones) {
      std::string zone = target_zone(t);
      if (!zone.empty() && zone != r.node_zone) continue;
    }
    serving.push_back(&t);
    if (routable_state(t)) healthy.push_back(&t);
  }
  if (serving.empty()) {
    emit(elb_error(r, 503, "no registered targets"), count);
    return;
  }
  // Unhealthy state routing: below the minimum of healthy targets the group fails open and every
  // target in service gets requests (by default: when none is healthy).
  std::string min_count = group_attribute(
      *tg, "target_group_health.unhealthy_state_routing.minimum_healthy_targets.count");
  std::string min_pct = group_attribute(
      *tg, "target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage");
  std::size_t min_healthy = 1;
  std::from_chars(min_count.data(), min_count.data() + min_count.size(), min_healthy);
  bool fail_open = healthy.size() < min_healthy;
  if (!fail_open && !min_pct.empty() && min_pct != "off") {
    std::size_t pct = 0;
    std::from_chars(min_pct.data(), min_pct.data() + min_pct.size(), pct);
    fail_open = healthy.size() * 100 < pct * serving.size();
  }
  const std::vector<const json*>& pool = fail_open ? serving : healthy;
  // Round robin, per group (and node zone when the node keeps to its zone): request k of the
  // counter goes to pool[k % size], so `count` requests split evenly from where it stands.
  std::string key = "elbv2/rr/" + tg_arn;
  if (!all_zones) key += "/" + r.node_zone;
  std::uint64_t& counter = env.volatile_counters[key];
  const std::uint64_t n0 = counter, size = pool.size();
  counter += count;
  for (std::uint64_t j = 0; j < std::min(count, size); ++j)
    send_to_target(env, scope, lb, *tg, *pool[(n0 + j) % size], req, r,
                   (count - j + size - 1) / size, emit);
}

bool active(const json& lb, sim::Millis now) {
  return lb["State"].value("Code", "") == "active" || lb.value("_active_at", INT64_MAX) <= now;
}

}  // namespace

namespace {

// `count` requests that reached the node in `zone`.
void route_from_node(Env& env, const std::string& scope, const json& lb, const std::string& zone,
                     const RouteRequest& req, std::uint64_t count, const RouteSink& emit) {
  RouteResult r;
  r.kind = Kind::unreachable;
  r.node_zone = zone;
  const json* node = nullptr;
  for (auto& n : lb["_nodes"])
    if (str(n, "ZoneName") == zone) node = &n;
  if (!node) {
    r.reason = "the load balancer has no node in " + zone;
    emit(r, count);
    return;
  }
  if (node->value("State", kNodeActive) != kNodeActive) {
    r.reason = "the load balancer node in " + zone + " is down";
    emit(r, count);
    return;
  }
  if (any_zone_fault(env)) {
    Degradation d = degradation(env, zone);
    std::uint64_t dropped = lost_count(env, d.loss_rate, count);
    if (dropped > 0) {
      RouteResult l = r;
      l.reason = "the connection to the load balancer node was lost";
      emit(l, dropped);
      count -= dropped;
      if (count == 0) return;
    }
    r.latency_ms += d.latency_ms;
  }

  const json* listener = nullptr;
  for (auto& [a, l] : env.store.list(scope, kListenerKind))
    if (str(*l, "LoadBalancerArn") == req.load_balancer_arn &&
        l->value("Port", std::int64_t{0}) == req.port)
      listener = l;
  if (!listener) {
    r.reason = "connection refused: no listener on port " + std::to_string(req.port);
    emit(r, count);
    return;
  }

  std::string rule_arn;
  const json& actions = choose_actions(env, scope, *listener, req, rule_arn);
  r.rule_arn = rule_arn;
  std::vector<const json*> ordered;
  for (auto& a : actions) ordered.push_back(&a);
  std::sort(ordered.begin(), ordered.end(), [](const json* a, const json* b) {
    return a->value("Order", std::int64_t{0}) < b->value("Order", std::int64_t{0});
  });
  for (const json* a : ordered) {
    std::string type = a->value("Type", "");
    if (type == "fixed-response") {
      const json& cfg = (*a)["FixedResponseConfig"];
      r.kind = Kind::fixed_response;
      std::string code = cfg.value("StatusCode", "200");
      std::from_chars(code.data(), code.data() + code.size(), r.status);
      r.content_type = cfg.value("ContentType", "text/plain");
      r.body = cfg.value("MessageBody", "");
      emit(r, count);
      return;
    }
    if (type == "redirect") {
      const json& cfg = (*a)["RedirectConfig"];
      r.kind = Kind::redirect;
      r.status = cfg.value("StatusCode", "HTTP_301") == "HTTP_302" ? 302 : 301;
      r.location = redirect_location(cfg, req, *listener, lb);
      emit(r, count);
      return;
    }
    if (type == "forward") {
      std::string tg_arn = a->value("TargetGroupArn", "");
      if (a->contains("ForwardConfig")) {
        const json& groups = (*a)["ForwardConfig"].value("TargetGroups", json::array());
        std::int64_t total = 0;
        for (auto& g : groups) total += g.value("Weight", std::int64_t{1});
        if (groups.size() > 1 || tg_arn.empty()) {
          if (total <= 0) {
            emit(elb_error(r, 503, "every target group of the forward action has weight 0"), count);
            return;
          }
          // Weighted random choice among the groups (a draw per request), as ALB's weighted
          // target groups.
          std::vector<std::uint64_t> per_group(groups.size(), 0);
          for (std::uint64_t i = 0; i < count; ++i) {
            auto pick = static_cast<std::int64_t>(env.rng.below(static_cast<std::uint64_t>(total)));
            for (std::size_t g = 0; g < groups.size(); ++g) {
              pick -= groups[g].value("Weight", std::int64_t{1});
              if (pick < 0) {
                ++per_group[g];
                break;
              }
            }
          }
          for (std::size_t g = 0; g < groups.size(); ++g)
            if (per_group[g] > 0)
              forward_to_group(env, scope, lb, groups[g].value("TargetGroupArn", ""), req, r,
                               per_group[g], emit);
          return;
        }
      }
      forward_to_group(env, scope, lb, tg_arn, req, r, count, emit);
      return;
    }
    // authenticate-oidc, authenticate-cognito, jwt-validation: pass (see above).
  }
  emit(elb_error(r, 500, "no terminal action"), count);
}

}  // namespace

void route_many(Env& env, const std::string& scope, const RouteRequest& req, std::uint64_t count,
                const RouteSink& emit) {
  if (count == 0) return;
  resume_simulation(env);
  RouteResult r;
  r.kind = Kind::unreachable;
  const json* lb = find_load_balancer(env, scope, req.load_balancer_arn);
  if (!lb) {
    r.reason = "the load balancer does not exist";
    emit(r, count);
    return;
  }
  if (!active(*lb, env.clock.now())) {
    r.reason = "the load balancer is not active yet";
    emit(r, count);
    return;
  }
  // The node: the one the client reached, or one DNS gives (each client picks among the
  // addresses: a draw per request).
  if (!req.node_zone.empty())
    return route_from_node(env, scope, *lb, req.node_zone, req, count, emit);
  auto nodes = resolvable_nodes(env, scope, req.load_balancer_arn);
  if (nodes.empty()) {
    r.reason = "the load balancer's DNS name resolves to no node";
    emit(r, count);
    return;
  }
  if (nodes.size() == 1) return route_from_node(env, scope, *lb, nodes.front(), req, count, emit);
  std::vector<std::uint64_t> per_node(nodes.size(), 0);
  for (std::uint64_t i = 0; i < count; ++i) ++per_node[env.rng.below(nodes.size())];
  for (std::size_t i = 0; i < nodes.size(); ++i)
    if (per_node[i] > 0) route_from_node(env, scope, *lb, nodes[i], req, per_node[i], emit);
}

RouteResult route(Env& env, const std::string& scope, const RouteRequest& req) {
  RouteResult out;
  route_many(env, scope, req, 1, [&](const RouteResult& r, std::uint64_t) { out = r; });
  return out;
}

}  // namespace zonesim::elbv2
