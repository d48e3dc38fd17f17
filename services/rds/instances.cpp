// DB instances: CreateDBInstance, DescribeDBInstances, DeleteDBInstance and the instance view.
#include <algorithm>

#include "services/ec2/network.hpp"
#include "services/rds/availability.hpp"
#include "services/rds/catalog.hpp"
#include "services/rds/common.hpp"
#include "services/rds/handlers.hpp"
#include "services/rds/instance_settings.hpp"
#include "services/rds/lifecycle.hpp"
#include "services/rds/placement.hpp"
#include "services/rds/rules.hpp"
#include "services/rds/snapshots.hpp"
#include "services/rds/windows.hpp"

namespace zonesim::rds {

namespace {

constexpr sim::Millis kRestorableGranularityMs = 5 * 60 * 1000;
constexpr sim::Millis kCertificateValidityMs = 365LL * 24 * 3600 * 1000;

// Without DBSubnetGroupName RDS uses the "default" group of the default VPC.
const json& default_subnet_group(Call& call) {
  const std::string scope = call.scope();
  if (const json* g = call.env.store.get(scope, kSubnetGroup, "default")) return *g;
  std::string vpc_id;
  for (auto& [id, vpc] : call.env.store.list(scope, "vpc"))
    if (vpc->value("IsDefault", false)) vpc_id = id;
  if (vpc_id.empty())
    throw AwsError("InvalidVPCNetworkStateFault",
                   "No default VPC for this user. Specify a DBSubnetGroupName.");
  json subnets = json::array();
  std::set<std::string> zones;
  for (auto& [id, s] : call.env.store.list(scope, "subnet")) {
    auto info = ec2::find_subnet(call.env, scope, id);
    if (!info || info->vpc_id != vpc_id) continue;
    zones.insert(info->zone);
    subnets.push_back({{"SubnetIdentifier", id},
                       {"SubnetAvailabilityZone", {{"Name", info->zone}}},
                       {"SubnetOutpost", json::object()},
                       {"SubnetStatus", "Active"}});
  }
  if (zones.size() < 2)
    throw AwsError("DBSubnetGroupDoesNotCoverEnoughAZs",
                   "The DB subnet group doesn't meet Availability Zone (AZ) coverage "
                   "requirement. Add subnets to cover at least 2 AZs.");
  json group = {{"DBSubnetGroupName", "default"},
                {"DBSubnetGroupDescription", "default"},
                {"VpcId", vpc_id},
                {"SubnetGroupStatus", "Complete"},
                {"Subnets", subnets},
                {"DBSubnetGroupArn", arn(call, "subgrp", "default")},
                {"SupportedNetworkTypes", json::array({"IPV4"})},
                {"_TagList", json::array()}};
  return call.env.store.put(scope, kSubnetGroup, "default", std::move(group));
}

std::string resource_id(Env& env) {
  return "db-" + env.rng.chars(26, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");
}

}  // namespace

json instance_view(const Env& env, const std::string& scope, const json& instance) {
  json v = instance;
  if (const json* g =
          env.store.get(scope, kSubnetGroup, instance["_SubnetGroup"].get<std::string>()))
    v["DBSubnetGroup"] = subnet_group_view(*g, true);
  if (instance.contains("_FirstBackupAt") && instance["BackupRetentionPeriod"].get<int>() > 0) {
    sim::Millis now = env.clock.now();
    v["LatestRestorableTime"] = std::max(instance["_FirstBackupAt"].get<sim::Millis>(),
                                         now - now % kRestorableGranularityMs);
  }
  return v;
}

json& instance_for_update(Call& call, const std::string& name_or_arn) {
  json* inst =
      call.env.store.get_mut(call.scope(), kInstance, id_from_name_or_arn(name_or_arn, "db"));
  if (!inst) instance_not_found(name_or_arn);
  return *inst;
}

json create_db_instance(Call& call) {
  const json& in = call.input;
  Env& env = call.env;
  const std::string scope = call.scope();
  const sim::Millis now = call.now();

  std::string requested = in["DBInstanceIdentifier"];
  rules::check_identifier("DBInstanceIdentifier", requested, rules::kMaxInstanceIdentifier);
  const std::string id = lower(requested);
  if (in.contains("DBClusterIdentifier"))
    throw AwsError("DBClusterNotFoundFault",
                   "DBCluster " + in["DBClusterIdentifier"].get<std::string>() + " not found.",
                   404);
  const catalog::Engine& engine = rules::check_engine(lower(in["Engine"].get<std::string>()));
  if (env.store.get(scope, kInstance, id))
    throw AwsError("DBInstanceAlreadyExists", "DB instance already exists");
  const catalog::Version& version = rules::check_version(engine, in.value("EngineVersion", ""));
  const std::string instance_class = in["DBInstanceClass"];
  rules::check_class(version, instance_class);
  if (in.contains("LicenseModel") && in["LicenseModel"] != engine.license)
    invalid_combination(
        "RDS does not support creating a DB instance with the following "
        "combination: DBInstanceClass=" +
        instance_class + ", Engine=" + engine.name + ", EngineVersion=" + version.version +
        ", LicenseModel=" + in["LicenseModel"].get<std::string>() +
        ". For supported combinations of instance class and database engine "
        "version, see the documentation.");

  // Storage.
  if (!in.contains("AllocatedStorage"))
    invalid_value("The parameter AllocatedStorage must be provided and must not be blank.");
  std::string storage_type = in.value("StorageType", in.contains("Iops") ? "io1" : "gp3");
  auto opt = [&](const char* k) {
    return in.contains(k) ? std::optional<std::int64_t>(in[k].get<std::int64_t>()) : std::nullopt;
  };
  rules::Storage storage =
      rules::check_storage(engine, storage_type, in["AllocatedStorage"].get<std::int64_t>(),
                           opt("Iops"), opt("StorageThroughput"));
  if (in.contains("MaxAllocatedStorage") &&
      in["MaxAllocatedStorage"].get<std::int64_t>() <= storage.allocated)
    invalid_combination("Max storage size must be greater than storage size.");

  // Credentials and database.
  if (in.value("ManageMasterUserPassword", false))
    throw AwsError("NotImplemented",
                   "zonesim does not emulate Secrets Manager: ManageMasterUserPassword is not "
                   "supported",
                   501, false);
  rules::check_username(engine, in.value("MasterUsername", ""));
  rules::check_password(engine, in.value("MasterUserPassword", ""));
  if (in.contains("DBName")) rules::check_db_name(engine, in["DBName"]);

  // Backups and windows.
  std::int64_t retention = in.value("BackupRetentionPeriod", std::int64_t{1});
  rules::check_retention(retention);
  std::optional<windows::Daily> backup;
  std::optional<windows::Weekly> maintenance;
  if (in.contains("PreferredBackupWindow"))
    backup = windows::validate_backup(in["PreferredBackupWindow"]);
  if (in.contains("PreferredMaintenanceWindow"))
    maintenance = windows::validate_maintenance(in["PreferredMaintenanceWindow"]);
  if (backup && maintenance) windows::check_no_overlap(*backup, *maintenance);

  std::int64_t port = in.value("Port", std::int64_t{engine.port});
  rules::check_port(port);
  std::string ca = in.value("CACertificateIdentifier", catalog::kDefaultCaCertificate);
  rules::check_ca(ca);
  std::string parameter_group = settings::check_parameter_group(
      version, in.value("DBParameterGroupName", catalog::default_parameter_group(version)));
  std::string option_group = settings::check_option_group(
      version, in.value("OptionGroupName", catalog::default_option_group(version)));
  if (in.contains("DBSecurityGroups") && !in["DBSecurityGroups"].empty())
    throw AwsError(
        "DBSecurityGroupNotFound",
        "DBSecurityGroup " + in["DBSecurityGroups"][0].get<std::string>() + " not found.", 404);
  if (in.value("NetworkType", "IPV4") != "IPV4")
    throw AwsError("NetworkTypeNotSupported", "The network type " +
                                                  in["NetworkType"].get<std::string>() +
                                                  " is not supported by the DB subnet group.");
  json log_exports = settings::check_log_exports(
      engine, version, json::array(), in.value("EnableCloudwatchLogsExports", json()), json());

  // Network: subnet group, zones, security groups.
  std::string group_name = lower(in.value("DBSubnetGroupName", ""));
  const json* group_ptr;
  if (group_name.empty()) {
    group_ptr = &default_subnet_group(call);
    group_name = "default";
  } else {
    group_ptr = env.store.get(scope, kSubnetGroup, group_name);
    if (!group_ptr) subnet_group_not_found(in["DBSubnetGroupName"]);
  }
  const json group = *group_ptr;
  const std::string vpc_id = group["VpcId"];
  const bool multi_az = in.value("MultiAZ", false);
  if (multi_az && in.contains("AvailabilityZone"))
    invalid_combination(
        "Requesting a specific availability zone is not valid for Multi-AZ "
        "instances.");
  std::set<std::string> zones = placement::zones_of(group);
  std::string primary_zone;
  if (in.contains("AvailabilityZone")) {
    primary_zone = in["AvailabilityZone"];
    if (!zones.count(primary_zone))
      invalid_combination("The DB subnet group " + group_name +
                          " has no subnet in the availability zone " + primary_zone + ".");
  }
  json security_groups = settings::check_security_groups(
      env, scope, vpc_id, in.value("VpcSecurityGroupIds", json::array()));

  // Encryption and tags.
  const bool encrypted = in.value("StorageEncrypted", false);
  if (in.contains("KmsKeyId") && !encrypted)
    invalid_combination("Encryption key specified but StorageEncrypted is not set to true.");
  json tags = in.value("Tags", json::array());
  validate_tags(tags);
  json tag_list = json::array();
  merge_tags(tag_list, tags);

  // Every check passed: place the instance (network interfaces) and write it down.
  if (primary_zone.empty()) primary_zone = placement::pick_zone(env, group, "");
  std::vector<std::string> sg_ids;
  for (auto& m : security_groups) sg_ids.push_back(m["VpcSecurityGroupId"].get<std::string>());
  json primary = placement::occupy(env, scope, group, primary_zone, sg_ids);
  json standby;
  if (multi_az)
    standby = placement::occupy(env, scope, group, placement::pick_zone(env, group, primary_zone),
                                sg_ids);
  if (!backup)
    backup =
        windows::default_backup(env.rng, catalog::backup_block_start(call.region), maintenance);
  if (!maintenance)
    maintenance = windows::default_maintenance(
        env.rng, catalog::maintenance_block_start(call.region), *backup);
  windows::check_no_overlap(*backup, *maintenance);

  json inst = {
      {"DBInstanceIdentifier", id},
      {"DBInstanceClass", instance_class},
      {"Engine", engine.name},
      {"DBInstanceStatus", "creating"},
      {"MasterUsername", in["MasterUsername"]},
      {"PreferredBackupWindow", windows::format(*backup)},
      {"BackupRetentionPeriod", retention},
      {"DBSecurityGroups", json::array()},
      {"VpcSecurityGroups", security_groups},
      {"DBParameterGroups", json::array({{{"DBParameterGroupName", parameter_group},
                                          {"ParameterApplyStatus", "in-sync"}}})},
      {"PreferredMaintenanceWindow", windows::format(*maintenance)},
      {"PendingModifiedValues", {{"MasterUserPassword", "****"}}},
      {"MultiAZ", multi_az},
      {"EngineVersion", version.version},
      {"AutoMinorVersionUpgrade", in.value("AutoMinorVersionUpgrade", true)},
      {"ReadReplicaDBInstanceIdentifiers", json::array()},
      {"ReadReplicaDBClusterIdentifiers", json::array()},
      {"LicenseModel", engine.license},
      {"OptionGroupMemberships",
       json::array({{{"OptionGroupName", option_group}, {"Status", "in-sync"}}})},
      {"PubliclyAccessible", in.value("PubliclyAccessible", group_name == "default")},
      {"StorageEncrypted", encrypted},
      {"DbiResourceId", resource_id(env)},
      {"CACertificateIdentifier", ca},
      {"DomainMemberships", json::array()},
      {"CopyTagsToSnapshot", in.value("CopyTagsToSnapshot", false)},
      {"DbInstancePort", 0},
      {"DBInstanceArn", arn(call, "db", id)},
      {"IAMDatabaseAuthenticationEnabled", in.value("EnableIAMDatabaseAuthentication", false)},
      {"DatabaseInsightsMode", in.value("DatabaseInsightsMode", "standard")},
      {"DeletionProtection", in.value("DeletionProtection", false)},
      {"AssociatedRoles", json::array()},
      {"TagList", tag_list},
      {"CustomerOwnedIpEnabled", false},
      {"NetworkType", "IPV4"},
      {"ActivityStreamStatus", "stopped"},
      {"BackupTarget", "region"},
      {"CertificateDetails", {{"CAIdentifier", ca}, {"ValidTill", now + kCertificateValidityMs}}},
      {"DedicatedLogVolume", false},
      {"IsStorageConfigUpgradeAvailable", false},
      {"EngineLifecycleSupport",
       in.value("EngineLifecycleSupport", "open-source-rds-extended-support")},
      {"_SubnetGroup", group_name},
      {"_VpcId", vpc_id},
      {"_Port", port},
      {"_Primary", primary},
      {"_PasswordPending", true}};
  if (multi_az) inst["_Standby"] = standby;
  availability::init(inst);
  rules::write_storage(inst, storage);
  if (in.contains("MaxAllocatedStorage")) inst["MaxAllocatedStorage"] = in["MaxAllocatedStorage"];
  if (in.contains("DBName")) inst["DBName"] = in["DBName"];
  if (encrypted) inst["KmsKeyId"] = rules::resolve_kms_key(env, scope, in.value("KmsKeyId", ""));
  if (!log_exports.empty()) inst["EnabledCloudwatchLogsExports"] = log_exports;
  settings::apply_monitoring(scope, inst, in, true);
  settings::apply_performance_insights(env, scope, inst, in, instance_class);

  const auto& p = lifecycle::profile(env);
  lifecycle::transition(env, scope, inst, "creating", lifecycle::Step::created, now,
                        multi_az ? p.create_multi_az : p.create_single_az);
  env.store.put(scope, kInstance, id, inst);
  json response = instance_view(env, scope, inst);
  lifecycle::run_due(env, scope, id);  // instant profile: available now
  return {{"DBInstance", response}};
}

json describe_db_instances(Call& call) {
  const json& in = call.input;
  Filters f =
      parse_filters(in, {"db-cluster-id", "db-instance-id", "dbi-resource-id", "domain", "engine"});
  std::vector<std::pair<std::string, const json*>> found;
  if (in.contains("DBInstanceIdentifier")) {
    std::string requested = in["DBInstanceIdentifier"];
    std::string id = id_from_name_or_arn(requested, "db");
    const json* inst = call.env.store.get(call.scope(), kInstance, id);
    if (!inst) instance_not_found(requested);
    found.emplace_back(id, inst);
  } else {
    found = call.env.store.list(call.scope(), kInstance);
  }
  std::vector<std::string> ids;
  if (auto* v = f.find("db-instance-id"))
    for (auto& s : *v) ids.push_back(id_from_name_or_arn(s, "db"));
  auto matches = [&](const std::string& id, const json& inst) {
    auto in_list = [](const std::vector<std::string>* list, const std::string& value) {
      return !list || std::find(list->begin(), list->end(), value) != list->end();
    };
    if (f.find("db-instance-id") && std::find(ids.begin(), ids.end(), id) == ids.end())
      return false;
    // No instance here belongs to a DB cluster or an Active Directory domain.
    if (f.find("db-cluster-id") || f.find("domain")) return false;
    return in_list(f.find("dbi-resource-id"), inst["DbiResourceId"]) &&
           in_list(f.find("engine"), inst["Engine"]);
  };
  std::vector<std::pair<std::string, const json*>> matching;
  for (auto& [id, inst] : found)
    if (matches(id, *inst)) matching.emplace_back(id, inst);
  std::sort(matching.begin(), matching.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  json out = json::object();
  auto items = page(
      in, std::move(matching), [](const auto& e) { return e.first; }, out);
  out["DBInstances"] = json::array();
  for (auto& [id, inst] : items)
    out["DBInstances"].push_back(instance_view(call.env, call.scope(), *inst));
  return out;
}

json delete_db_instance(Call& call) {
  const json& in = call.input;
  Env& env = call.env;
  const std::string scope = call.scope();
  json& inst = instance_for_update(call, in["DBInstanceIdentifier"]);
  const std::string id = inst["DBInstanceIdentifier"];
  const std::string status = inst["DBInstanceStatus"];
  if (status == "deleting")
    throw AwsError("InvalidDBInstanceState", "Instance " + id + " is already being deleted.");
  if (inst["DeletionProtection"].get<bool>())
    invalid_combination(
        "Cannot delete protected DB Instance, please disable deletion protection "
        "and try again.");
  const bool skip = in.value("SkipFinalSnapshot", false);
  const bool has_final = in.contains("FinalDBSnapshotIdentifier");
  if (skip && has_final)
    invalid_combination(
        "Cannot specify FinalDBSnapshotIdentifier when SkipFinalSnapshot is "
        "enabled.");
  if (!skip && !has_final)
    invalid_combination(
        "FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is "
        "specified.");
  if (has_final) {
    std::string snapshot = in["FinalDBSnapshotIdentifier"];
    rules::check_identifier("FinalDBSnapshotIdentifier", snapshot, rules::kMaxSnapshotIdentifier);
    if (status != "available" && status != "stopped" && status != "backing-up" &&
        status != "modifying" && status != "rebooting" && status != "storage-full")
      throw AwsError("InvalidDBInstanceState", "Instance " + id + " is currently " + status +
                                                   " - a final snapshot cannot be taken.");
    snapshots::begin_manual(env, scope, inst, lower(snapshot), call.now());
    inst["_Snapshot"] = lower(snapshot);
  }
  inst["_DeleteAutomatedBackups"] = in.value("DeleteAutomatedBackups", true);
  inst.erase("_MaintenanceAt");
  lifecycle::transition(env, scope, inst, "deleting", lifecycle::Step::deleted, call.now(),
                        lifecycle::profile(env).delete_);
  json response = instance_view(env, scope, inst);
  lifecycle::run_due(env, scope, id);  // instant profile: gone now
  return {{"DBInstance", response}};
}

}  // namespace zonesim::rds
