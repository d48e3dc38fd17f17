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
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <regex>

#include "emulator/sim/zones.hpp"
#include "services/elbv2/app_probe.hpp"
#include "services/elbv2/attributes.hpp"
#include "services/elbv2/common.hpp"
#include "services/elbv2/dataplane.hpp"
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
  const std::string& s = str(r, "Priority");
  std::from_chars(s.data(), s.data() + s.size(), p);
  return p;
}

// The actions for the request: the first rule (by priority) whose conditions all match, else the
// listener's default actions. Runs once per plan (each committed change): a listener may hold
// hundreds of rules, so each priority is parsed once and nothing is copied.
const json& choose_actions(const Env& env, const std::string& scope, const json& listener,
                           const RouteRequest& req, std::string& rule_arn) {
  const std::string& listener_arn = str(listener, "ListenerArn");
  std::vector<std::pair<int, const json*>> rules;
  for (auto& [a, r] : env.store.list(scope, kRuleKind))
    if (str(*r, "_listener") == listener_arn) rules.emplace_back(priority_of(*r), r);
  // Priorities are unique per listener: the order is total.
  std::sort(rules.begin(), rules.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string host = host_without_port(req.host);
  std::string path = req.path.substr(0, req.path.find('?'));
  for (auto& [priority, r] : rules) {
    bool all = true;
    for (auto& cond : (*r)["Conditions"]) {
      all = condition_matches(cond, req, host, path);
      if (!all) break;
    }
    if (all) {
      rule_arn = str(*r, "RuleArn");
      return (*r)["Actions"];
    }
  }
  rule_arn = str(listener, "_default_rule");
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

// ---- a batch of requests: the plan and its execution ----
//
// What the documents decide is the plan: the node's state and the listener's rules (a NodePlan
// per node zone), the target group's pool (a GroupPlan), what each target answers (a TargetPlan).
// Executing it makes the per-request draws (DNS, loss in degraded zones, weighted target groups)
// in the order one request after the other would, moves the round robin and emits each outcome
// once with its count. route_many plans as it goes and drops the plan; RouteCache keeps it while
// the store's shared generation stands still (bookkeeping such as health checks' next times and
// database write counters is no input of the plan). Every part is planned when a request first
// needs it, so a plan costs what one batch needs, and the plan holds no pointer into the store.

// An answer some of a batch's requests get, and how many of them the metrics have not counted.
struct Outcome {
  RouteResult result;
  std::optional<RequestMetrics> metrics;
  const std::vector<HostSample>* hosts = nullptr;  // its target group's, sampled per request
  std::uint64_t unrecorded = 0;
};

struct TargetPlan {
  std::size_t index = 0;      // in the group's _targets
  double loss_rate = 0;       // crossing into a degraded zone: a draw per request
  Outcome* lost = nullptr;    // what a lost connection gets
  Outcome* answer = nullptr;  // what the others get; null until planned
};

struct GroupPlan {
  std::string arn;
  Outcome* answer = nullptr;  // the group answers every request itself; else the pool serves
  std::string round_robin;    // the key of its round-robin counter
  std::vector<TargetPlan> pool;
  bool planned = false;
};

struct NodePlan {
  Outcome* refused = nullptr;  // no node, or the node is down: before any draw
  double loss_rate = 0;        // client -> node in a degraded zone: a draw per request
  Outcome* lost = nullptr;
  Outcome* answer = nullptr;  // no forward: no listener, fixed response, redirect, an error
  RouteResult base;           // a forwarded request so far: node, latency, rule
  bool weighted = false;      // a weighted draw per request among `groups`
  std::vector<std::int64_t> weights;
  std::vector<GroupPlan> groups;
};

struct Plan {
  const Env* env = nullptr;
  std::uint64_t generation = 0;
  std::deque<Outcome> outcomes;  // stable addresses
  Outcome* answer = nullptr;     // no load balancer
  bool code_active = false;      // State.Code is active, else active from `active_at`
  sim::Millis active_at = INT64_MAX;
  Outcome* inactive = nullptr;
  Outcome* no_node = nullptr;  // DNS resolves to no node
  std::vector<DnsNode> dns;
  std::map<std::string, NodePlan, std::less<>> nodes;
  std::map<std::string, std::vector<HostSample>, std::less<>> hosts;  // by target group

  Outcome* add(RouteResult r) {
    return &outcomes.emplace_back(Outcome{std::move(r), {}, nullptr, 0});
  }
};

// Counts a batch's outcomes in the load balancer's metrics: per outcome and minute, added when
// the minute changes or on flush. A target group's host counts are taken (from the plan's state)
// at its first request and sampled once per minute: the same minimum and maximum.
class Recorder {
 public:
  Recorder(std::string scope, std::string lb_arn)
      : scope_(std::move(scope)), lb_arn_(std::move(lb_arn)) {}
  void count(Env& env, Plan& plan, Outcome& o, std::uint64_t n) {
    sim::Millis now = env.clock.now();
    if (!pending_.empty() && now / kMinuteMs != at_ / kMinuteMs) flush(env);
    if (!o.metrics) {
      o.metrics = request_metrics(scope_, lb_arn_, o.result);
      const std::string& tg = o.result.target_group_arn;
      if (o.result.kind != RouteResult::Kind::unreachable && !tg.empty()) {
        auto it = plan.hosts.find(tg);
        if (it == plan.hosts.end())
          it = plan.hosts.emplace(tg, host_samples(env, scope_, lb_arn_, tg)).first;
        o.hosts = &it->second;
      }
    }
    if (o.unrecorded == 0) pending_.push_back(&o);
    o.unrecorded += n;
    at_ = now;
  }
  void flush(Env& env) {
    std::vector<const std::vector<HostSample>*> sampled;
    for (Outcome* o : pending_) {
      add_request_metrics(env, *o->metrics, at_, o->unrecorded);
      o->unrecorded = 0;
      if (o->hosts && std::find(sampled.begin(), sampled.end(), o->hosts) == sampled.end()) {
        add_host_samples(env, *o->hosts, at_);
        sampled.push_back(o->hosts);
      }
    }
    pending_.clear();
  }

 private:
  static constexpr sim::Millis kMinuteMs = 60'000;
  std::string scope_, lb_arn_;
  std::vector<Outcome*> pending_;
  sim::Millis at_ = 0;
};

// One batch: plans what it needs, draws and emits.
class Batch {
 public:
  Batch(Env& env, const std::string& scope, const RouteRequest& req, Plan& plan,
        const RouteSink& sink, Recorder* recorder)
      : env_(env), scope_(scope), req_(req), plan_(plan), sink_(sink), recorder_(recorder) {}

  void run(std::uint64_t count) {
    if (plan_.outcomes.empty()) plan_load_balancer();
    if (plan_.answer) return emit(*plan_.answer, count);
    sim::Millis now = env_.clock.now();
    if (!plan_.code_active && plan_.active_at > now) return emit(*plan_.inactive, count);
    // The node: the one the client reached, or one DNS gives (each client picks among the
    // addresses: a draw per request).
    if (!req_.node_zone.empty()) return from_node(req_.node_zone, count);
    std::vector<const std::string*> nodes;
    for (auto& n : plan_.dns)
      if (n.resolvable(now)) nodes.push_back(&n.zone);
    std::sort(nodes.begin(), nodes.end(),
              [](const std::string* a, const std::string* b) { return *a < *b; });
    if (nodes.empty()) return emit(*plan_.no_node, count);
    if (nodes.size() == 1) return from_node(*nodes.front(), count);
    std::vector<std::uint64_t> per_node(nodes.size(), 0);
    for (std::uint64_t i = 0; i < count; ++i) ++per_node[env_.rng.below(nodes.size())];
    for (std::size_t i = 0; i < nodes.size(); ++i)
      if (per_node[i] > 0) from_node(*nodes[i], per_node[i]);
  }

 private:
  void emit(Outcome& o, std::uint64_t count) {
    sink_(o.result, count);
    if (recorder_) recorder_->count(env_, plan_, o, count);
  }

  const json& load_balancer() {
    if (!lb_) lb_ = find_load_balancer(env_, scope_, req_.load_balancer_arn);
    return *lb_;  // the plan found it, and nothing changed since
  }

  void plan_load_balancer() {
    RouteResult r;
    r.kind = Kind::unreachable;
    lb_ = find_load_balancer(env_, scope_, req_.load_balancer_arn);
    if (!lb_) {
      r.reason = "the load balancer does not exist";
      plan_.answer = plan_.add(r);
      return;
    }
    plan_.code_active = (*lb_)["State"].value("Code", "") == "active";
    plan_.active_at = lb_->value("_active_at", INT64_MAX);
    r.reason = "the load balancer is not active yet";
    plan_.inactive = plan_.add(r);
    r.reason = "the load balancer's DNS name resolves to no node";
    plan_.no_node = plan_.add(r);
    plan_.dns = dns_nodes(*lb_);
  }

  // `count` requests that reached the node in `zone`.
  void from_node(const std::string& zone, std::uint64_t count) {
    auto it = plan_.nodes.find(zone);
    if (it == plan_.nodes.end()) it = plan_.nodes.emplace(zone, plan_node(zone)).first;
    NodePlan& node = it->second;
    if (node.refused) return emit(*node.refused, count);
    std::uint64_t dropped = lost_count(env_, node.loss_rate, count);
    if (dropped > 0) {
      emit(*node.lost, dropped);
      count -= dropped;
      if (count == 0) return;
    }
    if (node.answer) return emit(*node.answer, count);
    if (!node.weighted) return to_group(node, node.groups.front(), count);
    // Weighted random choice among the groups (a draw per request), as ALB's weighted target
    // groups.
    std::int64_t total = 0;
    for (auto w : node.weights) total += w;
    std::vector<std::uint64_t> per_group(node.groups.size(), 0);
    for (std::uint64_t i = 0; i < count; ++i) {
      auto pick = static_cast<std::int64_t>(env_.rng.below(static_cast<std::uint64_t>(total)));
      for (std::size_t g = 0; g < node.groups.size(); ++g) {
        pick -= node.weights[g];
        if (pick < 0) {
          ++per_group[g];
          break;
        }
      }
    }
    for (std::size_t g = 0; g < node.groups.size(); ++g)
      if (per_group[g] > 0) to_group(node, node.groups[g], per_group[g]);
  }

  NodePlan plan_node(const std::string& zone) {
    NodePlan p;
    const json& lb = load_balancer();
    RouteResult r;
    r.kind = Kind::unreachable;
    r.node_zone = zone;
    const json* node = nullptr;
    for (auto& n : lb["_nodes"])
      if (str(n, "ZoneName") == zone) node = &n;
    if (!node) {
      r.reason = "the load balancer has no node in " + zone;
      p.refused = plan_.add(r);
      return p;
    }
    if (node->value("State", kNodeActive) != kNodeActive) {
      r.reason = "the load balancer node in " + zone + " is down";
      p.refused = plan_.add(r);
      return p;
    }
    if (any_zone_fault(env_)) {
      Degradation d = degradation(env_, zone);
      p.loss_rate = d.loss_rate;
      RouteResult l = r;
      l.reason = "the connection to the load balancer node was lost";
      p.lost = plan_.add(l);
      r.latency_ms += d.latency_ms;
    }

    const json* listener = nullptr;
    for (auto& [a, l] : env_.store.list(scope_, kListenerKind))
      if (str(*l, "LoadBalancerArn") == req_.load_balancer_arn &&
          l->value("Port", std::int64_t{0}) == req_.port)
        listener = l;
    if (!listener) {
      r.reason = "connection refused: no listener on port " + std::to_string(req_.port);
      p.answer = plan_.add(r);
      return p;
    }

    std::string rule_arn;
    const json& actions = choose_actions(env_, scope_, *listener, req_, rule_arn);
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
        p.answer = plan_.add(r);
        return p;
      }
      if (type == "redirect") {
        const json& cfg = (*a)["RedirectConfig"];
        r.kind = Kind::redirect;
        r.status = cfg.value("StatusCode", "HTTP_301") == "HTTP_302" ? 302 : 301;
        r.location = redirect_location(cfg, req_, *listener, lb);
        p.answer = plan_.add(r);
        return p;
      }
      if (type == "forward") {
        p.base = r;
        std::string tg_arn = a->value("TargetGroupArn", "");
        if (a->contains("ForwardConfig")) {
          const json& groups = (*a)["ForwardConfig"].value("TargetGroups", json::array());
          std::int64_t total = 0;
          for (auto& g : groups) total += g.value("Weight", std::int64_t{1});
          if (groups.size() > 1 || tg_arn.empty()) {
            if (total <= 0) {
              p.answer = plan_.add(elb_error(r, 503,
                                             "every target group of the forward action "
                                             "has weight 0"));
              return p;
            }
            p.weighted = true;
            for (auto& g : groups) {
              p.weights.push_back(g.value("Weight", std::int64_t{1}));
              p.groups.push_back(GroupPlan{g.value("TargetGroupArn", ""), nullptr, {}, {}, false});
            }
            return p;
          }
        }
        p.groups.push_back(GroupPlan{tg_arn, nullptr, {}, {}, false});
        return p;
      }
      // authenticate-oidc, authenticate-cognito, jwt-validation: pass (see above).
    }
    p.answer = plan_.add(elb_error(r, 500, "no terminal action"));
    return p;
  }

  void to_group(const NodePlan& node, GroupPlan& g, std::uint64_t count) {
    if (!g.planned) plan_group(node, g);
    if (g.answer) return emit(*g.answer, count);
    // Round robin, per group (and node zone when the node keeps to its zone): request k of the
    // counter goes to pool[k % size], so `count` requests split evenly from where it stands.
    std::uint64_t& counter = env_.volatile_counters[g.round_robin];
    const std::uint64_t n0 = counter, size = g.pool.size();
    counter += count;
    for (std::uint64_t j = 0; j < std::min(count, size); ++j)
      to_target(node, g, g.pool[(n0 + j) % size], (count - j + size - 1) / size);
  }

  void plan_group(const NodePlan& node, GroupPlan& g) {
    g.planned = true;
    RouteResult r = node.base;
    r.target_group_arn = g.arn;
    const json* tg = find_target_group(env_, scope_, g.arn);
    if (!tg) {
      g.answer = plan_.add(elb_error(r, 503, "the target group does not exist"));
      return;
    }
    if (tg->value("TargetType", "") == "lambda") {
      g.answer = plan_.add(elb_error(r, 502, "Lambda targets are not simulated"));
      return;
    }
    bool all_zones = cross_zone(load_balancer(), *tg);
    // In service: registered, not draining and in an enabled zone; with cross-zone load balancing
    // off, only the node's own zone.
    std::vector<std::size_t> serving, healthy;
    static const json kNoTargets = json::array();
    auto listed = tg->find("_targets");
    const json& targets = listed != tg->end() && listed->is_array() ? *listed : kNoTargets;
    for (std::size_t i = 0; i < targets.size(); ++i) {
      const json& t = targets[i];
      if (!checked_state(str(t, "_state")) && !routable_state(t)) continue;
      if (!all_zones) {
        std::string zone = target_zone(t);
        if (!zone.empty() && zone != r.node_zone) continue;
      }
      serving.push_back(i);
      if (routable_state(t)) healthy.push_back(i);
    }
    if (serving.empty()) {
      g.answer = plan_.add(elb_error(r, 503, "no registered targets"));
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
    for (std::size_t i : fail_open ? serving : healthy) g.pool.push_back(TargetPlan{i});
    g.round_robin = "elbv2/rr/" + g.arn;
    if (!all_zones) g.round_robin += "/" + r.node_zone;
  }

  // `count` requests from the node to one target: they share one fate, but for the connections a
  // degraded zone drops.
  void to_target(const NodePlan& node, const GroupPlan& g, TargetPlan& t, std::uint64_t count) {
    if (!t.answer) plan_target(node, g, t);
    std::uint64_t dropped = lost_count(env_, t.loss_rate, count);
    if (dropped > 0) {
      emit(*t.lost, dropped);
      count -= dropped;
      if (count == 0) return;
    }
    emit(*t.answer, count);
  }

  void plan_target(const NodePlan& node, const GroupPlan& g, TargetPlan& p) {
    const json& tg = *find_target_group(env_, scope_, g.arn);
    const json& t = tg["_targets"][p.index];
    RouteResult r = node.base;
    r.target_group_arn = g.arn;
    r.target_ip = target_ip(env_, scope_, tg, t);
    r.target_port = static_cast<int>(t.value("Port", std::int64_t{0}));
    r.target_zone = target_zone(t);
    bool faults = any_zone_fault(env_);
    if (faults && !sim::zones_connected(env_, r.node_zone, r.target_zone)) {
      r.latency_ms += kTargetConnectTimeoutMs;
      p.answer = plan_.add(elb_error(r, 504, "connection to the target timed out"));
      return;
    }
    if (faults && !r.target_zone.empty() && r.target_zone != r.node_zone) {
      Degradation d = degradation(env_, r.target_zone);
      p.loss_rate = d.loss_rate;
      RouteResult l = r;
      p.lost = plan_.add(elb_error(l, 502, "connection to the target was lost"));
      r.latency_ms += d.latency_ms;
    }
    std::string path = req_.path.substr(0, req_.path.find('?'));
    ecs::AppAnswer a = probe_app(env_, scope_, r.target_ip, r.target_port, r.node_zone, path);
    r.task_arn = a.task_arn;
    switch (a.kind) {
      case ecs::AppAnswer::Kind::ok:
        r.kind = Kind::target;
        r.status = a.status;
        p.answer = plan_.add(r);
        return;
      case ecs::AppAnswer::Kind::refused:
        p.answer = plan_.add(elb_error(r, 502, "the target refused the connection"));
        return;
      case ecs::AppAnswer::Kind::timeout: {
        std::string idle = lb_attribute(load_balancer(), "idle_timeout.timeout_seconds");
        double seconds = 60;
        if (!idle.empty()) seconds = std::stod(idle);
        r.latency_ms += seconds * 1000;
        p.answer =
            plan_.add(elb_error(r, 504, "the target did not answer within the idle timeout"));
        return;
      }
    }
  }

  Env& env_;
  const std::string& scope_;
  const RouteRequest& req_;
  Plan& plan_;
  const RouteSink& sink_;
  Recorder* recorder_;
  const json* lb_ = nullptr;  // looked up when a part of the plan needs it
};

}  // namespace

