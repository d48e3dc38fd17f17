// Operations on an existing DB instance: ModifyDBInstance, RebootDBInstance, StartDBInstance,
// StopDBInstance.
#include <algorithm>
#include <cmath>

#include "services/rds/availability.hpp"
#include "services/rds/catalog.hpp"
#include "services/rds/common.hpp"
#include "services/rds/handlers.hpp"
#include "services/rds/instance_settings.hpp"
#include "services/rds/lifecycle.hpp"
#include "services/rds/rules.hpp"
#include "services/rds/snapshots.hpp"
#include "services/rds/windows.hpp"

namespace zonesim::rds {

namespace {

[[noreturn]] void not_available() {
  throw AwsError("InvalidDBInstanceState", "Database instance is not in available state.");
}

// Position of a version in the catalogue (ascending within an engine).
std::ptrdiff_t version_rank(const catalog::Version& v) {
  auto& all = catalog::versions();
  return std::find_if(all.begin(), all.end(), [&](auto& x) { return &x == &v; }) - all.begin();
}

// The storage a modification asks for: AWS rounds an increase below 10% up to 10%, and keeps
// provisioned IOPS / throughput that the new configuration still allows.
rules::Storage requested_storage(const catalog::Engine& engine, const json& inst, const json& in) {
  const std::int64_t current = inst["AllocatedStorage"];
  const std::string current_type = inst["StorageType"];
  std::int64_t allocated = in.value("AllocatedStorage", current);
  if (allocated < current)
    invalid_value("Invalid storage size: the allocated storage cannot be reduced from " +
                  std::to_string(current) + " GiB to " + std::to_string(allocated) + " GiB.");
  if (allocated > current) {
    auto minimum = static_cast<std::int64_t>(std::ceil(static_cast<double>(current) * 1.1));
    allocated = std::max(allocated, minimum);
  }
  std::string type = in.value("StorageType", current_type);
  auto keep = [&](const char* k) -> std::optional<std::int64_t> {
    if (in.contains(k)) return in[k].get<std::int64_t>();
    if (type != current_type || !inst.contains(k)) return std::nullopt;
    if (type == "gp3" &&
        (current < rules::kGp3BaselineLimitGib || allocated < rules::kGp3BaselineLimitGib))
      return std::nullopt;  // baseline values follow the size
    return inst[k].get<std::int64_t>();
  };
  return rules::check_storage(engine, type, allocated, keep("Iops"), keep("StorageThroughput"));
}

}  // namespace

json modify_db_instance(Call& call) {
  const json& in = call.input;
  Env& env = call.env;
  const std::string scope = call.scope();
  const sim::Millis now = call.now();
  json& inst = instance_for_update(call, in["DBInstanceIdentifier"]);
  const std::string id = inst["DBInstanceIdentifier"];
  if (inst["DBInstanceStatus"] != "available") not_available();
  const catalog::Engine& engine = *catalog::find_engine(inst["Engine"]);
  const catalog::Version& current_version =
      *catalog::resolve_version(engine.name, inst["EngineVersion"]);
  const bool apply_now = in.value("ApplyImmediately", false);

  if (in.contains("NewDBInstanceIdentifier") &&
      lower(in["NewDBInstanceIdentifier"].get<std::string>()) != id)
    throw AwsError("NotImplemented", "zonesim does not implement renaming DB instances yet", 501,
                   false);
  if (in.contains("DBSubnetGroupName") &&
      lower(in["DBSubnetGroupName"].get<std::string>()) != inst["_SubnetGroup"])
    throw AwsError("NotImplemented",
                   "zonesim does not implement moving a DB instance to another DB subnet group",
                   501, false);
  if (in.value("ManageMasterUserPassword", false))
    throw AwsError("NotImplemented",
                   "zonesim does not emulate Secrets Manager: ManageMasterUserPassword is not "
                   "supported",
                   501, false);

  // Changes that wait for the maintenance window unless ApplyImmediately.
  json deferred = json::object();
  const catalog::Version* version = &current_version;
  if (in.contains("EngineVersion")) {
    version = &rules::check_version(engine, in["EngineVersion"]);
    if (version->version != current_version.version) {
      if (version_rank(*version) < version_rank(current_version))
        invalid_combination("Cannot upgrade " + engine.name + " from " + current_version.version +
                            " to " + version->version);
      if (version->major != current_version.major && !in.value("AllowMajorVersionUpgrade", false))
        invalid_combination(
            "The AllowMajorVersionUpgrade flag must be present when upgrading to "
            "a new major version.");
      deferred["EngineVersion"] = version->version;
    }
  }
  if (in.contains("DBInstanceClass") && in["DBInstanceClass"] != inst["DBInstanceClass"]) {
    rules::check_class(*version, in["DBInstanceClass"]);
    deferred["DBInstanceClass"] = in["DBInstanceClass"];
  }
  if (in.contains("AllocatedStorage") || in.contains("StorageType") || in.contains("Iops") ||
      in.contains("StorageThroughput")) {
    rules::Storage s = requested_storage(engine, inst, in);
    json wanted = json::object();
    rules::write_storage(wanted, s);
    bool differs = false;
    for (const char* k : {"AllocatedStorage", "StorageType", "Iops", "StorageThroughput"})
      differs = differs || wanted.value(k, json()) != inst.value(k, json());
    if (differs)
      for (const char* k : {"AllocatedStorage", "StorageType", "Iops", "StorageThroughput"})
        deferred[k] = wanted.value(k, json());
  }
  if (in.contains("MultiAZ") && in["MultiAZ"] != inst["MultiAZ"])
    deferred["MultiAZ"] = in["MultiAZ"];
  if (in.contains("CACertificateIdentifier")) {
    rules::check_ca(in["CACertificateIdentifier"]);
    if (in["CACertificateIdentifier"] != inst["CACertificateIdentifier"])
      deferred["CACertificateIdentifier"] = in["CACertificateIdentifier"];
  }

  // Changes applied as soon as possible whatever ApplyImmediately says.
  json immediate = json::object();
  bool changed = false;
  if (in.contains("BackupRetentionPeriod")) {
    std::int64_t days = in["BackupRetentionPeriod"], before = inst["BackupRetentionPeriod"];
    rules::check_retention(days);
    if ((days == 0) != (before == 0))
      deferred["BackupRetentionPeriod"] = days;  // enabling/disabling backups is an outage
    else if (days != before) {
      inst["BackupRetentionPeriod"] = days;
      changed = true;
    }
  }
  if (in.contains("PreferredBackupWindow") || in.contains("PreferredMaintenanceWindow")) {
    windows::Daily b = windows::validate_backup(
        in.value("PreferredBackupWindow", inst["PreferredBackupWindow"].get<std::string>()));
    windows::Weekly m = windows::validate_maintenance(in.value(
        "PreferredMaintenanceWindow", inst["PreferredMaintenanceWindow"].get<std::string>()));
    windows::check_no_overlap(b, m);
    if (windows::format(b) != inst["PreferredBackupWindow"] ||
        windows::format(m) != inst["PreferredMaintenanceWindow"])
      changed = true;
    inst["PreferredBackupWindow"] = windows::format(b);
    inst["PreferredMaintenanceWindow"] = windows::format(m);
  }
  if (in.contains("MasterUserPassword")) {
    rules::check_password(engine, in["MasterUserPassword"]);
    inst["_PasswordPending"] = true;
    changed = true;
  }
  if (in.contains("DBPortNumber")) {
    rules::check_port(in["DBPortNumber"]);
    if (in["DBPortNumber"] != inst["_Port"]) immediate["DBPortNumber"] = in["DBPortNumber"];
  }
  if (in.contains("VpcSecurityGroupIds")) {
    json groups =
        settings::check_security_groups(env, scope, inst["_VpcId"], in["VpcSecurityGroupIds"]);
    changed = changed || groups != inst["VpcSecurityGroups"];
    inst["VpcSecurityGroups"] = groups;
  }
  if (in.contains("DBParameterGroupName")) {
    std::string g = settings::check_parameter_group(*version, in["DBParameterGroupName"]);
    inst["DBParameterGroups"] =
        json::array({{{"DBParameterGroupName", g}, {"ParameterApplyStatus", "in-sync"}}});
  }
  if (in.contains("OptionGroupName")) {
    std::string g = settings::check_option_group(*version, in["OptionGroupName"]);
    inst["OptionGroupMemberships"] = json::array({{{"OptionGroupName", g}, {"Status", "in-sync"}}});
  }
  if (in.contains("CloudwatchLogsExportConfiguration")) {
    const json& c = in["CloudwatchLogsExportConfiguration"];
    json exports = settings::check_log_exports(
        engine, current_version, inst.value("EnabledCloudwatchLogsExports", json::array()),
        c.value("EnableLogTypes", json()), c.value("DisableLogTypes", json()));
    if (exports.empty())
      inst.erase("EnabledCloudwatchLogsExports");
    else
      inst["EnabledCloudwatchLogsExports"] = exports;
    changed = true;
  }
  if (in.contains("MaxAllocatedStorage")) {
    if (in["MaxAllocatedStorage"].get<std::int64_t>() <=
        in.value("AllocatedStorage", inst["AllocatedStorage"].get<std::int64_t>()))
      invalid_combination("Max storage size must be greater than storage size.");
    inst["MaxAllocatedStorage"] = in["MaxAllocatedStorage"];
  }
  struct Flag {
    const char* input;
    const char* member;
  };
  for (Flag f : {Flag{"DeletionProtection", "DeletionProtection"},
                 Flag{"CopyTagsToSnapshot", "CopyTagsToSnapshot"},
                 Flag{"AutoMinorVersionUpgrade", "AutoMinorVersionUpgrade"},
                 Flag{"PubliclyAccessible", "PubliclyAccessible"},
                 Flag{"EnableIAMDatabaseAuthentication", "IAMDatabaseAuthenticationEnabled"},
                 Flag{"DatabaseInsightsMode", "DatabaseInsightsMode"}})
    if (in.contains(f.input) && in[f.input] != inst[f.member]) {
      inst[f.member] = in[f.input];
      changed = true;
    }
  settings::apply_monitoring(scope, inst, in, false);
  settings::apply_performance_insights(env, scope, inst, in,
                                       deferred.value("DBInstanceClass", inst["DBInstanceClass"]));

  // Hand over to the lifecycle.
  json applying = immediate;
  if (apply_now) {
    const json waiting = inst.value("_Deferred", json::object());
    for (auto& [k, v] : waiting.items())
      if (!applying.contains(k)) applying[k] = v;
    for (auto& [k, v] : deferred.items()) applying[k] = v;
    inst.erase("_Deferred");
  } else if (!deferred.empty()) {
    json pending = inst.value("_Deferred", json::object());
    for (auto& [k, v] : deferred.items()) pending[k] = v;
    inst["_Deferred"] = pending;
  }
  lifecycle::schedule_maintenance(env, scope, inst);
  if (!applying.empty() || changed) lifecycle::begin_modifications(env, scope, inst, applying, now);
  json response = instance_view(env, scope, inst);
  lifecycle::run_due(env, scope, id);
  return {{"DBInstance", response}};
}

json reboot_db_instance(Call& call) {
  Env& env = call.env;
  const std::string scope = call.scope();
  json& inst = instance_for_update(call, call.input["DBInstanceIdentifier"]);
  const std::string id = inst["DBInstanceIdentifier"];
  if (inst["DBInstanceStatus"] != "available") not_available();
  if (call.input.value("ForceFailover", false)) {
    availability::force_failover(env, scope, inst, call.now());
  } else {
    lifecycle::transition(env, scope, inst, "rebooting", lifecycle::Step::rebooted, call.now(),
                          lifecycle::profile(env).reboot);
  }
  json response = instance_view(env, scope, inst);
  lifecycle::run_due(env, scope, id);
  return {{"DBInstance", response}};
}

json stop_db_instance(Call& call) {
  Env& env = call.env;
  const std::string scope = call.scope();
  json& inst = instance_for_update(call, call.input["DBInstanceIdentifier"]);
  const std::string id = inst["DBInstanceIdentifier"];
  if (inst["DBInstanceStatus"] != "available")
    throw AwsError("InvalidDBInstanceState", "Instance " + id + " is not in available state.");
  if (call.input.contains("DBSnapshotIdentifier")) {
    std::string snapshot = call.input["DBSnapshotIdentifier"];
    rules::check_identifier("DBSnapshotIdentifier", snapshot, rules::kMaxSnapshotIdentifier);
    snapshots::begin_manual(env, scope, inst, lower(snapshot), call.now());
    inst["_Snapshot"] = lower(snapshot);
  }
  lifecycle::transition(env, scope, inst, "stopping", lifecycle::Step::stopped, call.now(),
                        lifecycle::profile(env).stop);
  json response = instance_view(env, scope, inst);
  lifecycle::run_due(env, scope, id);
  return {{"DBInstance", response}};
}

json start_db_instance(Call& call) {
  Env& env = call.env;
  const std::string scope = call.scope();
  json& inst = instance_for_update(call, call.input["DBInstanceIdentifier"]);
  const std::string id = inst["DBInstanceIdentifier"];
  if (inst["DBInstanceStatus"] != "stopped")
    throw AwsError("InvalidDBInstanceState",
                   "Instance " + id + " is not stopped, it cannot be started.");
  lifecycle::transition(env, scope, inst, "starting", lifecycle::Step::started, call.now(),
                        lifecycle::profile(env).start);
  json response = instance_view(env, scope, inst);
  lifecycle::run_due(env, scope, id);
  return {{"DBInstance", response}};
}

}  // namespace zonesim::rds
