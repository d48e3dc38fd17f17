#pragma once
// The simulated application inside each ECS task, as seen from the network: what ELBv2 health
// checks and routed requests get from ip:port. Implemented by services/ecs (the app state lives
// with the task); called by services/elbv2 (health checks, routing) and the drill traffic model.
#include <optional>
#include <string>

#include "emulator/core/env.hpp"

namespace zonesim::ecs {

struct AppAnswer {
  enum class Kind {
    ok,       // the app answered with `status`
    refused,  // nothing listens (task not running, container exited): connection refused/reset
    timeout,  // no answer: hung app, powered-off zone, or a network partition in between
  };
  Kind kind = Kind::refused;
  int status = 0;
  std::string task_arn;
  std::string zone;
};

// How the app at ip:port answers a request for `path` right now, from a client in `from_zone`
// ("" = outside the region). Healthy apps answer 200; "unhealthy" ones 500; "hung" ones time out;
// crashed ones refuse. An app whose environment names an RDS endpoint answers 500 while that
// database is unreachable from its zone (rds::database_reachable).
AppAnswer app_answer(const Env& env, const std::string& scope, const std::string& ip, int port,
                     const std::string& from_zone, const std::string& path);

}  // namespace zonesim::ecs
