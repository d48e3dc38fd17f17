#include "services/rds/lifecycle.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "emulator/sim/timeline.hpp"
#include "services/rds/availability.hpp"
#include "services/rds/catalog.hpp"
#include "services/rds/common.hpp"
#include "services/rds/placement.hpp"
#include "services/rds/rules.hpp"
#include "services/rds/snapshots.hpp"
#include "services/rds/windows.hpp"

namespace zonesim::rds::lifecycle {

namespace {

using events::Id;
constexpr sim::Millis kSecond = 1000, kMinute = 60 * kSecond;
// Steps one run may apply (a chain is at most a handful long; this only stops a bug looping).
constexpr int kMaxStepsPerRun = 64;
constexpr sim::Millis kCertificateValidityMs = 365LL * 24 * 3600 * 1000;

struct StepName {
  Step step;
  const char* name;
};
constexpr StepName kStepNames[] = {
    {Step::created, "created"},         {Step::backed_up, "backed-up"},
    {Step::modified, "modified"},       {Step::rebooted, "rebooted"},
    {Step::failed_over, "failed-over"}, {Step::recovered, "recovered"},
    {Step::stopped, "stopped"},         {Step::auto_start, "auto-start"},
    {Step::started, "started"},         {Step::deleted, "deleted"},
};

std::string id_of(const json& inst) {
  return inst["DBInstanceIdentifier"].get<std::string>();
}

const json& subnet_group_of(const Env& env, const std::string& scope, const json& inst) {
  const json* g = env.store.get(scope, kSubnetGroup, inst["_SubnetGroup"].get<std::string>());
  if (!g) throw std::logic_error("rds: instance without its subnet group");
  return *g;
}

std::vector<std::string> security_groups_of(const json& inst) {
  std::vector<std::string> ids;
  for (auto& m : inst["VpcSecurityGroups"])
    ids.push_back(m["VpcSecurityGroupId"].get<std::string>());
  return ids;
}

void backup_or_available(Env& env, const std::string& scope, json& inst, sim::Millis at) {
  if (inst["BackupRetentionPeriod"].get<std::int64_t>() > 0)
    transition(env, scope, inst, "backing-up", Step::backed_up, at, profile(env).backing_up,
               Id::backup_started);
  else
    set_status(env, scope, inst, "available", at);
}

// PendingModifiedValues shows what waits for the maintenance window ("_Deferred") and what is
// being applied ("_Applying"), with the password masked.
void refresh_pending(json& inst) {
  json p = json::object();
  for (const char* src : {"_Deferred", "_Applying"})
    if (inst.contains(src))
      for (auto& [k, v] : inst[src].items()) {
        if (v.is_null()) continue;
        p[k == "DBPortNumber" ? "Port" : k] = v;
      }
  if (inst.value("_PasswordPending", false)) p["MasterUserPassword"] = "****";
  inst["PendingModifiedValues"] = p;
}

bool changes_storage(const json& changes) {
  for (const char* k : {"AllocatedStorage", "StorageType", "Iops", "StorageThroughput"})
    if (changes.contains(k)) return true;
  return false;
}

void convert_multi_az(Env& env, const std::string& scope, json& inst, bool multi_az,
                      sim::Millis at) {
  if (multi_az == inst["MultiAZ"].get<bool>()) return;
  if (multi_az) {
    const json& group = subnet_group_of(env, scope, inst);
    std::string zone = placement::pick_zone(env, group, inst["_Primary"]["Zone"]);
    inst["_Standby"] = placement::occupy(env, scope, group, zone, security_groups_of(inst));
    inst["SecondaryAvailabilityZone"] = zone;
    inst["MultiAZ"] = true;
    availability::standby_added(env, inst);
    events::record(env, scope, Id::converted_to_multi_az, id_of(inst), at);
  } else {
    availability::standby_removed(env, inst);
    placement::release(env, scope, inst["_Standby"]);
    inst.erase("_Standby");
    inst.erase("SecondaryAvailabilityZone");
    inst["MultiAZ"] = false;
    events::record(env, scope, Id::converted_to_single_az, id_of(inst), at);
  }
}

void apply_modifications(Env& env, const std::string& scope, json& inst, sim::Millis at) {
  json changes = inst.value("_Applying", json::object());
  inst.erase("_Applying");
  const std::string id = id_of(inst);
  bool backups_turned_on = false;
  if (changes.contains("DBInstanceClass")) {
    inst["DBInstanceClass"] = changes["DBInstanceClass"];
    events::record(env, scope, Id::class_changed, id, at);
  }
  if (changes_storage(changes)) {
    for (const char* k : {"AllocatedStorage", "StorageType", "Iops", "StorageThroughput"})
      if (changes.contains(k)) {
        if (changes[k].is_null())
          inst.erase(k);
        else
          inst[k] = changes[k];
      }
    events::record(env, scope, Id::storage_changed, id, at);
  }
  if (changes.contains("MultiAZ"))
    convert_multi_az(env, scope, inst, changes["MultiAZ"].get<bool>(), at);
  if (changes.contains("EngineVersion")) {
    const catalog::Version* v =
        catalog::resolve_version(inst["Engine"], changes["EngineVersion"].get<std::string>());
    inst["EngineVersion"] = v->version;
    inst["DBParameterGroups"] =
        json::array({{{"DBParameterGroupName", catalog::default_parameter_group(*v)},
                      {"ParameterApplyStatus", "in-sync"}}});
    inst["OptionGroupMemberships"] = json::array(
        {{{"OptionGroupName", catalog::default_option_group(*v)}, {"Status", "in-sync"}}});
    events::record(env, scope, Id::engine_upgraded, id, at);
  }
  if (changes.contains("BackupRetentionPeriod")) {
    std::int64_t before = inst["BackupRetentionPeriod"].get<std::int64_t>();
    std::int64_t after = changes["BackupRetentionPeriod"].get<std::int64_t>();
    inst["BackupRetentionPeriod"] = after;
    if (before == 0 && after > 0) {
      events::record(env, scope, Id::backups_enabled, id, at);
      backups_turned_on = true;
    } else if (before > 0 && after == 0) {
      events::record(env, scope, Id::backups_disabled, id, at);
    }
  }
  if (changes.contains("CACertificateIdentifier")) {
    inst["CACertificateIdentifier"] = changes["CACertificateIdentifier"];
    inst["CertificateDetails"] = {{"CAIdentifier", changes["CACertificateIdentifier"]},
                                  {"ValidTill", at + kCertificateValidityMs}};
  }
  if (changes.contains("DBPortNumber")) {
    inst["_Port"] = changes["DBPortNumber"];
    if (inst.contains("Endpoint")) inst["Endpoint"]["Port"] = changes["DBPortNumber"];
    events::record(env, scope, Id::instance_restarted, id, at);
  }
  if (inst.value("_PasswordPending", false)) {
    inst.erase("_PasswordPending");
    events::record(env, scope, Id::master_password_reset, id, at);
  }
  refresh_pending(inst);
  if (backups_turned_on)
    backup_or_available(env, scope, inst, at);
  else
    set_status(env, scope, inst, "available", at);
}

void finish_delete(Env& env, const std::string& scope, const std::string& id, sim::Millis at) {
  json inst = *env.store.get(scope, kInstance, id);
  if (inst.contains("_Snapshot")) snapshots::finish(env, scope, inst["_Snapshot"], at);
  placement::release(env, scope, inst.value("_Primary", json()));
  placement::release(env, scope, inst.value("_Standby", json()));
  if (inst.value("_DeleteAutomatedBackups", true)) snapshots::delete_automated(env, scope, id);
  env.store.erase(scope, kInstance, id);
  events::record(env, scope, Id::instance_deleted, id, at);
}

void run_step(Env& env, const std::string& scope, json& inst, Step step, sim::Millis at) {
  const Profile& p = profile(env);
  const std::string id = id_of(inst);
  switch (step) {
    case Step::created:
      inst["InstanceCreateTime"] = at;
      publish_endpoint(env, scope, inst);
      availability::announce(env, inst);
      inst.erase("_PasswordPending");
      refresh_pending(inst);
      events::record(env, scope, Id::instance_created, id, at);
      backup_or_available(env, scope, inst, at);
      return;
    case Step::backed_up:
      if (!inst.contains("_FirstBackupAt")) inst["_FirstBackupAt"] = at;
      snapshots::take_automated(env, scope, inst, at);
      set_status(env, scope, inst, "available", at, Id::backup_finished);
      return;
    case Step::modified:
      apply_modifications(env, scope, inst, at);
      return;
    case Step::rebooted:
      set_status(env, scope, inst, "available", at, Id::instance_restarted);
      return;
    case Step::failed_over:
      availability::finish_failover(env, scope, inst, at);
      return;
    case Step::recovered:
      availability::finish_recovery(env, scope, inst, at);
      return;
    case Step::stopped:
      if (inst.contains("_Snapshot")) {
        snapshots::finish(env, scope, inst["_Snapshot"], at);
        inst.erase("_Snapshot");
      }
      set_status(env, scope, inst, "stopped", at, Id::instance_stopped);
      schedule_step(env, scope, inst, Step::auto_start, at + kMaxStoppedMs);
      return;
    case Step::auto_start:
      transition(env, scope, inst, "starting", Step::started, at, p.start,
                 Id::instance_auto_starting);
      return;
    case Step::started:
      set_status(env, scope, inst, "available", at, Id::instance_started);
      return;
    case Step::deleted:
      break;  // run_due handles it: the document goes away
  }
}

}  // namespace

const Profile& profile(const Env& env) {
  static const Profile kInstant{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  // Typical durations seen on AWS for small instances.
  static const Profile kRealistic{
      .create_single_az = 5 * kMinute,
      .create_multi_az = 12 * kMinute,
      .backing_up = 1 * kMinute,
      .modify = 1 * kMinute,
      .modify_class = 8 * kMinute,
      .convert_multi_az = 15 * kMinute,
      .modify_storage = 5 * kMinute,
      .reboot = 45 * kSecond,
      .stop = 2 * kMinute,
      .start = 4 * kMinute,
      .delete_ = 3 * kMinute,
  };
  return env.config.timing == "realistic" ? kRealistic : kInstant;
}

const char* step_name(Step s) {
  for (auto& n : kStepNames)
    if (n.step == s) return n.name;
  return "?";
}
Step step_from(const std::string& name) {
  for (auto& n : kStepNames)
    if (name == n.name) return n.step;
  throw std::logic_error("rds: unknown lifecycle step " + name);
}

void wake_up_at(Env& env, const std::string& scope, const std::string& id, sim::Millis at,
                const std::string& what) {
  if (at <= env.clock.now()) return;  // run_due picks it up in this same run
  env.clock.schedule_at(at, "rds " + id + " " + what,
                        [&env, scope, id] { run_due(env, scope, id); });
}

void schedule_step(Env& env, const std::string& scope, json& instance, Step next, sim::Millis at) {
  instance["_Transition"] = {{"Step", step_name(next)}, {"At", at}};
  wake_up_at(env, scope, id_of(instance), at, step_name(next));
}

void set_status(Env& env, const std::string& scope, json& instance, const std::string& status,
                sim::Millis at, std::optional<events::Id> event, const std::string& reason) {
  const std::string before = instance.value("DBInstanceStatus", "");
  instance["DBInstanceStatus"] = status;
  if (event) events::record(env, scope, *event, id_of(instance), at);
  if (before == status) return;
  spdlog::debug("rds {}: {} -> {}", id_of(instance), before, status);
  const std::string zone =
      instance.contains("_Primary") ? instance["_Primary"].value("Zone", "") : std::string();
  sim::record(env, sim::Change{zone, "rds", id_of(instance), before, status,
                               event ? std::string(events::def(*event).message) : reason});
}

void transition(Env& env, const std::string& scope, json& instance, const std::string& status,
                Step next, sim::Millis at, sim::Millis delay, std::optional<events::Id> event) {
  set_status(env, scope, instance, status, at, event);
  schedule_step(env, scope, instance, next, at + delay);
}

void begin_modifications(Env& env, const std::string& scope, json& instance, const json& changes,
                         sim::Millis at) {
  const Profile& p = profile(env);
  const std::string id = id_of(instance);
  json applying = instance.value("_Applying", json::object());
  sim::Millis delay = p.modify;
  for (auto& [k, v] : changes.items()) applying[k] = v;
  if (changes.contains("DBInstanceClass")) {
    events::record(env, scope, Id::class_changing, id, at);
    delay = std::max(delay, p.modify_class);
  }
  if (changes_storage(changes)) {
    events::record(env, scope, Id::storage_changing, id, at);
    delay = std::max(delay, p.modify_storage);
  }
  if (changes.contains("MultiAZ") && changes["MultiAZ"] != instance["MultiAZ"]) {
    events::record(
        env, scope,
        changes["MultiAZ"].get<bool>() ? Id::converting_to_multi_az : Id::converting_to_single_az,
        id, at);
    delay = std::max(delay, p.convert_multi_az);
  }
  if (changes.contains("EngineVersion")) events::record(env, scope, Id::engine_upgrading, id, at);
  instance["_Applying"] = applying;
  refresh_pending(instance);
  transition(env, scope, instance, "modifying", Step::modified, at, delay);
}

void schedule_maintenance(Env& env, const std::string& scope, json& instance) {
  bool deferred = instance.contains("_Deferred") && !instance["_Deferred"].empty();
  refresh_pending(instance);
  if (!deferred) {
    instance.erase("_MaintenanceAt");
    return;
  }
  auto w = windows::parse_weekly(instance["PreferredMaintenanceWindow"].get<std::string>());
  sim::Millis at = windows::next_opening(*w, env.clock.now());
  instance["_MaintenanceAt"] = at;
  wake_up_at(env, scope, id_of(instance), at, "maintenance");
}

void run_due(Env& env, const std::string& scope, const std::string& id) {
  for (int i = 0; i < kMaxStepsPerRun; ++i) {
    const json* peek = env.store.get(scope, kInstance, id);
    if (!peek) return;
    const sim::Millis now = env.clock.now();
    // The earliest of what is due: the lifecycle step, failure detection or standby rebuild, the
    // maintenance window (which waits while a step is under way).
    enum class Next { none, step, availability, maintenance } next = Next::none;
    sim::Millis at = now + 1;
    auto consider = [&](Next what, sim::Millis when) {
      if (when >= 0 && when < at) {
        next = what;
        at = when;
      }
    };
    const bool stepping = peek->contains("_Transition");
    if (stepping) consider(Next::step, (*peek)["_Transition"]["At"].get<sim::Millis>());
    consider(Next::availability, availability::next_due(*peek));
    if (!stepping && peek->contains("_MaintenanceAt"))
      consider(Next::maintenance, (*peek)["_MaintenanceAt"].get<sim::Millis>());
    if (next == Next::none) return;
    json* inst = env.store.get_mut(scope, kInstance, id);
    if (next == Next::availability) {
      availability::run_due_event(env, scope, *inst, at);
      continue;
    }
    if (next == Next::step) {
      Step step = step_from((*inst)["_Transition"]["Step"].get<std::string>());
      inst->erase("_Transition");
      if (step == Step::deleted) {
        finish_delete(env, scope, id, at);
        return;
      }
      try {
        run_step(env, scope, *inst, step, at);
      } catch (const AwsError& e) {
        // The network could not take the change (no free address, subnet gone): RDS reports
        // such an instance as incompatible-network.
        spdlog::warn("rds {}: {} failed: {}", id, step_name(step), e.message());
        set_status(env, scope, *inst, "incompatible-network", at);
      }
      // A standby lost while the instance could not rebuild it (stopped, recovering...).
      availability::settle(env, scope, *inst, at);
      continue;
    }
    inst->erase("_MaintenanceAt");
    json deferred = inst->value("_Deferred", json::object());
    if (deferred.empty()) continue;
    if ((*inst)["DBInstanceStatus"] == "available") {
      inst->erase("_Deferred");
      begin_modifications(env, scope, *inst, deferred, at);
    } else {
      // Not available (stopped: the window is paused): wait for the next opening.
      auto w = windows::parse_weekly((*inst)["PreferredMaintenanceWindow"].get<std::string>());
      sim::Millis later = windows::next_opening(*w, now + w->minutes() * kMinute);
      (*inst)["_MaintenanceAt"] = later;
      wake_up_at(env, scope, id, later, "maintenance");
    }
  }
  spdlog::error("rds {}: more than {} lifecycle steps in one run", id, kMaxStepsPerRun);
}

void catch_up(Env& env, const std::string& scope) {
  const sim::Millis now = env.clock.now();
  std::vector<std::string> due;
  for (auto& [id, inst] : env.store.list(scope, kInstance)) {
    bool step_due =
        inst->contains("_Transition") && (*inst)["_Transition"]["At"].get<sim::Millis>() <= now;
    bool maintenance_due =
        inst->contains("_MaintenanceAt") && (*inst)["_MaintenanceAt"].get<sim::Millis>() <= now;
    sim::Millis availability_at = availability::next_due(*inst);
    bool availability_due = availability_at >= 0 && availability_at <= now;
    if (step_due || maintenance_due || availability_due) due.push_back(id);
  }
  for (auto& id : due) run_due(env, scope, id);
}

void publish_endpoint(Env& env, const std::string& scope, json& instance) {
  const std::string region = region_of(scope);
  instance["Endpoint"] = {{"Address", id_of(instance) + "." + endpoint_label(env, scope) + "." +
                                          region + ".rds.amazonaws.com"},
                          {"Port", instance["_Port"]},
                          {"HostedZoneId", catalog::hosted_zone_id(region)}};
  instance["AvailabilityZone"] = instance["_Primary"]["Zone"];
  if (instance.contains("_Standby"))
    instance["SecondaryAvailabilityZone"] = instance["_Standby"]["Zone"];
}

}  // namespace zonesim::rds::lifecycle
