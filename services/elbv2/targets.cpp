// Registered targets: RegisterTargets, DeregisterTargets, DescribeTargetHealth and the contract
// with ECS (targets.hpp), all on one code path. The health of each target follows the pure state
// machine of target_health.hpp; transitions that happen later (registration completing, draining
// ending) are events on the simulated clock.
//
// A target is an element of its target group's _targets:
//   Id, Port (absent for lambda targets), AvailabilityZone (only when given at registration)
//   _zone          the zone the target is in ("all" or "" when it has none)
//   _state, _reason, _description   its TargetHealth
//   _token         changes with every transition; a scheduled transition applies only to the
//                  state it was scheduled from (and never to a registration a rolled-back request
//                  made)
//   _until         end of draining
//   _checking_at   when registration completes (Elb.RegistrationInProgress ->
//                  Elb.InitialHealthChecking) under a profile where it takes time
//   _registered_at when it was registered
//   _loop, _next_check, _passes, _failures   its health checks (health_checks.cpp)
#include "services/elbv2/targets.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <optional>
#include <regex>
#include <set>

#include "services/elbv2/attributes.hpp"
#include "services/elbv2/common.hpp"
#include "services/elbv2/simulation.hpp"
#include "services/elbv2/target_health.hpp"

namespace zonesim::elbv2 {

namespace {

using health::Status;

// ---- addresses ----

std::optional<std::uint32_t> parse_ipv4(const std::string& s) {
  in_addr a{};
  if (inet_pton(AF_INET, s.c_str(), &a) != 1) return std::nullopt;
  return ntohl(a.s_addr);
}

bool valid_ipv6(const std::string& s) {
  in6_addr a{};
  return inet_pton(AF_INET6, s.c_str(), &a) == 1;
}

bool in_cidr(std::uint32_t ip, const std::string& cidr) {
  auto slash = cidr.find('/');
  if (slash == std::string::npos) return false;
  auto base = parse_ipv4(cidr.substr(0, slash));
  int bits = std::stoi(cidr.substr(slash + 1));
  if (!base || bits < 0 || bits > 32) return false;
  std::uint32_t mask = bits == 0 ? 0 : ~std::uint32_t{0} << (32 - bits);
  return (ip & mask) == (*base & mask);
}

// RFC 1918 and RFC 6598: the private ranges an IP target outside the VPC may come from.
bool private_range(std::uint32_t ip) {
  for (const char* r : {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"})
    if (in_cidr(ip, r)) return true;
  return false;
}

std::vector<std::string> vpc_cidrs(const Env& env, const std::string& scope,
                                   const std::string& vpc_id) {
  std::vector<std::string> out;
  const json* vpc = env.store.get(scope, "vpc", vpc_id);
  if (!vpc) return out;
  if (vpc->contains("CidrBlock")) out.push_back((*vpc)["CidrBlock"].get<std::string>());
  for (auto& a : vpc->value("CidrBlockAssociationSet", json::array())) {
    std::string c = a.value("CidrBlock", "");
    if (!c.empty() && std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
  }
  return out;
}

// ---- target documents ----

std::optional<std::int64_t> port_of(const json& t) {
  if (!t.contains("Port")) return std::nullopt;
  return t["Port"].get<std::int64_t>();
}

std::optional<std::size_t> index_of(const json& tg, const std::string& id,
                                    std::optional<std::int64_t> port) {
  const json& targets = tg["_targets"];
  for (std::size_t i = 0; i < targets.size(); ++i)
    if (targets[i].value("Id", "") == id && port_of(targets[i]) == port) return i;
  return std::nullopt;
}

// The target's status at `now`, with the transitions whose clock events did not run (a restart
// drops the event queue); nullopt once draining has ended.
std::optional<Status> settled(const json& t, std::int64_t now) {
  Status s = status_of(t);
  if (s.state == health::kDraining && t.contains("_until") &&
      t["_until"].get<std::int64_t>() <= now)
    return std::nullopt;
  if (t.contains("_checking_at") && t["_checking_at"].get<std::int64_t>() <= now)
    s = health::on_registration_complete(s);
  return s;
}

// Runs `fn` on the target at `at` if it is still in the state it was in when scheduled.
void schedule(Env& env, const std::string& scope, const std::string& tg_arn, const json& target,
              std::int64_t at, const std::string& label,
              std::function<void(Env&, json& tg, std::size_t index)> fn) {
  std::string id = target.value("Id", "");
  std::optional<std::int64_t> port = port_of(target);
  std::string token = target.value("_token", "");
  env.clock.schedule_at(at, label, [&env, scope, tg_arn, id, port, token, fn] {
    const json* tg = env.store.get(scope, kTargetGroupKind, tg_arn);
    if (!tg) return;
    auto i = index_of(*tg, id, port);
    if (!i || (*tg)["_targets"][*i].value("_token", "") != token) return;
    fn(env, *env.store.get_mut(scope, kTargetGroupKind, tg_arn), *i);
  });
}

// Draining ends: the target leaves the group.
void schedule_removal(Env& env, const std::string& scope, const std::string& tg_arn,
                      const json& target, std::int64_t at) {
  schedule(env, scope, tg_arn, target, at, "elbv2 target deregistered",
           [scope](Env& e, json& group, std::size_t k) {
             HealthChanges removed;
             target_removed(e, scope, group, group["_targets"][k], removed,
                            "Deregistration delay elapsed");
             group["_targets"].erase(k);
             notify(e, removed);
           });
}

// Applies a new health to the target: entering service starts its health checks (the first one
// after registration and a jitter, as on AWS: no target is healthy before it passed
// HealthyThresholdCount checks); leaving service stops them.
void transition(Env& env, const std::string& scope, const json& tg, json& target,
                const Status& next, HealthChanges& changes) {
  if (target.contains("_state") && next == status_of(target)) return;
  set_target_status(env, scope, tg, target, next, changes);
  if (next.state == health::kInitial && next.reason == health::kRegistrationInProgress)
    start_health_checks(env, scope, tg, target);
  else if (!checked_state(next.state))
    stop_health_checks(target);
}

// Which load balancers forward to the group, and the zones they have enabled.
struct Usage {
  bool used = false;
  std::set<std::string> zones;
};

Usage usage_of(const Env& env, const std::string& scope, const std::string& tg_arn) {
  Usage u;
  for (auto& lb_arn : load_balancers_using(env, scope, tg_arn)) {
    u.used = true;
    if (const json* lb = find_load_balancer(env, scope, lb_arn))
      for (auto& z : lb->value("AvailabilityZones", json::array()))
        u.zones.insert(z.value("ZoneName", ""));
  }
  return u;
}

// Keeps the zones of the nodes that check the group's targets on the group, so that a health
// check needs no search through listeners and rules.
void remember_node_zones(json& tg, const Usage& u) {
  json zones = json::array();
  for (auto& z : u.zones) zones.push_back(z);
  if (tg.value("_lb_zones", json()) != zones) tg["_lb_zones"] = std::move(zones);
}

health::Service service(const Usage& u, const std::string& zone) {
  if (!u.used) return health::Service::not_in_use;
  if (zone.empty() || zone == "all" || u.zones.count(zone)) return health::Service::in_service;
  return health::Service::zone_not_enabled;
}

// ---- validation of target descriptions ----

// The zone of a valid target; throws InvalidTarget / ValidationError as AWS does. With
// `registering` false only the form of the id is checked (deregistration and health queries of
// targets that no longer exist succeed).
std::string check_target(const Env& env, const std::string& scope, const json& tg, const json& td,
                         std::size_t index, bool registering) {
  std::string id = td.value("Id", "");
  std::string type = tg.value("TargetType", "instance");
  std::string az = td.value("AvailabilityZone", "");
  std::string member = "targets." + std::to_string(index) + ".member.";
  if (td.contains("Port")) {
    if (type == "lambda")
      throw AwsError("ValidationError", "A port cannot be specified for targets of type 'lambda'");
    check_range(td["Port"].get<std::int64_t>(), 1, 65535, member + "port");
  }
  const auto zones = env.config.zones_or_default();
  if (!az.empty() && az != "all" && std::find(zones.begin(), zones.end(), az) == zones.end())
    throw AwsError("ValidationError", "The Availability Zone '" + az + "' is not valid");
  std::string vpc = tg.value("VpcId", "");

  if (type == "ip") {
    if (tg.value("IpAddressType", "ipv4") == "ipv6") {
      if (!valid_ipv6(id))
        throw AwsError("InvalidTarget", "The IP address '" + id + "' is not a valid IPv6 address");
      return az;
    }
    auto ip = parse_ipv4(id);
    if (!ip)
      throw AwsError("InvalidTarget", "The IP address '" + id + "' is not a valid IPv4 address");
    if (!registering) return az;
    for (auto& cidr : vpc_cidrs(env, scope, vpc)) {
      if (!in_cidr(*ip, cidr)) continue;
      for (auto& [sid, s] : env.store.list(scope, "subnet"))
        if (s->value("VpcId", "") == vpc && in_cidr(*ip, s->value("CidrBlock", "")))
          return s->value("AvailabilityZone", "");
      throw AwsError("InvalidTarget",
                     "The IP address '" + id + "' is not in a subnet of VPC '" + vpc + "'");
    }
    if (!private_range(*ip))
      throw AwsError("InvalidTarget", "The IP address '" + id +
                                          "' is not a valid target: it must be in VPC '" + vpc +
                                          "' or in the RFC 1918 or RFC 6598 address ranges");
    if (az.empty())
      throw AwsError("ValidationError", "An Availability Zone must be specified for IP address '" +
                                            id + "', which is outside VPC '" + vpc + "'");
    return az;
  }
  if (type == "instance") {
    if (!az.empty())
      throw AwsError("ValidationError",
                     "An Availability Zone cannot be specified for targets of type 'instance'");
    if (id.rfind("i-", 0) != 0)
      throw AwsError("InvalidTarget",
                     "The following targets are not valid instances: '" + id + "'");
    if (!registering) return "";
    const json* inst = env.store.get(scope, "instance", id);
    if (!inst)
      throw AwsError("InvalidTarget",
                     "The following targets are not valid instances: '" + id + "'");
    if ((*inst)["State"].value("Name", "") != "running")
      throw AwsError("InvalidTarget",
                     "The following targets are not in a running state and cannot be registered: "
                     "'" +
                         id + "'");
    if (inst->value("VpcId", "") != vpc)
      throw AwsError("InvalidTarget", "The following targets are not in the target group VPC '" +
                                          vpc + "': '" + id + "'");
    return inst->value("Placement", json::object()).value("AvailabilityZone", "");
  }
  if (type == "lambda") {
    static const std::regex kFunction(
        R"(^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9$_-]+)?$)");
    if (!std::regex_match(id, kFunction))
      throw AwsError("InvalidTarget", "The target '" + id + "' is not a valid Lambda function ARN");
    if (!az.empty() && az != "all")
      throw AwsError("ValidationError",
                     "The Availability Zone of a Lambda target can only be 'all'");
    return "all";
  }
  // alb: an Application Load Balancer of the same VPC, with a listener on the target's port.
  if (!az.empty())
    throw AwsError("ValidationError",
                   "An Availability Zone cannot be specified for targets of type 'alb'");
  if (!registering) return "all";
  const json* lb = find_load_balancer(env, scope, id);
  if (!lb || lb->value("Type", "") != "application")
    throw AwsError("InvalidTarget",
                   "The target '" + id + "' is not an existing Application Load Balancer");
  if (lb->value("VpcId", "") != vpc)
    throw AwsError("InvalidTarget", "The Application Load Balancer '" + id +
                                        "' is not in the target group VPC '" + vpc + "'");
  std::int64_t port = td.value("Port", tg.value("Port", std::int64_t{0}));
  bool listening = false;
  for (auto& [a, l] : env.store.list(scope, kListenerKind))
    listening = listening || (l->value("LoadBalancerArn", "") == id &&
                              l->value("Port", std::int64_t{0}) == port);
  if (!listening)
    throw AwsError("InvalidTarget", "The Application Load Balancer '" + id +
                                        "' has no listener on port " + std::to_string(port));
  return "all";
}

std::optional<std::int64_t> wanted_port(const json& tg, const json& td) {
  if (tg.value("TargetType", "") == "lambda") return std::nullopt;
  if (td.contains("Port")) return td["Port"].get<std::int64_t>();
  return tg.value("Port", std::int64_t{0});
}

std::int64_t deregistration_delay_ms(const json& tg) {
  auto defs = attributes::target_group(tg.value("Protocol", ""), tg.value("TargetType", ""));
  std::string v = attributes::value(defs, tg.value("_attributes", json::object()),
                                    "deregistration_delay.timeout_seconds");
  return v.empty() ? 0 : std::stoll(v) * 1000;
}

// ---- the operations, on Env + scope so that ECS shares them ----

void register_targets(Env& env, const std::string& scope, const std::string& tg_arn,
                      const json& targets) {
  json& tg = *env.store.get_mut(scope, kTargetGroupKind, tg_arn);
  if (!tg["_targets"].is_array()) tg["_targets"] = json::array();
  std::string type = tg.value("TargetType", "instance");
  bool checks_enabled = tg.value("HealthCheckEnabled", true);
  Usage usage = usage_of(env, scope, tg_arn);
  remember_node_zones(tg, usage);
  HealthChanges changes;
  std::size_t index = 0;
  for (auto& td : targets) {
    ++index;
    std::string zone = check_target(env, scope, tg, td, index, true);
    std::string id = td.value("Id", "");
    auto port = wanted_port(tg, td);
    if (auto i = index_of(tg, id, port)) {
      json& t = tg["_targets"][*i];
      // Registering a draining target again cancels its deregistration.
      auto current = settled(t, env.clock.now());
      if (current && current->state != health::kDraining) continue;
      transition(env, scope, tg, t, health::on_registered(service(usage, zone), checks_enabled),
                 changes);
      continue;
    }
    if ((type == "lambda" || type == "alb") && !tg["_targets"].empty())
      throw AwsError("TooManyTargets",
                     "A target group of target type '" + type + "' can have only one target");
    if (tg["_targets"].size() >= kMaxTargetsPerGroup)
      throw AwsError("TooManyTargets",
                     "You've reached the limit on the number of targets per target group");
    json t = {{"Id", id}, {"_zone", zone}, {"_registered_at", env.clock.now()}};
    if (port) t["Port"] = *port;
    if (td.contains("AvailabilityZone")) t["AvailabilityZone"] = td["AvailabilityZone"];
    tg["_targets"].push_back(std::move(t));
    json& added = tg["_targets"].back();
    transition(env, scope, tg, added, health::on_registered(service(usage, zone), checks_enabled),
               changes);
  }
  notify(env, changes);
}

void deregister_targets(Env& env, const std::string& scope, const std::string& tg_arn,
                        const json& targets) {
  const json& view = *env.store.get(scope, kTargetGroupKind, tg_arn);
  std::size_t index = 0;
  for (auto& td : targets) check_target(env, scope, view, td, ++index, false);
  json& tg = *env.store.get_mut(scope, kTargetGroupKind, tg_arn);
  std::int64_t delay = deregistration_delay_ms(tg);
  HealthChanges changes;
  for (auto& td : targets) {
    auto i = index_of(tg, td.value("Id", ""), wanted_port(tg, td));
    if (!i) continue;  // deregistering a target that is not registered succeeds
    json& t = tg["_targets"][*i];
    auto current = settled(t, env.clock.now());
    if (current && current->state == health::kDraining) continue;
    if (!current || !health::drains_on_deregistration(*current) || delay == 0) {
      if (current) target_removed(env, scope, tg, t, changes, "Target deregistered");
      tg["_targets"].erase(*i);
      continue;
    }
    // Draining targets get no health checks; new requests no longer reach them.
    transition(env, scope, tg, t, health::on_deregistered(), changes);
    std::int64_t until = env.clock.now() + delay;
    t["_until"] = until;
    schedule_removal(env, scope, tg_arn, t, until);
  }
  notify(env, changes);
}

json health_description(const json& tg, const json& target, const Status& s,
                        bool anomaly_detection) {
  // Built member by member: DescribeTargetHealth is polled (Terraform, the ECS scheduler's
  // callers, dashboards), and nlohmann's initializer lists copy every value they hold.
  static const json kNoOverride = {{"State", "no_override"},
                                   {"Reason", "AdministrativeOverride.NoOverride"},
                                   {"Description", "No override is currently active on target"}};
  static const json kNormal = {{"Result", "normal"}, {"MitigationInEffect", "no"}};
  json d = json::object();
  json& out_target = d["Target"];
  out_target["Id"] = target.value("Id", "");
  auto port = target.find("Port");
  if (port != target.end()) out_target["Port"] = *port;
  auto az = target.find("AvailabilityZone");
  if (az != target.end()) out_target["AvailabilityZone"] = *az;
  json& th = d["TargetHealth"];
  th["State"] = s.state;
  if (!s.reason.empty()) th["Reason"] = s.reason;
  if (!s.description.empty()) th["Description"] = s.description;
  d["AdministrativeOverride"] = kNoOverride;
  auto hc_port = tg.find("HealthCheckPort");
  if (hc_port != tg.end()) {
    const std::string& hc = hc_port->get_ref<const std::string&>();
    d["HealthCheckPort"] = hc == "traffic-port" && port != target.end()
                               ? std::to_string(port->get<std::int64_t>())
                               : hc;
  }
  if (anomaly_detection) d["AnomalyDetection"] = kNormal;
  return d;
}

json register_targets_op(Call& c) {
  std::string tg_arn = c.input.value("TargetGroupArn", "");
  target_group(c, tg_arn);
  register_targets(c.env, c.scope(), tg_arn, c.input["Targets"]);
  return json::object();
}

json deregister_targets_op(Call& c) {
  std::string tg_arn = c.input.value("TargetGroupArn", "");
  target_group(c, tg_arn);
  deregister_targets(c.env, c.scope(), tg_arn, c.input["Targets"]);
  return json::object();
}

json describe_target_health(Call& c) {
  std::string tg_arn = c.input.value("TargetGroupArn", "");
  const json& tg = target_group(c, tg_arn);
  bool anomaly = false;
  for (auto& inc : c.input.value("Include", json::array()))
    anomaly = anomaly || inc == "AnomalyDetection" || inc == "All";
  if (anomaly) {
    auto defs = attributes::target_group(tg.value("Protocol", ""), tg.value("TargetType", ""));
    anomaly = attributes::value(defs, tg.value("_attributes", json::object()),
                                "load_balancing.algorithm.type") == "weighted_random";
  }
  json out = json::array();
  std::int64_t now = c.now();
  if (c.input.contains("Targets") && !c.input["Targets"].empty()) {
    std::size_t index = 0;
    for (auto& td : c.input["Targets"]) {
      check_target(c.env, c.scope(), tg, td, ++index, false);
      std::string id = td.value("Id", "");
      bool found = false;
      for (auto& t : tg.at("_targets")) {
        if (t.value("Id", "") != id) continue;
        if (td.contains("Port") && port_of(t) != td["Port"].get<std::int64_t>()) continue;
        auto s = settled(t, now);
        if (!s) continue;
        out.push_back(health_description(tg, t, *s, anomaly));
        found = true;
      }
      if (!found) {
        json t = {{"Id", id}};
        if (auto port = wanted_port(tg, td)) t["Port"] = *port;
        if (td.contains("AvailabilityZone")) t["AvailabilityZone"] = td["AvailabilityZone"];
        out.push_back(health_description(tg, t, health::not_registered(), anomaly));
      }
    }
  } else {
    for (auto& t : tg.at("_targets"))
      if (auto s = settled(t, now)) out.push_back(health_description(tg, t, *s, anomaly));
  }
  json result = json::object();
  result["TargetHealthDescriptions"] = std::move(out);
  return result;
}

}  // namespace

void sync_target_group(Env& env, const std::string& scope, const std::string& tg_arn) {
  if (!env.store.get(scope, kTargetGroupKind, tg_arn)) return;
  json& tg = *env.store.get_mut(scope, kTargetGroupKind, tg_arn);
  if (!tg["_targets"].is_array()) return;
  bool checks_enabled = tg.value("HealthCheckEnabled", true);
  Usage usage = usage_of(env, scope, tg_arn);
  remember_node_zones(tg, usage);
  HealthChanges changes;
  for (auto& t : tg.at("_targets")) {
    Status next = health::on_service_changed(status_of(t), service(usage, t.value("_zone", "")),
                                             checks_enabled);
    transition(env, scope, tg, t, next, changes);
  }
  notify(env, changes);
}

void register_target_ops(Registry& r) {
  r.add("elbv2", "RegisterTargets", register_targets_op);
  r.add("elbv2", "DeregisterTargets", deregister_targets_op);
  r.add("elbv2", "DescribeTargetHealth", describe_target_health);
}

void resume_simulation(Env& env) {
  auto& resumed = env.volatile_counters["elbv2/resumed"];
  if (resumed) return;
  resumed = 1;
  // Scopes come from a hash map: sorted, so events are scheduled in the same order every time.
  auto scopes = env.store.scopes(kTargetGroupKind);
  std::sort(scopes.begin(), scopes.end());
  std::int64_t now = env.clock.now();
  for (auto& scope : scopes)
    for (auto& [tg_arn, tg] : env.store.list(scope, kTargetGroupKind)) {
      auto targets = tg->find("_targets");
      if (targets == tg->end() || !targets->is_array()) continue;
      for (std::size_t i = 0; i < targets->size(); ++i) {
        const json& t = (*targets)[i];
        if (t.contains("_loop")) resume_health_checks(env, scope, tg_arn, t, i);
        if (t.value("_state", "") == health::kDraining && t.contains("_until"))
          schedule_removal(env, scope, tg_arn, t, std::max(now, t["_until"].get<std::int64_t>()));
      }
    }
}

void register_ip_target(Env& env, const std::string& scope, const std::string& target_group_arn,
                        const std::string& ip, int port) {
  resume_simulation(env);
  if (!find_target_group(env, scope, target_group_arn))
    throw AwsError("TargetGroupNotFound", "Target groups '" + target_group_arn + "' not found");
  register_targets(env, scope, target_group_arn, json::array({{{"Id", ip}, {"Port", port}}}));
}

void deregister_ip_target(Env& env, const std::string& scope, const std::string& target_group_arn,
                          const std::string& ip, int port) {
  resume_simulation(env);
  // A task stopping after its target group was deleted has nothing left to deregister.
  if (!find_target_group(env, scope, target_group_arn)) return;
  deregister_targets(env, scope, target_group_arn, json::array({{{"Id", ip}, {"Port", port}}}));
}

std::optional<std::string> target_state(const Env& env, const std::string& scope,
                                        const std::string& target_group_arn, const std::string& ip,
                                        int port) {
  const json* tg = find_target_group(env, scope, target_group_arn);
  if (!tg) return std::nullopt;
  auto i = index_of(*tg, ip, port);
  if (!i) return std::nullopt;
  auto s = settled((*tg)["_targets"][*i], env.clock.now());
  if (!s) return std::nullopt;
  return s->state;
}

TargetStates target_states(const Env& env, const std::string& scope,
                           const std::string& target_group_arn) {
  TargetStates out;
  const json* tg = find_target_group(env, scope, target_group_arn);
  if (!tg) return out;
  for (auto& t : (*tg)["_targets"]) {
    auto port = port_of(t);
    if (!port) continue;  // target_state asks with a port
    auto s = settled(t, env.clock.now());
    // The first target of an (ip, port) answers, as index_of finds it.
    out.emplace(std::make_pair(t.value("Id", ""), *port),
                s ? std::optional<std::string>(s->state) : std::nullopt);
  }
  return out;
}

}  // namespace zonesim::elbv2
