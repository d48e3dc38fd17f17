// Health checks of registered targets, on the target group's own settings, and the transitions
// they cause. Each target in service has one check loop: a clock event every
// HealthCheckIntervalSeconds (the first one after a jitter in [0, interval)), which asks the
// target's application from a load balancer node and feeds the result to the state machine of
// target_health.hpp. A check that times out is known only when HealthCheckTimeoutSeconds have
// passed, so its result is applied then.
//
// Nothing here marks a target unhealthy because of a zone fault: the checks find out, as on AWS.
#include <algorithm>
#include <charconv>

#include "emulator/sim/timeline.hpp"
#include "emulator/sim/zones.hpp"
#include "services/elbv2/app_probe.hpp"
#include "services/elbv2/common.hpp"
#include "services/elbv2/simulation.hpp"

namespace zonesim::elbv2 {

namespace {

using health::CheckResult;
using health::Status;

// Which target a scheduled check belongs to: its loop id, and its index when scheduled (a hint:
// the list only changes when targets are added or removed).
struct TargetRef {
  std::string id;
  std::optional<std::int64_t> port;
  std::string loop;
  std::size_t hint = 0;
};

std::optional<std::int64_t> port_of(const json& t) {
  auto it = t.find("Port");
  if (it == t.end()) return std::nullopt;
  return it->get<std::int64_t>();
}

bool same_target(const json& t, const TargetRef& ref) {
  auto id = t.find("Id");
  return id != t.end() && id->get_ref<const std::string&>() == ref.id && port_of(t) == ref.port;
}

// The target's index if it still runs the loop `ref.loop`.
std::optional<std::size_t> locate(const json& tg, const TargetRef& ref) {
  auto it = tg.find("_targets");
  if (it == tg.end() || !it->is_array()) return std::nullopt;
  const json& targets = *it;
  std::optional<std::size_t> found;
  if (ref.hint < targets.size() && same_target(targets[ref.hint], ref)) {
    found = ref.hint;
  } else {
    for (std::size_t i = 0; i < targets.size() && !found; ++i)
      if (same_target(targets[i], ref)) found = i;
  }
  if (!found || (*it)[*found].value("_loop", "") != ref.loop) return std::nullopt;
  return found;
}

// A target of a group, for Store::get_mut_part: a check updates one target, not the group.
json::json_pointer target_part(std::size_t index) {
  return json::json_pointer("/_targets/" + std::to_string(index));
}

std::int64_t seconds(const json& tg, const char* key, std::int64_t def) {
  auto it = tg.find(key);
  return it == tg.end() ? def : it->get<std::int64_t>();
}

// The outcome of one check: no report (no node could check), or a result known `delay_ms` after
// the check started.
struct Probe {
  bool reported = false;
  CheckResult result = CheckResult::pass;
  std::string detail;
  sim::Millis delay_ms = 0;
};

Probe probe_target(Env& env, const std::string& scope, const json& tg, const json& t) {
  Probe p;
  const std::string& type = str(tg, "TargetType");
  sim::Millis timeout_ms = seconds(tg, "HealthCheckTimeoutSeconds", 5) * 1000;
  bool tcp = str(tg, "HealthCheckProtocol") == "TCP";
  auto failure = [&](CheckResult r, sim::Millis delay) {
    p.reported = true;
    p.result = r;
    p.delay_ms = delay;
    return p;
  };
  auto timed_out = [&] {
    // TCP checks have no Target.Timeout (it applies to HTTP checks only).
    return failure(tcp ? CheckResult::failed : CheckResult::timeout, timeout_ms);
  };

  // The checks run from the load balancer's nodes; a node that cannot reach the outside (power
  // loss, network partition) does not report.
  std::string zone = target_zone(t);
  bool faults = any_zone_fault(env);
  bool reporting = false;
  std::string from;
  if (auto it = tg.find("_lb_zones"); it != tg.end())
    for (auto& z : *it) {
      const std::string& node = z.get_ref<const std::string&>();
      if (faults && !sim::zones_connected(env, node, "")) continue;
      reporting = true;
      if (faults && !sim::zones_connected(env, node, zone)) continue;
      if (from.empty() || node == zone) from = node;  // the node in the target's own zone first
    }
  if (!reporting) return p;
  if (from.empty()) return timed_out();

  // No simulated runtime answers for Lambda functions or load balancers as targets: they pass.
  if (type == "lambda" || type == "alb") return failure(CheckResult::pass, 0);

  double latency_ms = 0;
  if (faults && from != zone && !zone.empty()) {
    Degradation d = degradation(env, zone);
    if (lost(env, d.loss_rate)) return failure(CheckResult::failed, 0);  // connection error
    latency_ms = d.latency_ms;
  }
  std::int64_t port = port_of(t).value_or(0);
  const std::string& hc_port = str(tg, "HealthCheckPort");
  if (!hc_port.empty() && hc_port != "traffic-port")
    std::from_chars(hc_port.data(), hc_port.data() + hc_port.size(), port);
  const std::string& hc_path = str(tg, "HealthCheckPath");
  std::string path = tcp || hc_path.empty() ? "/" : hc_path;
  ecs::AppAnswer a =
      probe_app(env, scope, target_ip(env, scope, tg, t), static_cast<int>(port), from, path);
  if (a.kind == ecs::AppAnswer::Kind::refused) return failure(CheckResult::failed, 0);
  if (a.kind == ecs::AppAnswer::Kind::timeout || latency_ms >= static_cast<double>(timeout_ms))
    return timed_out();
  if (tcp) return failure(CheckResult::pass, 0);
  // gRPC matchers: the simulated application has no gRPC status; an answer passes.
  auto matcher = tg.find("Matcher");
  static const std::string kAny;
  const std::string& codes = matcher == tg.end() ? kAny : str(*matcher, "HttpCode");
  if (!codes.empty() && !matcher_matches(codes, a.status)) {
    failure(CheckResult::response_code_mismatch, 0);
    p.detail = std::to_string(a.status);
    return p;
  }
  return failure(CheckResult::pass, 0);
}

void apply_result(Env& env, const std::string& scope, const std::string& tg_arn,
                  const TargetRef& ref, CheckResult result, const std::string& detail) {
  const json* view = env.store.get(scope, kTargetGroupKind, tg_arn);
  if (!view) return;
  auto i = locate(*view, ref);
  if (!i) return;
  const json& before = (*view)["_targets"][*i];
  // The steady state: a healthy target passing, with no failure to reset.
  if (result == CheckResult::pass && str(before, "_state") == health::kHealthy &&
      before.value("_failures", 0) == 0)
    return;
  health::CheckCounters c{before.value("_passes", 0), before.value("_failures", 0)};
  health::CheckCounters old = c;
  Status current = status_of(before);
  Status next = health::on_check_result(
      current, c, result, static_cast<int>(seconds(*view, "HealthyThresholdCount", 5)),
      static_cast<int>(seconds(*view, "UnhealthyThresholdCount", 2)), detail);
  // Passes only count towards becoming healthy; a healthy target's passes need no bookkeeping.
  if (next.state == health::kHealthy) c.passes = 0;
  if (next == current && c.passes == old.passes && c.failures == old.failures) return;
  // The counters are the checks' own bookkeeping; a new status is news for everyone.
  using Readers = store::Store::Readers;
  json& t = *env.store.get_mut_part(scope, kTargetGroupKind, tg_arn, target_part(*i),
                                    next == current ? Readers::writer : Readers::all);
  t["_passes"] = c.passes;
  t["_failures"] = c.failures;
  if (next == current) return;
  HealthChanges changes;
  set_target_status(env, scope, *view, t, next, changes);
  notify(env, changes);
}

void schedule_check(Env& env, const std::string& scope, const std::string& tg_arn,
                    const TargetRef& ref, sim::Millis at);

void run_check(Env& env, const std::string& scope, const std::string& tg_arn, TargetRef ref) {
  const json* view = env.store.get(scope, kTargetGroupKind, tg_arn);
  if (!view) return;
  auto i = locate(*view, ref);
  if (!i) return;
  ref.hint = *i;
  sim::Millis now = env.clock.now();
  sim::Millis next = now + seconds(*view, "HealthCheckIntervalSeconds", 30) * 1000;
  Probe p = probe_target(env, scope, *view, (*view)["_targets"][*i]);
  // A late result is scheduled before the next check, so it is applied first even when the
  // timeout equals the interval (TCP checks).
  if (p.reported && p.delay_ms > 0) {
    CheckResult result = p.result;
    std::string detail = p.detail;
    env.clock.schedule_at(now + p.delay_ms, "elbv2 health check result",
                          [&env, scope, tg_arn, ref, result, detail] {
                            apply_result(env, scope, tg_arn, ref, result, detail);
                          });
  }
  schedule_check(env, scope, tg_arn, ref, next);
  (*env.store.get_mut_part(scope, kTargetGroupKind, tg_arn, target_part(*i),
                           store::Store::Readers::writer))["_next_check"] = next;
  if (p.reported && p.delay_ms == 0) apply_result(env, scope, tg_arn, ref, p.result, p.detail);
}

void schedule_check(Env& env, const std::string& scope, const std::string& tg_arn,
                    const TargetRef& ref, sim::Millis at) {
  env.clock.schedule_at(at, "elbv2 health check",
                        [&env, scope, tg_arn, ref] { run_check(env, scope, tg_arn, ref); });
}

// Registration completes: Elb.RegistrationInProgress -> Elb.InitialHealthChecking. The same
// evaluation continues: no state change, no new token.
void schedule_registration(Env& env, const std::string& scope, const std::string& tg_arn,
                           const TargetRef& ref, sim::Millis at) {
  env.clock.schedule_at(at, "elbv2 target registered", [&env, scope, tg_arn, ref] {
    const json* view = env.store.get(scope, kTargetGroupKind, tg_arn);
    if (!view) return;
    auto i = locate(*view, ref);
    if (!i) return;
    json& t = (*env.store.get_mut(scope, kTargetGroupKind, tg_arn))["_targets"][*i];
    Status s = health::on_registration_complete(status_of(t));
    t["_reason"] = s.reason;
    t["_description"] = s.description;
    t.erase("_checking_at");
  });
}

std::string timeline_resource(const json& tg, const json& t) {
  return tg.value("TargetGroupName", "") + "/" + target_label(t);
}

}  // namespace

Status status_of(const json& t) {
  return {t.value("_state", ""), t.value("_reason", ""), t.value("_description", "")};
}

std::string target_zone(const json& t) {
  std::string z = t.value("_zone", "");
  return z == "all" ? "" : z;
}

std::string target_label(const json& t) {
  std::string s = t.value("Id", "");
  if (auto p = port_of(t)) s += ":" + std::to_string(*p);
  return s;
}

std::string target_ip(const Env& env, const std::string& scope, const json& tg, const json& t) {
  const std::string& id = str(t, "Id");
  if (tg.value("TargetType", "instance") != "instance") return id;
  const json* inst = env.store.get(scope, "instance", id);
  return inst ? inst->value("PrivateIpAddress", "") : "";
}

bool checked_state(const std::string& state) {
  return state == health::kInitial || state == health::kHealthy || state == health::kUnhealthy;
}

void set_target_status(Env& env, const std::string& scope, const json& tg, json& t,
                       const Status& next, HealthChanges& changes, const std::string& why) {
  std::string from = t.value("_state", "");
  t["_state"] = next.state;
  t["_reason"] = next.reason;
  t["_description"] = next.description;
  // Scheduled one-off transitions (draining ending) apply only to the state they were
  // scheduled from.
  t["_token"] = env.rng.hex(12);
  t.erase("_until");
  t.erase("_checking_at");
  if (from == next.state) return;
  std::string reason = !next.reason.empty() ? next.reason
                       : !why.empty()       ? why
                                            : "Health checks passed";
  sim::record(env, sim::Change{target_zone(t), "elbv2", timeline_resource(tg, t), from, next.state,
                               reason});
  changes.push_back({scope, tg.value("TargetGroupArn", ""), t.value("Id", ""),
                     static_cast<int>(port_of(t).value_or(0)), from, next.state, next.reason});
}

void target_removed(Env& env, const std::string& scope, const json& tg, const json& t,
                    HealthChanges& changes, const std::string& why) {
  std::string from = t.value("_state", "");
  sim::record(env, sim::Change{target_zone(t), "elbv2", timeline_resource(tg, t), from, "", why});
  changes.push_back({scope, tg.value("TargetGroupArn", ""), t.value("Id", ""),
                     static_cast<int>(port_of(t).value_or(0)), from, "", ""});
}

void notify(Env& env, const HealthChanges& changes) {
  for (auto& c : changes)
    for (auto& listener : env.hooks.target_health)
      listener(env, c.scope, c.target_group_arn, c.ip, c.port, c.from, c.to, c.reason);
}

void start_health_checks(Env& env, const std::string& scope, const json& tg, json& target) {
  std::string tg_arn = tg.value("TargetGroupArn", "");
  std::string loop = env.rng.hex(8);
  sim::Millis now = env.clock.now();
  sim::Millis registration = env.timing.draw("elbv2.target.registration", env.rng);
  sim::Millis interval = seconds(tg, "HealthCheckIntervalSeconds", 30) * 1000;
  sim::Millis first = now + registration +
                      static_cast<sim::Millis>(env.rng.below(static_cast<std::uint64_t>(interval)));
  target["_loop"] = loop;
  target["_passes"] = 0;
  target["_failures"] = 0;
  target["_next_check"] = first;
  TargetRef ref{target.value("Id", ""), port_of(target), loop, 0};
  if (registration == 0) {
    Status s = health::on_registration_complete(status_of(target));
    target["_reason"] = s.reason;
    target["_description"] = s.description;
  } else {
    target["_checking_at"] = now + registration;
    schedule_registration(env, scope, tg_arn, ref, now + registration);
  }
  schedule_check(env, scope, tg_arn, ref, first);
}

void resume_health_checks(Env& env, const std::string& scope, const std::string& tg_arn,
                          const json& target, std::size_t index) {
  auto loop = target.find("_loop");
  if (loop == target.end()) return;
  TargetRef ref{target.value("Id", ""), port_of(target), loop->get<std::string>(), index};
  sim::Millis now = env.clock.now();
  if (auto at = target.find("_checking_at"); at != target.end() && at->get<sim::Millis>() > now)
    schedule_registration(env, scope, tg_arn, ref, at->get<sim::Millis>());
  schedule_check(env, scope, tg_arn, ref,
                 std::max(now, target.value("_next_check", sim::Millis{0})));
}

void stop_health_checks(json& target) {
  target.erase("_loop");
  target.erase("_next_check");
  target.erase("_passes");
  target.erase("_failures");
}

bool matcher_matches(const std::string& codes, int status) {
  std::size_t start = 0;
  while (start <= codes.size()) {
    std::size_t comma = codes.find(',', start);
    std::string_view part(codes.data() + start,
                          (comma == std::string::npos ? codes.size() : comma) - start);
    std::size_t dash = part.find('-');
    int lo = 0, hi = 0;
    std::from_chars(part.data(), part.data() + (dash == std::string::npos ? part.size() : dash),
                    lo);
    hi = lo;
    if (dash != std::string::npos)
      std::from_chars(part.data() + dash + 1, part.data() + part.size(), hi);
    if (status >= lo && status <= hi) return true;
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return false;
}

}  // namespace zonesim::elbv2
