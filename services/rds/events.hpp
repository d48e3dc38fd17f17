#pragma once
// RDS events: AWS's event catalogue (ids, categories, messages) as data, recording an event in
// the store (kind "event"), and DescribeEvents.
#include <cstdint>
#include <string>

#include "services/service.hpp"

namespace zonesim::rds::events {

enum class Id {
  instance_created,
  backup_started,
  backup_finished,
  instance_deleted,
  instance_restarted,
  instance_stopped,
  instance_started,
  failover_started,
  failover_completed,
  // Failover reasons (the event log states why; AWS gives these messages no event id).
  failover_requested,
  failover_primary_unhealthy,
  failover_primary_unreachable,
  failover_partial_recovered,
  recovery_started,
  recovery_completed,
  standby_recovery_started,
  standby_recovery_completed,
  converting_to_multi_az,
  converted_to_multi_az,
  converting_to_single_az,
  converted_to_single_az,
  class_changing,
  class_changed,
  storage_changing,
  storage_changed,
  master_password_reset,
  backups_enabled,
  backups_disabled,
  engine_upgrading,
  engine_upgraded,
  snapshot_creating,
  snapshot_created,
  instance_auto_starting,
};

struct Def {
  Id id;
  const char* event_id;  // RDS-EVENT-00NN; not on the wire, kept for drills and timelines
  const char* source_type;
  const char* category;
  const char* message;
};
const Def& def(Id id);

// Events are kept 14 days, as RDS keeps them.
inline constexpr std::int64_t kRetentionMs = 14LL * 24 * 3600 * 1000;
// DescribeEvents without a time range covers the last hour.
inline constexpr std::int64_t kDefaultDurationMinutes = 60;

// Writes the event at sim time `at` for the resource `source_id` (db-instance / db-snapshot).
void record(Env& env, const std::string& scope, Id id, const std::string& source_id,
            std::int64_t at);

json describe_events(Call& call);

}  // namespace zonesim::rds::events
