// Load balancer nodes: one per enabled zone (its network interface is in the zone's subnet). A
// node answers clients while its zone has power and is reachable from outside the region; clients
// keep resolving a node that went down until the DNS TTL has passed, and get a restored node back
// at once.
#include <algorithm>

#include "emulator/sim/timeline.hpp"
#include "emulator/sim/zones.hpp"
#include "services/elbv2/common.hpp"
#include "services/elbv2/routing.hpp"
#include "services/elbv2/simulation.hpp"

namespace zonesim::elbv2 {

namespace {

std::string node_resource(const json& lb, const std::string& zone) {
  return lb.value("LoadBalancerName", "") + "/node/" + zone;
}

std::string fault_reason(const std::string& zone_state) {
  if (zone_state == "power") return "zone power loss";
  if (zone_state == "network") return "zone network partition";
  return "zone " + zone_state;
}

}  // namespace

std::string node_state(const Env& env, const std::string& zone) {
  return sim::zones_connected(env, zone, "") ? kNodeActive : kNodeDown;
}

void node_created(Env& env, const json& lb, json& node, const std::string& zone,
                  const std::string& why) {
  std::string state = node_state(env, zone);
  node["ZoneName"] = zone;
  node["State"] = state;
  // A node created in a failed zone was never in DNS.
  if (state == kNodeDown) node["DownAt"] = env.clock.now() - kDnsTtlMs;
  sim::record(env, sim::Change{zone, "elbv2", node_resource(lb, zone), "", state, why});
}

void node_deleted(Env& env, const json& lb, const json& node, const std::string& why) {
  std::string zone = node.value("ZoneName", "");
  sim::record(
      env, sim::Change{zone, "elbv2", node_resource(lb, zone), node.value("State", ""), "", why});
}

void on_zone_changed(Env& env, const std::string& zone, const std::string&, const std::string& to) {
  resume_simulation(env);
  std::string state = node_state(env, zone);
  std::string why = to == "up" ? "zone restored" : fault_reason(to);
  // Scopes come from a hash map: sort them so the timeline's order is the same on every run.
  auto scopes = env.store.scopes(kLoadBalancerKind);
  std::sort(scopes.begin(), scopes.end());
  for (auto& scope : scopes) {
    for (auto& [arn, view] : env.store.list(scope, kLoadBalancerKind)) {
      const json& nodes = view->value("_nodes", json::array());
      for (std::size_t i = 0; i < nodes.size(); ++i) {
        if (nodes[i].value("ZoneName", "") != zone) continue;
        std::string from = nodes[i].value("State", kNodeActive);
        if (from == state) continue;
        json& lb = *env.store.get_mut(scope, kLoadBalancerKind, arn);
        json& node = lb["_nodes"][i];
        node["State"] = state;
        if (state == kNodeDown)
          node["DownAt"] = env.clock.now();
        else
          node.erase("DownAt");
        sim::record(env, sim::Change{zone, "elbv2", node_resource(lb, zone), from, state, why});
      }
    }
  }
}

bool any_zone_fault(const Env& env) {
  return sim::faulted_zones(env) > 0;
}

Degradation degradation(const Env& env, const std::string& zone) {
  const json* z = env.store.get(sim::zones_scope(env), "zone", zone);
  if (!z || z->value("state", "up") != "degraded") return {};
  return {z->value("latency_ms", 0.0), z->value("loss_rate", 0.0)};
}

bool lost(Env& env, double loss_rate) {
  if (loss_rate <= 0) return false;
  if (loss_rate >= 1) return true;
  constexpr std::uint64_t kScale = 1'000'000;
  return static_cast<double>(env.rng.below(kScale)) < loss_rate * kScale;
}

bool load_balancer_active(const json& lb, sim::Millis now) {
  return lb["State"].value("Code", "") == "active" || lb.value("_active_at", INT64_MAX) <= now;
}

std::vector<DnsNode> dns_nodes(const json& lb) {
  std::vector<DnsNode> out;
  auto nodes = lb.find("_nodes");
  if (nodes == lb.end()) return out;
  for (auto& node : *nodes)
    out.push_back({node.value("ZoneName", ""), node.value("State", kNodeActive) == kNodeActive,
                   node.value("DownAt", std::int64_t{0})});
  return out;
}

std::vector<std::string> resolvable_nodes(const Env& env, const std::string& scope,
                                          const std::string& load_balancer_arn) {
  std::vector<std::string> out;
  const json* lb = find_load_balancer(env, scope, load_balancer_arn);
  // The DNS name resolves once the load balancer is active.
  sim::Millis now = env.clock.now();
  if (!lb || !load_balancer_active(*lb, now)) return out;
  for (auto& node : dns_nodes(*lb))
    if (node.resolvable(now)) out.push_back(node.zone);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace zonesim::elbv2
