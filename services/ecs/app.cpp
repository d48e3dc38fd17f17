// The simulated application as the network sees it (app.hpp): one index lookup by address, then
// the task's own fields; no scans, since ELBv2 calls this for every health check and request.
#include "services/ecs/app.hpp"

#include "emulator/sim/zones.hpp"
#include "services/ecs/common.hpp"
#include "services/ecs/task_lifecycle.hpp"
#include "services/rds/reachability.hpp"

namespace zonesim::ecs {

namespace {

// The task at ip that has a container port `port`, preferring one whose app can answer.
const json* task_listening_at(const Env& env, const std::string& scope, const std::string& ip,
                              int port) {
  const json* found = nullptr;
  const json* arns = task_arns_at_ip(env, scope, ip);
  if (!arns) return nullptr;
  for (auto& arn : *arns) {
    const json* t = env.store.get(scope, kTaskKind, arn.get_ref<const std::string&>());
    if (!t) continue;
    for (auto& p : (*t)["_ports"]) {
      if (p.value("port", 0) != port) continue;
      if (!found || str_of(*t, "lastStatus") == kRunning) found = t;
    }
  }
  return found;
}

// Whether the container of that port runs: from task RUNNING until ECS stops the containers at
// STOPPING (during DEACTIVATING the app still serves what reaches it), and not after it exited.
bool listening(const json& task, int port) {
  const std::string& status = str_of(task, "lastStatus");
  if (status != kRunning && status != kDeactivating) return false;
  for (auto& p : task["_ports"]) {
    if (p.value("port", 0) != port) continue;
    const std::string& name = str_of(p, "container");
    for (auto& c : task["containers"])
      if (str_of(c, "name") == name && str_of(c, "lastStatus") == kRunning) return true;
  }
  return false;
}

}  // namespace

AppAnswer app_answer(const Env& env, const std::string& scope, const std::string& ip, int port,
                     const std::string& from_zone, const std::string& /*path*/) {
  AppAnswer a;
  const json* task = task_listening_at(env, scope, ip, port);
  if (!task) return a;
  a.task_arn = str_of(*task, "taskArn");
  a.zone = str_of(*task, "availabilityZone");
  if (!listening(*task, port)) return a;
  // A host that died with its zone answers nothing, even after the zone's power is back.
  if (task_lost(*task) || !sim::zone_powered(env, a.zone) ||
      !sim::zones_connected(env, from_zone, a.zone)) {
    a.kind = AppAnswer::Kind::timeout;
    return a;
  }
  const std::string state = app_state(*task);
  if (state == kAppHung) {
    a.kind = AppAnswer::Kind::timeout;
    return a;
  }
  if (state == kAppCrash) return a;
  a.kind = AppAnswer::Kind::ok;
  if (state == kAppUnhealthy) {
    a.status = 500;
    return a;
  }
  const std::string& db = str_of(*task, "_db_host");
  a.status = !db.empty() && !rds::database_reachable(env, scope, db, a.zone) ? 500 : 200;
  return a;
}

}  // namespace zonesim::ecs