void route_many(Env& env, const std::string& scope, const RouteRequest& req, std::uint64_t count,
                const RouteSink& emit) {
  if (count == 0) return;
  resume_simulation(env);
  Plan plan;
  Batch(env, scope, req, plan, emit, nullptr).run(count);
}

RouteResult route(Env& env, const std::string& scope, const RouteRequest& req) {
  RouteResult out;
  route_many(env, scope, req, 1, [&](const RouteResult& r, std::uint64_t) { out = r; });
  return out;
}

struct RouteCache::State {
  std::string scope;
  RouteRequest req;
  std::unique_ptr<Plan> plan;
  Recorder recorder;
};

RouteCache::RouteCache(std::string scope, RouteRequest req)
    : s_(std::make_unique<State>(
          State{scope, req, nullptr, Recorder(scope, req.load_balancer_arn)})) {}
RouteCache::~RouteCache() = default;

void RouteCache::route_many(Env& env, std::uint64_t count, const RouteSink& emit) {
  if (count == 0) return;
  resume_simulation(env);
  Plan* plan = s_->plan.get();
  // Inside a transaction the documents may differ from every committed generation: no plan lasts.
  bool lasting = !env.store.in_transaction();
  if (!plan || plan->env != &env || plan->generation != env.store.shared_generation() || !lasting) {
    s_->recorder.flush(env);  // the outcomes go with the plan
    s_->plan = std::make_unique<Plan>();
    plan = s_->plan.get();
    plan->env = &env;
    plan->generation = env.store.shared_generation();
  }
  Batch(env, s_->scope, s_->req, *plan, emit, &s_->recorder).run(count);
  if (!lasting) {
    s_->recorder.flush(env);
    s_->plan.reset();
  }
}

void RouteCache::flush(Env& env) {
  s_->recorder.flush(env);
}

}  // namespace zonesim::elbv2
