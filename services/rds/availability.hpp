#pragma once
// What happens to a DB instance when hardware fails: the loss of a zone (power, or a network
// partition) for the primary and the standby, failure detection, Multi-AZ failover, in-place
// recovery of an instance that cannot fail over, the standby's rebuild, and the acknowledged-write
// counters that let a drill count lost writes instead of assuming none.
//
// State lives in the instance document under "_sim", so it survives a restart:
//   Writes {Primary, Standby}  acknowledged writes each copy holds (a lost standby keeps what it
//                              had until its rebuild copies the primary)
//   LostWrites                 acknowledged writes failovers discarded so far
//   Primary                    up | down (its zone lost power) | unreachable (zone partitioned)
//   Standby                    in-sync | lost | rebuilding (Multi-AZ only)
//   DetectAt, DetectCause      RDS notices the primary's failure (power | network) at DetectAt
//   Failover                   the cause of the failover under way (user | power | network)
//   Recovery                   waiting (for the primary's zone) | restarting
//   RebuildAt                  when the standby's rebuild completes
//   Resume {Step, Status, Remaining}  the lifecycle step a failover or recovery interrupted
#include <optional>
#include <string>
#include <string_view>

#include "emulator/core/env.hpp"
#include "emulator/core/json.hpp"

namespace zonesim::rds::availability {

enum class Cause { user, power, network };

// A new instance: both copies empty and in sync.
void init(json& instance);
// The instance exists (creation finished): its primary and standby go on the timeline.
void announce(Env& env, json& instance);
// Whether clients can connect in this status (available, backing-up, modifying, ...).
bool connectable_status(std::string_view status);
// Whether the engine runs in this status (what a lost zone can interrupt).
bool running_status(std::string_view status);

// RebootDBInstance ForceFailover and the rds-failover fault: InvalidParameterCombination for a
// Single-AZ instance, InvalidDBInstanceState unless available with an in-sync standby.
void force_failover(Env& env, const std::string& scope, json& instance, sim::Millis at);
void begin_failover(Env& env, const std::string& scope, json& instance, sim::Millis at,
                    Cause cause);
// Lifecycle steps: the failover's end (Step::failed_over), the in-place recovery's (::recovered).
void finish_failover(Env& env, const std::string& scope, json& instance, sim::Millis at);
void finish_recovery(Env& env, const std::string& scope, json& instance, sim::Millis at);

// Failure detection and standby rebuild: when the next one is due (-1: none), and running it.
sim::Millis next_due(const json& instance);
void run_due_event(Env& env, const std::string& scope, json& instance, sim::Millis at);
// After any step: re-arm failure detection an instance missed (its zone failed while it was
// stopped or being created), and start the standby's rebuild if it is lost and both zones allow.
void settle(Env& env, const std::string& scope, json& instance, sim::Millis at);

// ModifyDBInstance MultiAZ: a new standby is created in sync; removing it ends replication.
void standby_added(Env& env, json& instance);
void standby_removed(Env& env, json& instance);

// env.hooks.zone_changed: every instance of every scope reacts to a zone's fault or restore.
void on_zone_changed(Env& env, const std::string& zone, const std::string& from,
                     const std::string& to);

// POST /_zonesim/faults {"action":"rds-failover","db_instance":"<identifier>"}.
json failover_fault(Env& env, const json& body);

}  // namespace zonesim::rds::availability
