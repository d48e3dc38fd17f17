// ECS on the simulated clock: how tasks and services react to the zones (env.hooks.zone_changed)
// and to their target groups' health (env.hooks.target_health), and the faults ECS owns:
//   {"action":"stop-task","task":"<task ARN>"}
//   {"action":"app-state","task":"<task ARN>"|"service":"<service ARN>","state":"healthy|..."}
#include <set>

#include "emulator/sim/zones.hpp"
#include "services/ecs/common.hpp"
#include "services/ecs/scheduler.hpp"
#include "services/ecs/task_lifecycle.hpp"

namespace zonesim::ecs {

namespace {

constexpr const char* kFaultStopReason = "Task stopped by zonesim fault";

// The tasks (not STOPPED yet) in a zone, per scope, in creation order.
std::vector<std::pair<std::string, std::string>> tasks_in_zone(const Env& env,
                                                               const std::string& zone) {
  std::vector<std::pair<std::string, std::string>> out;
  for (auto& scope : env.store.scopes(kTaskKind))
    for (auto& [arn, t] : env.store.list(scope, kTaskKind))
      if (str_of(*t, "availabilityZone") == zone && str_of(*t, "lastStatus") != kStopped)
        out.emplace_back(scope, arn);
  return out;
}

void reconcile_all_services(Env& env) {
  for (auto& scope : env.store.scopes(kServiceKind)) {
    std::vector<std::string> arns;
    for (auto& [arn, s] : env.store.list(scope, kServiceKind))
      if (s->value("status", "") == "ACTIVE") arns.push_back(arn);
    for (auto& arn : arns) {
      // A zone came back: placement is worth trying at once, not after the backoff.
      json* s = env.store.get_mut(scope, kServiceKind, arn);
      s->erase("_placement_retry_at");
      reconcile_service(env, scope, arn);
    }
  }
}

// A zone's fault started or ended.
//   power:   every task's host in the zone is gone now; ECS notices later (lose_task).
//   network: tasks keep running; ECS cannot reach them, so steps that need the host wait.
//   up (or degraded) after a partition: the waiting steps go on; after any fault the scheduler
//   may place tasks in the zone again and rebalance. Nothing that died comes back by itself.
void on_zone_changed(Env& env, const std::string& zone, const std::string& from,
                     const std::string& to) {
  if (to == "power") {
    for (auto& [scope, arn] : tasks_in_zone(env, zone)) lose_task(env, scope, arn);
    return;
  }
  if (to == "network") return;
  if (from == "network") {
    std::set<std::pair<std::string, std::string>> services;
    for (auto& [scope, arn] : tasks_in_zone(env, zone)) {
      const json* t = env.store.get(scope, kTaskKind, arn);
      if (!t || !t->value("_blocked", false)) continue;
      drive_task(env, scope, arn);
      if (const json* after = env.store.get(scope, kTaskKind, arn))
        if (!after->value("_service_arn", "").empty())
          services.emplace(scope, after->value("_service_arn", ""));
    }
    for (auto& [scope, svc] : services) reconcile_service(env, scope, svc);
  }
  reconcile_all_services(env);
}

std::string required_arn(const json& body, const char* key) {
  auto it = body.find(key);
  if (it == body.end() || !it->is_string() || it->get<std::string>().empty())
    throw AwsError("InvalidFault", std::string("'") + key + "' must be an ECS ARN", 400);
  return it->get<std::string>();
}

// The task a fault names, by ARN: its scope and document.
std::pair<std::string, const json*> fault_task(const Env& env, const std::string& arn) {
  const std::string scope = scope_of_arn(arn);
  const json* t = scope.empty() ? nullptr : env.store.get(scope, kTaskKind, arn);
  if (!t) throw AwsError("TaskNotFound", "no ECS task " + arn, 404);
  return {scope, t};
}

json task_summary(const json& t) {
  return {{"taskArn", t.value("taskArn", "")},
          {"lastStatus", t.value("lastStatus", "")},
          {"desiredStatus", t.value("desiredStatus", "")},
          {"availabilityZone", t.value("availabilityZone", "")},
          {"app", app_state(t)}};
}

// stop-task: as StopTask with the fault's reason (UserInitiated).
json stop_task_fault(Env& env, const json& body) {
  const std::string arn = required_arn(body, "task");
  auto [scope, t] = fault_task(env, arn);
  const std::string service = t->value("_service_arn", "");
  stop_task(env, scope, arn, kUserInitiated, kFaultStopReason);
  if (!service.empty()) reconcile_service(env, scope, service);
  return {{"task", task_summary(*env.store.get(scope, kTaskKind, arn))}};
}

// app-state: the app of one task, or of every task the service has now (tasks it starts later
// run a healthy app: the fault hits what runs, a replacement starts clean).
json app_state_fault(Env& env, const json& body) {
  const auto field = body.find("state");
  const std::string state =
      field != body.end() && field->is_string() ? field->get<std::string>() : std::string();
  if (!valid_app_state(state))
    throw AwsError("InvalidFault", "state must be healthy, unhealthy, hung or crash", 400);
  const bool by_task = body.contains("task"), by_service = body.contains("service");
  if (by_task == by_service) throw AwsError("InvalidFault", "give either 'task' or 'service'", 400);
  std::string scope;
  std::vector<std::string> arns;
  if (by_task) {
    const std::string arn = required_arn(body, "task");
    scope = fault_task(env, arn).first;
    arns.push_back(arn);
  } else {
    const std::string arn = required_arn(body, "service");
    scope = scope_of_arn(arn);
    const json* svc = scope.empty() ? nullptr : env.store.get(scope, kServiceKind, arn);
    if (!svc) throw AwsError("ServiceNotFound", "no ECS service " + arn, 404);
    for (auto& [task_arn, t] : env.store.list(scope, kTaskKind))
      if (t->value("_service_arn", "") == arn && t->value("lastStatus", "") != kStopped)
        arns.push_back(task_arn);
  }
  json tasks = json::array();
  for (auto& arn : arns) {
    set_app_state(env, scope, arn, state);
    tasks.push_back(task_summary(*env.store.get(scope, kTaskKind, arn)));
  }
  return {{"state", state}, {"tasks", tasks}};
}

}  // namespace

void register_simulation(Registry& r) {
  r.hooks.zone_changed.push_back(on_zone_changed);
  r.hooks.target_health.push_back(
      [](Env& env, const std::string& scope, const std::string& tg, const std::string& ip, int port,
         const std::string& /*from*/, const std::string& to,
         const std::string& reason) { on_target_health(env, scope, tg, ip, port, to, reason); });
  r.fault_handlers["stop-task"] = stop_task_fault;
  r.fault_handlers["app-state"] = app_state_fault;
}

}  // namespace zonesim::ecs
