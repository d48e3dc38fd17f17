#pragma once
// Drill fixtures (YAML, documented in fixtures/README.md). Loading validates everything and
// reports errors as "FILE:LINE: field: what is wrong".
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "emulator/core/json.hpp"
#include "emulator/sim/clock.hpp"

namespace zonesim::drill {

class FixtureError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Upper bound on a drill's simulated length (warmup + duration): 31 days.
constexpr sim::Millis kMaxDrillMs = 31LL * 24 * 3600 * 1000;
// Upper bound on the size of a fixture's `state:` snapshot file.
constexpr std::uintmax_t kMaxSnapshotBytes = 64ull * 1024 * 1024;

struct Fault {
  sim::Millis at = 0;  // after t=0 (the end of the warmup)
  std::string kind;    // zone-power | zone-network | zone-degraded | zone-restore |
                       // stop-task | app-state | rds-failover
  std::string zone;    // zone-*
  std::optional<sim::Millis> duration;
  double latency_ms = 0, loss_rate = 0;
  std::string service;      // stop-task / app-state: the ECS service name
  int task_index = 0;       // which of the service's running tasks (in task ARN order)
  std::string state;        // app-state
  bool all_tasks = false;   // app-state for every task of the service
  std::string db_instance;  // rds-failover
  int line = 0;
};

struct Expectation {
  std::string type;  // availability | time_to_detect | time_to_recover | rds_failover_duration |
                     // writes_lost | running_tasks | no_request_to_stopped_task
  std::string name;  // for reports
  std::optional<double> min, max;  // bounds on the measured value (percent, seconds, count)
  sim::Millis from = 0, to = -1;   // availability window (to -1: end)
  sim::Millis sustain = 30000;     // time_to_recover: the success rate must hold this long
  sim::Millis at = 0;              // running_tasks: when
  std::string zone;                // running_tasks: in which zone ("" = all)
  std::string note;                // why this bound (e.g. where the seed's claim is optimistic)
  int line = 0;
};

struct Traffic {
  double requests_per_second = 0;
  std::string load_balancer;  // name
  int port = 80;
  std::string path = "/";
  double writes_per_second = 0;
  std::string database;  // DB instance identifier
};

struct Fixture {
  std::string file;
  std::string name, description;
  std::uint64_t seed = 1;
  std::string timing = "instant";
  sim::Millis epoch = 1767225600000;  // 2026-01-01T00:00:00Z
  std::string region = "eu-central-1";
  std::vector<std::string> zones;
  json state;  // snapshot (calls), from `state:` and/or `setup:`
  sim::Millis warmup = 300000;
  sim::Millis duration = 0;
  Traffic traffic;
  std::vector<Fault> faults;
  std::vector<Expectation> expectations;
};

// Parses "90s", "5m", "1h30m", "250ms", "2d"; nullopt when malformed.
std::optional<sim::Millis> parse_duration_ms(const std::string& s);

Fixture load_fixture(const std::string& path);
// The same from YAML text; `name` stands for the file in errors and `state:` is relative to it.
// With read_state false `state:` is not read: a fixture sent to a server names a file of the
// machine that sent it, and the server's own state is the starting state.
Fixture load_fixture_text(const std::string& text, const std::string& name, bool read_state = true);

}  // namespace zonesim::drill
