#pragma once
// The drill runner: a fixture, run in-process on its own manual clock as fast as the machine
// allows — replay the starting state, warm up, then apply the faults at their times while
// synthetic traffic goes through the ALB's routing function; finally evaluate the expectations.
// A Session can also run on a live server's App (the control API's /_zonesim/drills): the
// server's state is then the starting state, and its clock and RNG drive the drill.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "emulator/drill/fixture.hpp"

namespace zonesim {
class App;
}

namespace zonesim::drill {

struct Second {  // traffic outcomes in one simulated second after t0
  std::uint32_t total = 0, ok = 0, elb_5xx = 0, target_5xx = 0, unreachable = 0, to_stopped = 0;
  std::uint32_t writes = 0, writes_failed = 0;
};

struct ExpectationResult {
  std::string name, type;
  bool passed = false;
  std::optional<double> measured;  // none: could not be measured (fails)
  std::string unit;                // "%", "s", "writes", "tasks", "requests"
  std::string bound;               // e.g. ">= 99.95 %"
  std::string detail;              // how it was measured / why it failed
  std::string note;
};

struct DrillResult {
  Fixture fixture;
  std::uint64_t seed = 0;
  sim::Millis t0 = 0;  // end of the warmup (sim ms)
  std::vector<json> timeline;
  std::vector<Second> seconds;
  std::vector<ExpectationResult> expectations;
  std::uint64_t writes_acknowledged = 0, writes_lost = 0;
  std::uint64_t simulation_events = 0;  // clock events run from the warmup to the end
  bool passed = false;
};

using Progress = std::function<void(double fraction)>;

class Run;

// A drill in progress, stepped through simulated time.
class Session {
 public:
  // In-process: a fresh App on a manual clock, seeded with `seed`, the fixture's state replayed.
  Session(const Fixture& fixture, std::uint64_t seed);
  // On a running App (borrowed): its current state is the starting state.
  Session(const Fixture& fixture, App& app);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Replays the state (in-process), resolves the traffic's targets, runs the warmup. Throws
  // FixtureError when the state or names do not fit.
  void start();
  // Runs the drill up to `rel` ms after t=0 (clamped to its duration); true when at the end.
  bool step_until(sim::Millis rel);
  sim::Millis position() const;  // ms after t=0 reached so far
  const Fixture& fixture() const;
  // Runs what is left, evaluates the expectations.
  DrillResult finish();

 private:
  std::unique_ptr<Run> run_;
};

// The result as JSON (report.cpp's to_json) read back, for reports made from a remote run.
DrillResult result_from_json(const json& j, const Fixture& fixture);

// Throws FixtureError when the fixture's state or names do not fit (exit code 2).
DrillResult run_drill(const Fixture& fixture, std::optional<std::uint64_t> seed = std::nullopt,
                      const Progress& progress = {});

}  // namespace zonesim::drill
