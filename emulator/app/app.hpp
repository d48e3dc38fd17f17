#pragma once
// The application: one Env (state, clock, RNG) and the request pipeline
//   http::Request -> route (service, operation) -> parse by model -> handler -> serialize.
// Pure with respect to I/O: the server, tests and fuzzers call handle() directly.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>

#include "emulator/core/env.hpp"
#include "emulator/http/message.hpp"
#include "emulator/protocol/model.hpp"
#include "emulator/protocol/sigv4.hpp"
#include "emulator/sim/realtime.hpp"
#include "services/service.hpp"

namespace zonesim {

namespace drill {
class Session;
}

class App {
 public:
  App(Config config, const std::string& state_path, sim::Millis epoch_ms);
  ~App();
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  // Everything arriving on the main port: the control API, the ALB data plane (a Host header
  // naming a load balancer, or /_zonesim/alb/<name>/...), else the AWS APIs.
  http::Response handle(const http::Request& req);
  // A request that arrived on the local port bound for one ALB listener (serve --bind-listeners).
  http::Response handle_listener(const http::Request& req, const std::string& scope,
                                 const std::string& load_balancer_arn, int port);
  // The local ports bound for listeners (listener ARN -> port), reported by the control API.
  void set_bound_listeners(std::map<std::string, std::uint16_t> ports) {
    bound_listeners_ = std::move(ports);
  }
  // Runs every simulation event due up to sim time t, in one transaction.
  std::size_t advance_to(sim::Millis t);
  // Moves sim time forward by `ms`, running every event due (manual clock; in realtime mode the
  // realtime driver jumps ahead too).
  std::size_t advance_by(sim::Millis ms);
  // Realtime mode: catch the sim clock up with the wall clock. Manual mode (or while a drill
  // holds the clock): nothing.
  void sync();
  // A drill driven through the control API owns the clock while it runs: the realtime driver
  // stops following the wall clock, and resumes from the drill's end when released.
  void hold_clock(bool hold);
  // Persists the clock and RNG state (sync() leaves a quiet clock unpersisted); at shutdown.
  void checkpoint();
  // Back to an empty region: no resources, no timeline, no pending events, zones up.
  void reset();

  // Runs one operation with an already-parsed input, as a request would (one transaction; the
  // call is logged if it mutates). Throws AwsError.
  json invoke(const std::string& service, const std::string& operation, const std::string& account,
              const std::string& region, const json& input);
  // State snapshots (emulator/app/state.cpp): the log of mutating calls, and its replay into an
  // empty region with ids remapped (the replay creates fresh ids from this run's RNG).
  json export_state() const;
  // Resets, then replays; returns {"calls": n}. Throws AwsError naming the call that failed.
  json import_state(const json& snapshot);

  Env& env() { return *env_; }
  const Registry& registry() const { return registry_; }
  // Calls to operations that exist in AWS's model but that zonesim does not serve.
  const std::map<std::string, std::uint64_t>& unimplemented_calls() const { return unimplemented_; }

 private:
  http::Response handle_aws(const http::Request& req);
  http::Response handle_control(const http::Request& req);
  // /_zonesim/drills...: one drill at a time, stepped by the client (emulator/control/drills.cpp).
  http::Response handle_drills(const http::Request& req, const std::string& path);
  // The ALB data plane (app/dataplane.cpp): routes through elbv2::route, counts, answers as the
  // target's app or as the load balancer.
  http::Response handle_alb(const http::Request& req, const std::string& scope,
                            const std::string& load_balancer_arn, int port, const std::string& host,
                            const std::string& target);
  http::Response handle_alb_prefix(const http::Request& req);
  // --control-token: may this request use the control API?
  bool control_authorized(const http::Request& req) const;
  // --auth verify: nullopt when the signature is good (and `account` is then the key's account),
  // else the error the service answers with.
  std::optional<AwsError> authenticate(const http::Request& req, const protocol::Credential& cred,
                                       const protocol::ServiceModel& model,
                                       std::string& account) const;
  void persist_runtime_state();
  void forget_logged_reads();
  void log_call(const std::string& service, const std::string& operation,
                const std::string& account, const std::string& region, const json& input,
                const json& output, bool may_borrow = false);  // see Call::may_borrow

  std::unique_ptr<Env> env_;
  Registry registry_;
  std::optional<sim::RealtimeDriver> realtime_;
  bool clock_held_ = false;
  std::unique_ptr<drill::Session> drill_;
  std::uint64_t drills_started_ = 0;
  std::map<std::string, std::uint64_t> unimplemented_;
  std::map<std::string, std::uint16_t> bound_listeners_;
  // Reads logged since the last logged change (state.cpp): an identical read adds nothing to a
  // snapshot, so polling does not grow the call log.
  std::unordered_set<std::size_t> logged_reads_;
  std::uint64_t logged_reads_generation_ = 0;
};

}  // namespace zonesim
