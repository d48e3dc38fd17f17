#pragma once
// What a handler or a simulation step can touch: the store, the clock, the seeded RNG and the
// region's configuration. One Env per process; everything runs on one thread.
#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "emulator/core/json.hpp"

#include "emulator/protocol/sigv4.hpp"
#include "emulator/sim/clock.hpp"
#include "emulator/sim/rng.hpp"
#include "emulator/sim/timing.hpp"
#include "emulator/store/store.hpp"

namespace zonesim {

struct Config {
  std::string region = "eu-central-1";
  std::vector<std::string> zones;  // default: <region>a, <region>b
  std::string default_account = "123456789012";
  std::string timing = "instant";  // timing profile: instant | realistic | path to a profile
  std::uint64_t seed = 1;
  std::string clock_mode = "realtime";  // realtime | manual
  double speed = 1.0;                   // sim seconds per wall second (realtime)
  // serve --auth verify: SigV4 signatures are checked against these key pairs (access key id ->
  // secret and account). Off: signatures are parsed, not checked, and any key is accepted.
  bool verify_signatures = false;
  protocol::KeyPairs key_pairs;
  // The clock a request's X-Amz-Date is compared with (ms since the epoch); empty: the wall clock.
  // Tests set it; nothing else may.
  std::function<std::int64_t()> auth_clock;
  // Non-empty: every /_zonesim/* endpoint but /_zonesim/health wants "Authorization: Bearer <it>".
  std::string control_token;

  std::vector<std::string> zones_or_default() const {
    return zones.empty() ? std::vector<std::string>{region + "a", region + "b"} : zones;
  }
};

struct Env;

// Reactions of the services to simulation-wide changes (registered once at start-up).
struct SimHooks {
  using ZoneListener = std::function<void(Env&, const std::string& zone, const std::string& from,
                                          const std::string& to)>;
  using TimelineListener = std::function<void(Env&, const json& event)>;
  // A target's health in a target group changed (from/to: initial, healthy, unhealthy, draining,
  // unused, unavailable; reason: AWS's reason code, e.g. Target.FailedHealthChecks).
  using TargetHealthListener = std::function<void(
      Env&, const std::string& scope, const std::string& target_group_arn, const std::string& ip,
      int port, const std::string& from, const std::string& to, const std::string& reason)>;
  std::vector<ZoneListener> zone_changed;
  std::vector<TimelineListener> timeline;
  std::vector<TargetHealthListener> target_health;
};

struct Env {
  Config config;
  store::Store store;
  sim::Clock clock;
  sim::Rng rng;
  sim::Timing timing;
  SimHooks hooks;
  // Runtime-only counters (round-robin positions and the like): not persisted, cleared by reset.
  std::unordered_map<std::string, std::uint64_t> volatile_counters;

  Env(Config c, const std::string& state_path, sim::Millis epoch_ms)
      : config(std::move(c)),
        store(state_path),
        clock(epoch_ms),
        rng(config.seed),
        timing(sim::Timing::load(config.timing)) {}
};

}  // namespace zonesim
