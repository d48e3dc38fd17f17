#include "emulator/sim/zones.hpp"

#include <algorithm>

#include "emulator/core/aws_error.hpp"
#include "emulator/sim/timeline.hpp"

namespace zonesim::sim {

namespace {
// zones_scope, built once per region and thread: the zone lookups run for every probe and plan.
const std::string& scope_of(const Env& env) {
  thread_local std::string region, scope;
  if (scope.empty() || region != env.config.region) {
    region = env.config.region;
    scope = "_sim/" + region;
  }
  return scope;
}
}  // namespace

std::string zones_scope(const Env& env) {
  return scope_of(env);
}

std::size_t faulted_zones(const Env& env) {
  // A zone's document exists only while it has a fault.
  return env.store.count(scope_of(env), "zone");
}

bool zone_exists(const Env& env, const std::string& zone) {
  auto zones = env.config.zones_or_default();
  return std::find(zones.begin(), zones.end(), zone) != zones.end();
}

std::string zone_state(const Env& env, const std::string& zone) {
  const json* z = env.store.get(scope_of(env), "zone", zone);
  return z ? z->value("state", "up") : "up";
}

bool zone_powered(const Env& env, const std::string& zone) {
  return zone_state(env, zone) != "power";
}

bool zones_connected(const Env& env, const std::string& from, const std::string& to) {
  std::string a = from.empty() ? "up" : zone_state(env, from);
  std::string b = to.empty() ? "up" : zone_state(env, to);
  if (a == "power" || b == "power") return false;
  if (from == to) return true;
  return a != "network" && b != "network";
}

json zones_json(const Env& env) {
  json out = json::array();
  for (auto& zone : env.config.zones_or_default()) {
    const json* z = env.store.get(zones_scope(env), "zone", zone);
    json v = z ? *z : json{{"state", "up"}};
    v.erase("_restore_event");
    v["zone"] = zone;
    out.push_back(v);
  }
  return out;
}

void fail_zone(Env& env, const std::string& zone, const ZoneFault& fault) {
  if (!zone_exists(env, zone))
    throw AwsError("InvalidZone", "zone '" + zone + "' is not one of this region's zones", 404);
  if (fault.kind != "power" && fault.kind != "network" && fault.kind != "degraded")
    throw AwsError("InvalidFault",
                   "fault kind must be power, network or degraded, not '" + fault.kind + "'");
  if (fault.duration_ms && *fault.duration_ms <= 0)
    throw AwsError("InvalidFault", "duration must be positive");
  if (fault.loss_rate < 0 || fault.loss_rate > 1)
    throw AwsError("InvalidFault", "loss rate must be between 0 and 1");
  if (fault.latency_ms < 0 || fault.latency_ms > kMaxFaultLatencyMs)
    throw AwsError("InvalidFault", "latency must be between 0 and " +
                                       std::to_string(static_cast<int>(kMaxFaultLatencyMs)) +
                                       " ms");
  std::string before = zone_state(env, zone);
  if (before != "up") restore_zone(env, zone);  // one fault at a time: the new one replaces it
  Millis now = env.clock.now();
  json doc = {{"state", fault.kind}, {"since_ms", now}};
  if (fault.kind == "degraded") {
    doc["latency_ms"] = fault.latency_ms;
    doc["loss_rate"] = fault.loss_rate;
  }
  if (fault.duration_ms) {
    Millis until = now + *fault.duration_ms;
    doc["until_ms"] = until;
    // The restore is identified by its start time, so a later fault's restore is not undone.
    doc["_restore_event"] = env.clock.schedule_at(until, "zone-restore " + zone, [&env, zone, now] {
      const json* z = env.store.get(zones_scope(env), "zone", zone);
      if (z && z->value("since_ms", Millis{-1}) == now) restore_zone(env, zone);
    });
  }
  env.store.put(zones_scope(env), "zone", zone, doc);
  record(env,
         Change{zone, "zone", zone, "up", fault.kind,
                fault.duration_ms ? "fault for " + std::to_string(*fault.duration_ms / 1000) + " s"
                                  : "fault until restored"});
  for (auto& listener : env.hooks.zone_changed) listener(env, zone, "up", fault.kind);
}

void restore_zone(Env& env, const std::string& zone) {
  if (!zone_exists(env, zone))
    throw AwsError("InvalidZone", "zone '" + zone + "' is not one of this region's zones", 404);
  std::string before = zone_state(env, zone);
  if (before == "up") return;
  env.store.erase(zones_scope(env), "zone", zone);
  record(env, Change{zone, "zone", zone, before, "up", "restored"});
  for (auto& listener : env.hooks.zone_changed) listener(env, zone, before, "up");
}

}  // namespace zonesim::sim
