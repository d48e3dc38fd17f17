#pragma once
// The life of a DB instance on the simulated clock. An operation puts the instance into a
// status (creating, modifying, rebooting, ...) and schedules the step that ends it; steps run
// when the clock reaches them (at once under the "instant" timing profile) and may chain into
// the next status. The instance document holds the pending step ("_Transition": {Step, At}) and
// the next maintenance opening ("_MaintenanceAt"), so the state survives a restart: run_due()
// and catch_up() apply whatever is due, and a clock event is only a wake-up call for them.
#include <optional>
#include <string>

#include "emulator/core/env.hpp"
#include "emulator/core/json.hpp"
#include "services/rds/events.hpp"

namespace zonesim::rds::lifecycle {

// How long each status lasts, per timing profile (Config::timing).
// Failure dynamics (detection, failover, standby rebuild) come from Env::timing instead: see
// availability.hpp.
struct Profile {
  sim::Millis create_single_az, create_multi_az, backing_up, modify, modify_class, convert_multi_az,
      modify_storage, reboot, stop, start, delete_;
};
const Profile& profile(const Env& env);

// A stopped instance starts again on its own after seven days (regardless of the profile).
inline constexpr sim::Millis kMaxStoppedMs = 7LL * 24 * 3600 * 1000;

enum class Step {
  created,      // creating -> backing-up / available
  backed_up,    // backing-up -> available
  modified,     // modifying -> available (applies "_Applying")
  rebooted,     // rebooting -> available
  failed_over,  // rebooting (failover) -> available, zones swapped
  recovered,    // rebooting (in-place recovery after the primary's host was lost) -> available
  stopped,      // stopping -> stopped
  auto_start,   // stopped for seven days -> starting
  started,      // starting -> available
  deleted,      // deleting -> gone
};

// Sets DBInstanceStatus; records `event` (AWS writes one for some status changes) at `at`, and a
// status change on the timeline.
// `reason` explains the change on the timeline when no event does.
void set_status(Env& env, const std::string& scope, json& instance, const std::string& status,
                sim::Millis at, std::optional<events::Id> event = std::nullopt,
                const std::string& reason = "");

// Enter `status` at `at` and run `next` at `at + delay`.
void transition(Env& env, const std::string& scope, json& instance, const std::string& status,
                Step next, sim::Millis at, sim::Millis delay,
                std::optional<events::Id> event = std::nullopt);

// Run `next` at `at` without changing the status.
void schedule_step(Env& env, const std::string& scope, json& instance, Step next, sim::Millis at);
const char* step_name(Step step);
Step step_from(const std::string& name);

// Ask the clock to call run_due for the instance at `at` (nothing when `at` is not in the
// future: the caller's run_due applies it).
void wake_up_at(Env& env, const std::string& scope, const std::string& id, sim::Millis at,
                const std::string& what);

// Start applying the modifications in `changes` (PendingModifiedValues members, plus
// "DBPortNumber" and "MasterUserPassword" markers): status modifying, finished by Step::modified.
void begin_modifications(Env& env, const std::string& scope, json& instance, const json& changes,
                         sim::Millis at);

// Pending modifications wait for the maintenance window: (re)compute "_MaintenanceAt".
void schedule_maintenance(Env& env, const std::string& scope, json& instance);

// Everything due for one instance (lifecycle steps, maintenance, failure detection, standby
// rebuild; the earliest first), or for every instance of the scope.
void run_due(Env& env, const std::string& scope, const std::string& id);
void catch_up(Env& env, const std::string& scope);

// The endpoint, zones and creation time an instance shows once it exists.
void publish_endpoint(Env& env, const std::string& scope, json& instance);

}  // namespace zonesim::rds::lifecycle
