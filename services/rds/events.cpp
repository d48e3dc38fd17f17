#include "services/rds/events.hpp"

#include <algorithm>
#include <cstdio>

#include "services/rds/common.hpp"

namespace zonesim::rds::events {

namespace {

// Messages as DescribeEvents returns them (the User Guide's table describes them in other
// words); ids from "Amazon RDS event categories and event messages".
constexpr Def kDefs[] = {
    {Id::instance_created, "RDS-EVENT-0005", "db-instance", "creation", "DB instance created"},
    {Id::backup_started, "RDS-EVENT-0001", "db-instance", "backup", "Backing up DB instance"},
    {Id::backup_finished, "RDS-EVENT-0002", "db-instance", "backup", "Finished DB Instance backup"},
    {Id::instance_deleted, "RDS-EVENT-0003", "db-instance", "deletion", "DB instance deleted"},
    {Id::instance_restarted, "RDS-EVENT-0006", "db-instance", "availability",
     "DB instance restarted"},
    {Id::instance_stopped, "RDS-EVENT-0087", "db-instance", "notification", "DB instance stopped"},
    {Id::instance_started, "RDS-EVENT-0088", "db-instance", "notification", "DB instance started"},
    {Id::failover_started, "RDS-EVENT-0013", "db-instance", "failover",
     "Multi-AZ instance failover started."},
    {Id::failover_completed, "RDS-EVENT-0049", "db-instance", "failover",
     "Multi-AZ instance failover completed"},
    // The reason RDS logs next to the completion ("Failover process for Amazon RDS").
    {Id::failover_requested, "", "db-instance", "failover",
     "The user requested a failover of the DB instance."},
    {Id::failover_primary_unhealthy, "", "db-instance", "failover",
     "The primary host of the RDS Multi-AZ instance is unhealthy."},
    {Id::failover_primary_unreachable, "", "db-instance", "failover",
     "The primary host of the RDS Multi-AZ instance is unreachable due to loss of network "
     "connectivity."},
    {Id::failover_partial_recovered, "RDS-EVENT-0065", "db-instance", "failover",
     "Recovered from partial failover."},
    {Id::recovery_started, "RDS-EVENT-0020", "db-instance", "recovery",
     "Recovery of the DB instance has started. Recovery time will vary with the amount of data "
     "to be recovered."},
    {Id::recovery_completed, "RDS-EVENT-0021", "db-instance", "recovery",
     "Recovery of the DB instance is complete."},
    {Id::standby_recovery_started, "RDS-EVENT-0361", "db-instance", "recovery",
     "Recovery of standby DB instance has started."},
    {Id::standby_recovery_completed, "RDS-EVENT-0362", "db-instance", "recovery",
     "Recovery of standby DB instance has completed."},
    {Id::converting_to_multi_az, "RDS-EVENT-0024", "db-instance", "configuration change",
     "Applying modification to convert to a Multi-AZ DB Instance"},
    {Id::converted_to_multi_az, "RDS-EVENT-0025", "db-instance", "configuration change",
     "Finished applying modification to convert to a Multi-AZ DB Instance"},
    {Id::converting_to_single_az, "RDS-EVENT-0030", "db-instance", "configuration change",
     "Applying modification to convert to a standard (Single-AZ) DB Instance"},
    {Id::converted_to_single_az, "RDS-EVENT-0029", "db-instance", "configuration change",
     "Finished applying modification to convert to a standard (Single-AZ) DB Instance"},
    {Id::class_changing, "RDS-EVENT-0012", "db-instance", "configuration change",
     "Applying modification to database instance class"},
    {Id::class_changed, "RDS-EVENT-0014", "db-instance", "configuration change",
     "Finished applying modification to DB instance class"},
    {Id::storage_changing, "RDS-EVENT-0018", "db-instance", "configuration change",
     "Applying modification to allocated storage"},
    {Id::storage_changed, "RDS-EVENT-0017", "db-instance", "configuration change",
     "Finished applying modification to allocated storage"},
    {Id::master_password_reset, "RDS-EVENT-0016", "db-instance", "configuration change",
     "Reset master credentials"},
    {Id::backups_enabled, "RDS-EVENT-0032", "db-instance", "configuration change",
     "Automated backups for this DB instance have been enabled"},
    {Id::backups_disabled, "RDS-EVENT-0028", "db-instance", "configuration change",
     "Automated backups for this DB instance have been disabled"},
    {Id::engine_upgrading, "RDS-EVENT-0267", "db-instance", "maintenance",
     "The engine version upgrade started."},
    {Id::engine_upgraded, "RDS-EVENT-0268", "db-instance", "maintenance",
     "The engine version upgrade finished."},
    {Id::snapshot_creating, "RDS-EVENT-0040", "db-snapshot", "creation",
     "Creating manual snapshot"},
    {Id::snapshot_created, "RDS-EVENT-0042", "db-snapshot", "creation", "Manual snapshot created"},
    {Id::instance_auto_starting, "RDS-EVENT-0154", "db-instance", "notification",
     "DB instance is being started due to it exceeding the maximum allowed time being stopped."},
};

constexpr const char* kSequenceDoc = "event-sequence";

std::string next_event_key(Env& env, const std::string& scope) {
  json* seq = env.store.get_mut(scope, kAccountSettings, kSequenceDoc);
  if (!seq) seq = &env.store.put(scope, kAccountSettings, kSequenceDoc, json{{"_Next", 1}});
  std::uint64_t n = (*seq)["_Next"].get<std::uint64_t>();
  (*seq)["_Next"] = n + 1;
  char buf[24];
  std::snprintf(buf, sizeof buf, "%016llu", static_cast<unsigned long long>(n));
  return buf;  // zero-padded: string order is creation order (and the paging marker)
}

std::string arn_type(const std::string& source_type) {
  return source_type == "db-snapshot" ? "snapshot" : "db";
}

}  // namespace

const Def& def(Id id) {
  for (auto& d : kDefs)
    if (d.id == id) return d;
  throw std::logic_error("rds: event without a definition");
}

void record(Env& env, const std::string& scope, Id id, const std::string& source_id,
            std::int64_t at) {
  const Def& d = def(id);
  // Older than the retention period: gone, as in RDS.
  std::vector<std::string> expired;
  for (auto& [key, ev] : env.store.list(scope, kEvent))
    if (ev->value("Date", std::int64_t{0}) < at - kRetentionMs) expired.push_back(key);
  for (auto& key : expired) env.store.erase(scope, kEvent, key);

  env.store.put(scope, kEvent, next_event_key(env, scope),
                json{{"SourceIdentifier", source_id},
                     {"SourceType", d.source_type},
                     {"Message", d.message},
                     {"EventCategories", json::array({d.category})},
                     {"Date", at},
                     {"SourceArn", arn(scope, arn_type(d.source_type), source_id)},
                     {"_EventId", d.event_id}});
}

json describe_events(Call& call) {
  const json& in = call.input;
  if (in.contains("SourceIdentifier") && !in.contains("SourceType"))
    invalid_combination("If SourceIdentifier is supplied, SourceType must also be provided.");
  const std::int64_t now = call.now();
  const std::int64_t minute = 60'000;
  std::int64_t start, end;
  bool has_duration = in.contains("Duration");
  std::int64_t duration =
      has_duration ? in["Duration"].get<std::int64_t>() * minute : kDefaultDurationMinutes * minute;
  if (has_duration && duration < 0) invalid_value("Duration must not be negative.");
  if (in.contains("StartTime")) {
    start = in["StartTime"].get<std::int64_t>();
    end = in.contains("EndTime") ? in["EndTime"].get<std::int64_t>()
                                 : (has_duration ? start + duration : now);
  } else {
    end = in.contains("EndTime") ? in["EndTime"].get<std::int64_t>() : now;
    start = end - duration;
  }
  start = std::max(start, now - kRetentionMs);

  std::string source_type = in.value("SourceType", "");
  std::string source_id = lower(in.value("SourceIdentifier", ""));
  std::vector<std::string> categories;
  if (in.contains("EventCategories"))
    categories = in["EventCategories"].get<std::vector<std::string>>();

  std::vector<std::pair<std::string, const json*>> matching;
  for (auto& [key, ev] : call.env.store.list(call.scope(), kEvent)) {
    std::int64_t date = (*ev)["Date"].get<std::int64_t>();
    if (date < start || date > end) continue;
    if (!source_type.empty() && (*ev)["SourceType"] != source_type) continue;
    if (!source_id.empty() && (*ev)["SourceIdentifier"] != source_id) continue;
    if (!categories.empty()) {
      bool any = false;
      for (auto& c : (*ev)["EventCategories"])
        any = any || std::find(categories.begin(), categories.end(), c) != categories.end();
      if (!any) continue;
    }
    matching.emplace_back(key, ev);
  }
  json out = json::object();
  auto items = page(
      in, std::move(matching), [](const auto& e) { return e.first; }, out);
  out["Events"] = json::array();
  for (auto& [key, ev] : items) out["Events"].push_back(*ev);
  return out;
}

}  // namespace zonesim::rds::events
