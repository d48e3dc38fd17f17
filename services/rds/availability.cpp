#include "services/rds/availability.hpp"

#include <algorithm>

#include "emulator/core/aws_error.hpp"
#include "emulator/sim/timeline.hpp"
#include "emulator/sim/zones.hpp"
#include "services/rds/common.hpp"
#include "services/rds/events.hpp"
#include "services/rds/lifecycle.hpp"

namespace zonesim::rds::availability {

namespace {

using events::Id;
using lifecycle::Step;

constexpr const char* kSim = "_sim";
// Statuses in which clients can connect (besides "configuring-*"). Not: creating, rebooting,
// upgrading (the engine restarts), stopping/stopped/starting, deleting, failed, incompatible-*.
constexpr std::string_view kConnectable[] = {"available",         "backing-up",
                                             "modifying",         "maintenance",
                                             "storage-full",      "storage-optimization",
                                             "renaming",          "moving-to-vpc",
                                             "converting-to-vpc", "resetting-master-credentials"};
// Statuses whose engine is down although the instance exists (no zone failure can make it
// worse): clients cannot connect, and RDS does not react to a zone's loss.
constexpr std::string_view kNotRunning[] = {"creating",
                                            "deleting",
                                            "stopping",
                                            "stopped",
                                            "starting",
                                            "failed",
                                            "incompatible-network",
                                            "incompatible-restore",
                                            "incompatible-parameters",
                                            "inaccessible-encryption-credentials",
                                            "insufficient-capacity"};

std::string id_of(const json& inst) {
  return inst["DBInstanceIdentifier"].get<std::string>();
}
std::string site_zone(const json& inst, const char* site) {
  auto it = inst.find(site);
  return it != inst.end() && it->is_object() ? it->value("Zone", "") : std::string();
}
std::string primary_zone(const json& inst) {
  return site_zone(inst, "_Primary");
}
bool has_standby(const json& inst) {
  return inst.contains("_Standby") && inst["_Standby"].is_object();
}
std::string standby_zone(const json& inst) {
  return site_zone(inst, "_Standby");
}

json& state(json& inst) {
  if (!inst.contains(kSim)) init(inst);  // documents written before the simulation existed
  return inst[kSim];
}
std::uint64_t writes(const json& s, const char* copy) {
  return s["Writes"][copy].get<std::uint64_t>();
}

const char* cause_name(Cause c) {
  switch (c) {
    case Cause::user:
      return "user";
    case Cause::power:
      return "power";
    case Cause::network:
      return "network";
  }
  return "user";
}
Cause cause_from(const std::string& name) {
  if (name == "power") return Cause::power;
  if (name == "network") return Cause::network;
  return Cause::user;
}

void note(Env& env, const json& inst, const std::string& zone, const std::string& from,
          const std::string& to, const std::string& reason) {
  sim::record(env, sim::Change{zone, "rds", id_of(inst), from, to, reason});
}

// "primary eu-central-1a", "primary eu-central-1a down", "primary eu-central-1a unreachable".
std::string primary_label(const std::string& zone, const std::string& condition) {
  return condition == "up" ? "primary " + zone : "primary " + zone + " " + condition;
}

void set_primary(Env& env, json& inst, const std::string& condition, const std::string& reason) {
  json& s = state(inst);
  std::string before = s.value("Primary", "up");
  if (before == condition) return;
  s["Primary"] = condition;
  const std::string zone = primary_zone(inst);
  note(env, inst, zone, primary_label(zone, before), primary_label(zone, condition), reason);
}

// "standby eu-central-1b in-sync" / "lost" / "rebuilding"; "standby none" for Single-AZ.
std::string standby_label(const std::string& zone, const std::string& standby) {
  return standby == "none" ? "standby none" : "standby " + zone + " " + standby;
}

// `from_zone`: where the standby was before, when this change moves it (a failover).
void set_standby(Env& env, json& inst, const std::string& standby, const std::string& reason,
                 const std::string& from_zone = "") {
  json& s = state(inst);
  std::string before = s.value("Standby", "none");
  const std::string zone = standby_zone(inst);
  const std::string was = from_zone.empty() ? zone : from_zone;
  if (before == standby && was == zone) return;
  s["Standby"] = standby;
  note(env, inst, zone, standby_label(was, before), standby_label(zone, standby), reason);
}

std::string fault_reason(const std::string& zone, const std::string& kind) {
  return kind == "power" ? "zone " + zone + " lost power"
                         : "zone " + zone + " is partitioned from the region";
}

// RDS's control plane (outside every zone) promotes the standby only when it is in sync, running
// and reachable.
bool can_fail_over(const Env& env, json& inst) {
  if (!has_standby(inst) || state(inst).value("Standby", "") != "in-sync") return false;
  const std::string zone = standby_zone(inst);
  return sim::zone_powered(env, zone) && sim::zones_connected(env, "", zone);
}

// A failover or a recovery takes the instance over: the step under way pauses and resumes after
// it (a reboot is dropped: the engine restarts anyway).
void interrupt(json& inst, sim::Millis at) {
  if (!inst.contains("_Transition")) return;
  json t = inst["_Transition"];
  inst.erase("_Transition");
  Step step = lifecycle::step_from(t["Step"].get<std::string>());
  if (step == Step::rebooted || step == Step::failed_over || step == Step::recovered) return;
  state(inst)["Resume"] = {
      {"Step", t["Step"]},
      {"Status", inst["DBInstanceStatus"]},
      {"Remaining", std::max<sim::Millis>(0, t["At"].get<sim::Millis>() - at)}};
}

void resume_or_available(Env& env, const std::string& scope, json& inst, sim::Millis at,
                         const std::string& reason) {
  json& s = state(inst);
  if (s.contains("Resume")) {
    json r = s["Resume"];
    s.erase("Resume");
    lifecycle::transition(env, scope, inst, r["Status"].get<std::string>(),
                          lifecycle::step_from(r["Step"].get<std::string>()), at,
                          r["Remaining"].get<sim::Millis>());
    return;
  }
  lifecycle::set_status(env, scope, inst, "available", at, std::nullopt, reason);
}

void schedule_detection(Env& env, const std::string& scope, json& inst, const std::string& kind,
                        sim::Millis at) {
  json& s = state(inst);
  sim::Millis due = at + env.timing.draw("rds.failure.detection", env.rng);
  s["DetectAt"] = due;
  s["DetectCause"] = kind;
  lifecycle::wake_up_at(env, scope, id_of(inst), due, "failure detection");
}

void start_restart(Env& env, const std::string& scope, json& inst, sim::Millis at) {
  state(inst)["Recovery"] = "restarting";
  lifecycle::schedule_step(env, scope, inst, Step::recovered,
                           at + env.timing.draw("rds.reboot", env.rng));
}

// The primary's host is gone and no standby can take over: RDS recovers the instance in place
// once the zone is back (its storage is zonal EBS: nothing acknowledged is lost).
void begin_recovery(Env& env, const std::string& scope, json& inst, sim::Millis at) {
  interrupt(inst, at);
  state(inst)["Recovery"] = "waiting";
  lifecycle::set_status(env, scope, inst, "rebooting", at, Id::recovery_started);
  if (sim::zone_powered(env, primary_zone(inst))) start_restart(env, scope, inst, at);
}

void detect(Env& env, const std::string& scope, json& inst, sim::Millis at) {
  json& s = state(inst);
  s.erase("DetectAt");
  s.erase("DetectCause");
  if (!running_status(inst["DBInstanceStatus"].get<std::string>()) || s.contains("Failover") ||
      s.contains("Recovery"))
    return;
  const bool dead = s.value("Primary", "up") == "down";
  const bool unreachable = !sim::zones_connected(env, "", primary_zone(inst));
  if (!dead && !unreachable) return;  // healed before RDS acted
  if (can_fail_over(env, inst))
    begin_failover(env, scope, inst, at, dead ? Cause::power : Cause::network);
  else if (dead)
    begin_recovery(env, scope, inst, at);
  // Alive but cut off, with nothing to fail over to: it keeps serving its own zone.
}

void rebuilt(Env& env, const std::string& scope, json& inst, sim::Millis at) {
  json& s = state(inst);
  s.erase("RebuildAt");
  if (s.value("Standby", "") != "rebuilding") return;
  const std::string pz = primary_zone(inst), sz = standby_zone(inst);
  if (s.value("Primary", "up") != "up" || !sim::zone_powered(env, sz) ||
      !sim::zones_connected(env, pz, sz)) {
    set_standby(env, inst, "lost", "the rebuild was interrupted");
    return;
  }
  s["Writes"]["Standby"] = writes(s, "Primary");
  set_standby(env, inst, "in-sync", "rebuilt from the primary");
  events::record(env, scope, Id::standby_recovery_completed, id_of(inst), at);
}

void on_fault(Env& env, const std::string& scope, json& inst, const std::string& zone,
              const std::string& kind, sim::Millis at) {
  json& s = state(inst);
  const std::string reason = fault_reason(zone, kind);
  const bool running = running_status(inst["DBInstanceStatus"].get<std::string>());
  if (primary_zone(inst) == zone) {
    if (kind == "power")
      set_primary(env, inst, "down", reason);
    else if (s.value("Primary", "up") == "up")
      set_primary(env, inst, "unreachable", reason);
    if (running) {
      if (s.contains("Recovery")) {
        if (kind == "power" && s["Recovery"] == "restarting") {
          inst.erase("_Transition");
          s["Recovery"] = "waiting";
        }
      } else if (!s.contains("Failover") && !s.contains("DetectAt")) {
        schedule_detection(env, scope, inst, kind, at);
      }
    }
  }
  if (has_standby(inst) && standby_zone(inst) == zone) {
    std::string st = s.value("Standby", "");
    if (st == "in-sync" || st == "rebuilding") {
      s.erase("RebuildAt");
      set_standby(env, inst, "lost", reason);
    }
  }
}

void on_restore(Env& env, const std::string& scope, json& inst, const std::string& zone,
                sim::Millis at) {
  json& s = state(inst);
  if (primary_zone(inst) == zone) {
    const std::string reason = "zone " + zone + " restored";
    if (s.contains("Recovery")) {
      if (s["Recovery"] == "waiting") start_restart(env, scope, inst, at);
    } else if (s.contains("DetectAt")) {
      // A partition that healed before RDS acted: nothing to fail over. (After a power loss the
      // engine crashed: detection goes on to a failover or a recovery.)
      if (s.value("DetectCause", "") == "network" && s.value("Primary", "up") == "unreachable") {
        s.erase("DetectAt");
        s.erase("DetectCause");
        set_primary(env, inst, "up", reason);
      }
    } else if (!s.contains("Failover")) {
      set_primary(env, inst, "up", reason);
    }
    // What the isolated primary acknowledged alone never reached the standby.
    if (s.value("Primary", "up") == "up" && s.value("Standby", "") == "in-sync" &&
        writes(s, "Primary") != writes(s, "Standby"))
      set_standby(env, inst, "lost", "the standby missed writes the isolated primary acknowledged");
  }
  settle(env, scope, inst, at);
}

}  // namespace

void init(json& instance) {
  json s = {{"Writes", {{"Primary", 0}, {"Standby", 0}}}, {"LostWrites", 0}, {"Primary", "up"}};
  if (has_standby(instance)) s["Standby"] = "in-sync";
  instance[kSim] = s;
}

void announce(Env& env, json& instance) {
  json& s = state(instance);
  const std::string pz = primary_zone(instance);
  note(env, instance, pz, "", primary_label(pz, s.value("Primary", "up")), "DB instance created");
  if (has_standby(instance)) {
    const std::string sz = standby_zone(instance);
    note(env, instance, sz, "", standby_label(sz, s.value("Standby", "in-sync")),
         "DB instance created");
  }
}

bool connectable_status(std::string_view status) {
  if (status == "available") return true;
  if (status.substr(0, 12) == "configuring-") return true;
  return std::find(std::begin(kConnectable), std::end(kConnectable), status) !=
         std::end(kConnectable);
}

bool running_status(std::string_view status) {
  return std::find(std::begin(kNotRunning), std::end(kNotRunning), status) == std::end(kNotRunning);
}

void force_failover(Env& env, const std::string& scope, json& instance, sim::Millis at) {
  if (instance["DBInstanceStatus"] != "available")
    throw AwsError("InvalidDBInstanceState", "Database instance is not in available state.");
  if (!instance["MultiAZ"].get<bool>())
    invalid_combination(
        "Cannot perform a forced failover on a DB instance that is not configured for "
        "Multi-AZ.");
  if (!can_fail_over(env, instance))
    throw AwsError("InvalidDBInstanceState", "Cannot perform a forced failover on DB instance " +
                                                 id_of(instance) + ": its standby is " +
                                                 state(instance).value("Standby", "lost") +
                                                 ", not in sync.");
  begin_failover(env, scope, instance, at, Cause::user);
}

void begin_failover(Env& env, const std::string& scope, json& instance, sim::Millis at,
                    Cause cause) {
  json& s = state(instance);
  interrupt(instance, at);
  s.erase("DetectAt");
  s.erase("DetectCause");
  s["Failover"] = cause_name(cause);
  lifecycle::transition(env, scope, instance, "rebooting", Step::failed_over, at,
                        env.timing.draw("rds.failure.failover", env.rng), Id::failover_started);
}

void finish_failover(Env& env, const std::string& scope, json& instance, sim::Millis at) {
  json& s = state(instance);
  const Cause cause = cause_from(s.value("Failover", "user"));
  s.erase("Failover");
  const std::string id = id_of(instance);
  if (!can_fail_over(env, instance)) {
    // The standby was lost while the failover ran.
    if (s.value("Primary", "up") == "up") {
      events::record(env, scope, Id::failover_partial_recovered, id, at);
      resume_or_available(env, scope, instance, at, "the standby was lost: failover abandoned");
    } else {
      begin_recovery(env, scope, instance, at);
    }
    return;
  }
  const std::string old_zone = primary_zone(instance), new_zone = standby_zone(instance);
  const std::uint64_t p = writes(s, "Primary"), sb = writes(s, "Standby");
  const std::uint64_t lost = p > sb ? p - sb : 0;
  s["LostWrites"] = s.value("LostWrites", std::uint64_t{0}) + lost;
  std::swap(instance["_Primary"], instance["_Standby"]);
  instance["AvailabilityZone"] = new_zone;
  instance["SecondaryAvailabilityZone"] = old_zone;
  s["Writes"] = {{"Primary", sb}, {"Standby", p}};
  const std::string old_condition = s.value("Primary", "up");
  s["Primary"] = "up";
  note(env, instance, new_zone, primary_label(old_zone, old_condition),
       primary_label(new_zone, "up"),
       std::string("Multi-AZ failover (") + cause_name(cause) +
           "); acknowledged writes lost: " + std::to_string(lost));
  // The former primary becomes the standby: in sync only if it is healthy and holds nothing the
  // new primary lacks.
  bool in_sync = old_condition == "up" && sim::zone_powered(env, old_zone) &&
                 sim::zones_connected(env, new_zone, old_zone) && p == sb;
  set_standby(env, instance, in_sync ? "in-sync" : "lost",
              in_sync ? "the former primary"
                      : "the former primary is " +
                            (old_condition == "up" ? std::string("out of sync") : old_condition),
              new_zone);
  events::record(env, scope, Id::instance_restarted, id, at);
  events::record(env, scope, Id::failover_completed, id, at);
  events::record(env, scope,
                 cause == Cause::user    ? Id::failover_requested
                 : cause == Cause::power ? Id::failover_primary_unhealthy
                                         : Id::failover_primary_unreachable,
                 id, at);
  resume_or_available(env, scope, instance, at, "Multi-AZ failover completed");
  settle(env, scope, instance, at);
}

void finish_recovery(Env& env, const std::string& scope, json& instance, sim::Millis at) {
  json& s = state(instance);
  const std::string zone = primary_zone(instance);
  if (!sim::zone_powered(env, zone)) {
    s["Recovery"] = "waiting";
    return;
  }
  s.erase("Recovery");
  const std::string id = id_of(instance);
  events::record(env, scope, Id::instance_restarted, id, at);
  events::record(env, scope, Id::recovery_completed, id, at);
  const bool reachable = sim::zones_connected(env, "", zone);
  set_primary(env, instance, reachable ? "up" : "unreachable", "recovered in place");
  resume_or_available(env, scope, instance, at, "recovered in place");
  if (!reachable) schedule_detection(env, scope, instance, "network", at);
  settle(env, scope, instance, at);
}

sim::Millis next_due(const json& instance) {
  auto it = instance.find(kSim);
  if (it == instance.end()) return -1;
  sim::Millis due = -1;
  for (const char* k : {"DetectAt", "RebuildAt"})
    if (it->contains(k)) {
      sim::Millis at = (*it)[k].get<sim::Millis>();
      if (due < 0 || at < due) due = at;
    }
  return due;
}

void run_due_event(Env& env, const std::string& scope, json& instance, sim::Millis at) {
  json& s = state(instance);
  if (s.contains("DetectAt") && s["DetectAt"].get<sim::Millis>() == at)
    detect(env, scope, instance, at);
  else if (s.contains("RebuildAt") && s["RebuildAt"].get<sim::Millis>() == at)
    rebuilt(env, scope, instance, at);
}

void settle(Env& env, const std::string& scope, json& instance, sim::Millis at) {
  json& s = state(instance);
  if (!running_status(instance["DBInstanceStatus"].get<std::string>()) || s.contains("Failover") ||
      s.contains("Recovery"))
    return;
  // Running with its primary's zone failed but nothing under way (it was stopped or being
  // created when the zone failed): RDS notices now.
  const std::string primary = s.value("Primary", "up");
  if (primary != "up" && !s.contains("DetectAt"))
    schedule_detection(env, scope, instance, primary == "down" ? "power" : "network", at);
  if (!has_standby(instance) || s.value("Standby", "") != "lost" || primary != "up") return;
  const std::string pz = primary_zone(instance), sz = standby_zone(instance);
  if (!sim::zone_powered(env, sz) || !sim::zones_connected(env, pz, sz)) return;
  sim::Millis due = at + env.timing.draw("rds.standby_rebuild", env.rng);
  s["RebuildAt"] = due;
  set_standby(env, instance, "rebuilding", "zone " + sz + " is available again");
  events::record(env, scope, Id::standby_recovery_started, id_of(instance), at);
  lifecycle::wake_up_at(env, scope, id_of(instance), due, "standby rebuild");
}

void standby_added(Env& env, json& instance) {
  json& s = state(instance);
  s["Writes"]["Standby"] = writes(s, "Primary");
  const std::string sz = standby_zone(instance);
  bool healthy =
      sim::zone_powered(env, sz) && sim::zones_connected(env, primary_zone(instance), sz);
  set_standby(env, instance, healthy ? "in-sync" : "lost", "converted to Multi-AZ");
}

void standby_removed(Env& env, json& instance) {
  json& s = state(instance);
  s.erase("RebuildAt");
  if (s.contains("Standby")) {
    const std::string zone = instance.value("SecondaryAvailabilityZone", "");
    note(env, instance, zone, standby_label(zone, s["Standby"].get<std::string>()), "standby none",
         "converted to Single-AZ");
    s.erase("Standby");
  }
  s["Writes"]["Standby"] = 0;
}

void on_zone_changed(Env& env, const std::string& zone, const std::string& from,
                     const std::string& to) {
  // Added latency does not change what RDS does.
  const bool fault = to == "power" || to == "network";
  const bool restore = to == "up" && (from == "power" || from == "network");
  if (!fault && !restore) return;
  for (const std::string& scope : env.store.scopes(kInstance)) {
    std::vector<std::string> ids;
    for (auto& [id, inst] : env.store.list(scope, kInstance))
      if (primary_zone(*inst) == zone || standby_zone(*inst) == zone) ids.push_back(id);
    for (const std::string& id : ids) {
      lifecycle::run_due(env, scope, id);  // up to now before reacting
      json* inst = env.store.get_mut(scope, kInstance, id);
      if (!inst || (*inst)["DBInstanceStatus"] == "deleting") continue;
      if (fault)
        on_fault(env, scope, *inst, zone, to, env.clock.now());
      else
        on_restore(env, scope, *inst, zone, env.clock.now());
      lifecycle::run_due(env, scope, id);  // what became due at once (instant profile)
    }
  }
}

json failover_fault(Env& env, const json& body) {
  if (!body.contains("db_instance") || !body["db_instance"].is_string() ||
      body["db_instance"].get<std::string>().empty())
    throw AwsError("InvalidRequest", "'db_instance' (a DB instance identifier) is required");
  const std::string requested = body["db_instance"].get<std::string>();
  const std::string id = id_from_name_or_arn(requested, "db");
  // The default account's instance first; then any other account's, in scope order.
  std::vector<std::string> scopes = env.store.scopes(kInstance);
  const std::string preferred = env.config.default_account + "/" + env.config.region;
  std::stable_partition(scopes.begin(), scopes.end(),
                        [&](const std::string& s) { return s == preferred; });
  std::string scope;
  for (auto& s : scopes)
    if (env.store.get(s, kInstance, id)) {
      scope = s;
      break;
    }
  if (scope.empty()) instance_not_found(requested);
  lifecycle::run_due(env, scope, id);
  json* inst = env.store.get_mut(scope, kInstance, id);
  if (!inst) instance_not_found(requested);
  const std::string from_zone = primary_zone(*inst), to_zone = standby_zone(*inst);
  force_failover(env, scope, *inst, env.clock.now());
  json out = {{"db_instance", id},
              {"status", (*inst)["DBInstanceStatus"]},
              {"from_zone", from_zone},
              {"to_zone", to_zone},
              {"completes_at_ms", (*inst)["_Transition"]["At"]}};
  lifecycle::run_due(env, scope, id);
  return out;
}

}  // namespace zonesim::rds::availability
