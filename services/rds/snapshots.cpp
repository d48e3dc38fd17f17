#include "services/rds/snapshots.hpp"

#include <algorithm>

#include "emulator/protocol/codec.hpp"
#include "services/rds/common.hpp"
#include "services/rds/events.hpp"

namespace zonesim::rds::snapshots {

namespace {

json snapshot_of(const std::string& scope, const json& inst, const std::string& id,
                 const std::string& type, sim::Millis at) {
  json s = {{"DBSnapshotIdentifier", id},
            {"DBInstanceIdentifier", inst["DBInstanceIdentifier"]},
            {"SnapshotCreateTime", at},
            {"OriginalSnapshotCreateTime", at},
            {"SnapshotDatabaseTime", at},
            {"Engine", inst["Engine"]},
            {"EngineVersion", inst["EngineVersion"]},
            {"AllocatedStorage", inst["AllocatedStorage"]},
            {"StorageType", inst["StorageType"]},
            {"Port", inst["_Port"]},
            {"AvailabilityZone", inst.value("AvailabilityZone", "")},
            {"VpcId", inst.value("_VpcId", "")},
            {"InstanceCreateTime", inst.value("InstanceCreateTime", at)},
            {"MasterUsername", inst["MasterUsername"]},
            {"LicenseModel", inst["LicenseModel"]},
            {"SnapshotType", type},
            {"OptionGroupName", inst["OptionGroupMemberships"][0]["OptionGroupName"]},
            {"Encrypted", inst["StorageEncrypted"]},
            {"DBSnapshotArn", arn(scope, "snapshot", id)},
            {"IAMDatabaseAuthenticationEnabled", inst["IAMDatabaseAuthenticationEnabled"]},
            {"ProcessorFeatures", json::array()},
            {"DbiResourceId", inst["DbiResourceId"]},
            {"TagList", inst.value("CopyTagsToSnapshot", false) ? inst["TagList"] : json::array()},
            {"SnapshotTarget", "region"},
            {"DedicatedLogVolume", false},
            {"MultiTenant", false}};
  for (const char* k : {"Iops", "StorageThroughput", "KmsKeyId"})
    if (inst.contains(k)) s[k] = inst[k];
  return s;
}

// "2026-01-01T03:15:00.000Z" -> "2026-01-01-03-15"
std::string stamp(sim::Millis at) {
  std::string iso = protocol::iso8601(at);
  std::string out = iso.substr(0, 10) + "-" + iso.substr(11, 2) + "-" + iso.substr(14, 2);
  return out;
}

}  // namespace

void begin_manual(Env& env, const std::string& scope, const json& instance,
                  const std::string& snapshot_id, sim::Millis at) {
  if (env.store.get(scope, kSnapshot, snapshot_id))
    throw AwsError("DBSnapshotAlreadyExists",
                   "Cannot create the snapshot because a snapshot with the identifier " +
                       snapshot_id + " already exists.");
  json s = snapshot_of(scope, instance, snapshot_id, "manual", at);
  s["Status"] = "creating";
  s["PercentProgress"] = 0;
  env.store.put(scope, kSnapshot, snapshot_id, std::move(s));
  events::record(env, scope, events::Id::snapshot_creating, snapshot_id, at);
}

void finish(Env& env, const std::string& scope, const std::string& snapshot_id, sim::Millis at) {
  json* s = env.store.get_mut(scope, kSnapshot, snapshot_id);
  if (!s || (*s)["Status"] != "creating") return;
  (*s)["Status"] = "available";
  (*s)["PercentProgress"] = 100;
  events::record(env, scope, events::Id::snapshot_created, snapshot_id, at);
}

void take_automated(Env& env, const std::string& scope, const json& instance, sim::Millis at) {
  std::string id = "rds:" + instance["DBInstanceIdentifier"].get<std::string>() + "-" + stamp(at);
  if (env.store.get(scope, kSnapshot, id)) return;
  json s = snapshot_of(scope, instance, id, "automated", at);
  s["Status"] = "available";
  s["PercentProgress"] = 100;
  s["BackupRetentionPeriod"] = instance["BackupRetentionPeriod"];
  env.store.put(scope, kSnapshot, id, std::move(s));
}

void delete_automated(Env& env, const std::string& scope, const std::string& instance_id) {
  std::vector<std::string> ids;
  for (auto& [id, s] : env.store.list(scope, kSnapshot))
    if ((*s)["SnapshotType"] == "automated" && (*s)["DBInstanceIdentifier"] == instance_id)
      ids.push_back(id);
  for (auto& id : ids) env.store.erase(scope, kSnapshot, id);
}

json describe_db_snapshots(Call& call) {
  const json& in = call.input;
  Filters f = parse_filters(
      in, {"db-instance-id", "db-snapshot-id", "dbi-resource-id", "snapshot-type", "engine"});
  std::string want_snapshot = lower(in.value("DBSnapshotIdentifier", ""));
  std::string want_instance =
      in.contains("DBInstanceIdentifier")
          ? id_from_name_or_arn(in["DBInstanceIdentifier"].get<std::string>(), "db")
          : "";
  std::string type = in.value("SnapshotType", "");
  std::string resource = in.value("DbiResourceId", "");
  auto in_list = [](const std::vector<std::string>* list, const std::string& v) {
    return !list || std::find(list->begin(), list->end(), v) != list->end();
  };
  std::vector<std::string> instance_ids;
  if (auto* ids = f.find("db-instance-id"))
    for (auto& v : *ids) instance_ids.push_back(id_from_name_or_arn(v, "db"));

  std::vector<std::pair<std::string, const json*>> matching;
  for (auto& [id, s] : call.env.store.list(call.scope(), kSnapshot)) {
    if (!want_snapshot.empty() && id != want_snapshot) continue;
    if (!want_instance.empty() && (*s)["DBInstanceIdentifier"] != want_instance) continue;
    if (!type.empty() && (*s)["SnapshotType"] != type) continue;
    if (!resource.empty() && (*s)["DbiResourceId"] != resource) continue;
    if (f.find("db-instance-id") && std::find(instance_ids.begin(), instance_ids.end(),
                                              (*s)["DBInstanceIdentifier"]) == instance_ids.end())
      continue;
    if (!in_list(f.find("db-snapshot-id"), id) ||
        !in_list(f.find("dbi-resource-id"), (*s)["DbiResourceId"]) ||
        !in_list(f.find("snapshot-type"), (*s)["SnapshotType"]) ||
        !in_list(f.find("engine"), (*s)["Engine"]))
      continue;
    matching.emplace_back(id, s);
  }
  if (!want_snapshot.empty() && matching.empty())
    snapshot_not_found(in["DBSnapshotIdentifier"].get<std::string>());
  std::sort(matching.begin(), matching.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  json out = json::object();
  auto items = page(
      in, std::move(matching), [](const auto& e) { return e.first; }, out);
  out["DBSnapshots"] = json::array();
  for (auto& [id, s] : items) out["DBSnapshots"].push_back(*s);
  return out;
}

}  // namespace zonesim::rds::snapshots
