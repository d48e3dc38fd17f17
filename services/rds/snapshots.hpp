#pragma once
// DB snapshots: the final snapshot of DeleteDBInstance, the snapshot of StopDBInstance, the
// automated snapshot of the first backup, and DescribeDBSnapshots.
#include <string>

#include "services/service.hpp"

namespace zonesim::rds::snapshots {

// A manual snapshot of `instance` that starts now ("creating"); finish() makes it available.
// Throws DBSnapshotAlreadyExists when the identifier is taken.
void begin_manual(Env& env, const std::string& scope, const json& instance,
                  const std::string& snapshot_id, sim::Millis at);
void finish(Env& env, const std::string& scope, const std::string& snapshot_id, sim::Millis at);

// The automated snapshot "rds:<instance>-YYYY-MM-DD-HH-MM" taken by a backup.
void take_automated(Env& env, const std::string& scope, const json& instance, sim::Millis at);
void delete_automated(Env& env, const std::string& scope, const std::string& instance_id);

json describe_db_snapshots(Call& call);

}  // namespace zonesim::rds::snapshots
