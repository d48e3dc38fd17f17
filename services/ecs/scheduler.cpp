#include "services/ecs/scheduler.hpp"

#include <algorithm>
#include <map>
#include <optional>

#include "services/ecs/common.hpp"
#include "services/ecs/placement.hpp"
#include "services/ecs/task_lifecycle.hpp"

namespace zonesim::ecs {

namespace {

// A pass repeats until nothing changes; under instant timing a deployment rolls in a few rounds.
constexpr int kMaxRounds = 64;

const char* const kNoContainerInstances =
    "was unable to place a task because no container instance met all of its requirements. "
    "Reason: No Container Instances were found in your cluster. For more information, see the "
    "Troubleshooting section of the Amazon ECS Developer Guide.";

struct LiveTask {
  std::string arn;
  std::string deployment;
  std::string zone;
  std::string subnet;
  std::string last_status;
  std::string capacity_provider;
};

std::string label(const json& svc) {
  return "(service " + svc.value("serviceName", "") + ")";
}

std::string task_list(const std::vector<std::string>& arns) {
  std::string out;
  for (auto& a : arns)
    out += (out.empty() ? "" : " ") + std::string("(task ") + last_segment(a) + ")";
  return out;
}

// The service's tasks whose desired status is RUNNING, in creation order.
std::vector<LiveTask> live_tasks(const Env& env, const std::string& scope,
                                 const std::string& service_arn) {
  std::vector<LiveTask> out;
  for (auto& [arn, t] : env.store.list(scope, kTaskKind)) {
    if (t->value("_service_arn", "") != service_arn) continue;
    if (t->value("desiredStatus", "") != kRunning) continue;
    out.push_back({arn, t->value("startedBy", ""), t->value("availabilityZone", ""),
                   t->value("_subnet", ""), t->value("lastStatus", ""),
                   t->value("capacityProviderName", "")});
  }
  return out;
}

// Tasks asked to stop that have not reached STOPPED yet.
bool has_stopping_tasks(const Env& env, const std::string& scope, const std::string& service_arn,
                        std::string_view below = kStopped) {
  for (auto& [arn, t] : env.store.list(scope, kTaskKind)) {
    if (t->value("_service_arn", "") != service_arn) continue;
    if (t->value("desiredStatus", "") != kStopped) continue;
    if (task_state_rank(t->value("lastStatus", "")) < task_state_rank(below)) return true;
  }
  return false;
}

template <class T>
const T& pick(Env& env, const std::vector<T>& options) {
  return options[env.rng.below(options.size())];
}

// Which task to stop next: tasks not yet RUNNING first (they serve nobody), then one from the
// zone holding the most of the service's tasks, so the service stays spread.
std::size_t pick_to_stop(Env& env, const std::vector<LiveTask>& live,
                         const std::vector<std::size_t>& candidates) {
  std::vector<std::size_t> best;
  std::pair<int, long> best_key{-1, -1};
  for (std::size_t i : candidates) {
    long zone_load = std::count_if(live.begin(), live.end(),
                                   [&](const LiveTask& t) { return t.zone == live[i].zone; });
    std::pair<int, long> key{live[i].last_status == kRunning ? 0 : 1, zone_load};
    if (key > best_key) best.clear(), best_key = key;
    if (key == best_key) best.push_back(i);
  }
  return pick(env, best);
}

// The capacity provider for the next task of a strategy: each provider's base first, then the
// provider furthest below its weight share.
std::string pick_capacity_provider(const json& strategy, const std::vector<LiveTask>& live) {
  std::map<std::string, long> counts;
  for (auto& t : live) ++counts[t.capacity_provider];
  for (auto& item : strategy) {
    std::string name = item.value("capacityProvider", "");
    if (counts[name] < item.value("base", 0)) return name;
  }
  std::string best;
  double best_ratio = 0;
  for (auto& item : strategy) {
    int weight = item.value("weight", 0);
    if (weight <= 0) continue;
    std::string name = item.value("capacityProvider", "");
    double ratio = static_cast<double>(counts[name]) / weight;
    if (best.empty() || ratio < best_ratio) best = name, best_ratio = ratio;
  }
  if (best.empty() && !strategy.empty()) best = strategy[0].value("capacityProvider", "");
  return best;
}

const json& awsvpc_of(const json& deployment) {
  static const json kEmpty = json::object();
  auto nc = deployment.find("networkConfiguration");
  if (nc == deployment.end()) return kEmpty;
  auto vpc = nc->find("awsvpcConfiguration");
  return vpc == nc->end() ? kEmpty : *vpc;
}

json subnets_of(const json& deployment) {
  return awsvpc_of(deployment).value("subnets", json::array());
}

TaskLaunch launch_for(const Env& env, const std::string& scope, const json& svc,
                      const json& deployment) {
  TaskLaunch l;
  l.cluster = last_segment(svc.value("clusterArn", ""));
  l.task_definition_key = deployment.value("_taskDefinitionKey", "");
  l.launch_type = deployment.value("launchType", "FARGATE");
  l.platform_version = deployment.value("platformVersion", "LATEST");
  for (auto& g : awsvpc_of(deployment).value("securityGroups", json::array()))
    l.security_groups.push_back(g);
  l.group = "service:" + svc.value("serviceName", "");
  l.started_by = deployment.value("id", "");
  l.enable_execute_command = svc.value("enableExecuteCommand", false);
  l.service_arn = svc.value("serviceArn", "");
  l.load_balancers = deployment.value("_loadBalancers", json::array());
  std::string propagate = svc.value("propagateTags", "NONE");
  if (propagate == "SERVICE") {
    l.tags = svc.value("tags", json::array());
  } else if (propagate == "TASK_DEFINITION") {
    if (const json* td = env.store.get(scope, kTaskDefinitionKind, l.task_definition_key))
      l.tags = td->value("_tags", json::array());
  }
  return l;
}

// Turns the target (de)registrations the lifecycle noted on the service into ECS's events.
void flush_notices(Env& env, json& svc, ReconcileResult& result) {
  if (!svc.contains("_notices")) return;
  json notices = std::move(svc["_notices"]);
  svc.erase("_notices");
  std::vector<std::pair<std::string, std::string>> order;  // (kind, target group)
  std::map<std::pair<std::string, std::string>, int> counts;
  for (auto& n : notices) {
    std::string kind = n.value("kind", ""), tg = n.value("targetGroupArn", "");
    if (kind == "register_failed") {
      result.target_errors.push_back({tg, n.value("code", ""), n.value("message", "")});
      add_service_event(env, svc,
                        label(svc) + " failed to register targets in (target-group " + tg +
                            ") with (error " + n.value("message", "") + ")");
      continue;
    }
    if (counts[{kind, tg}]++ == 0) order.emplace_back(kind, tg);
  }
  for (auto& [kind, tg] : order)
    add_service_event(env, svc,
                      label(svc) + " " + kind + " " + std::to_string(counts[{kind, tg}]) +
                          " targets in (target-group " + tg + ")");
}

std::string scaling_reason(const json& svc) {
  const json& deployments = svc.at("deployments");
  std::string id = deployments.empty() ? "" : deployments[0].value("id", "");
  return "Scaling activity initiated by (deployment " + id + ")";
}

}  // namespace

void add_service_event(Env& env, json& service, const std::string& message) {
  json& events = service["events"];
  if (!events.is_array()) events = json::array();
  events.insert(events.begin(),
                json{{"id", env.rng.uuid()}, {"createdAt", env.clock.now()}, {"message", message}});
  if (events.size() > kMaxServiceEvents)
    events.erase(events.begin() + kMaxServiceEvents, events.end());
}

ReconcileResult reconcile_service(Env& env, const std::string& scope,
                                  const std::string& service_arn) {
  ReconcileResult result;
  for (int round = 0; round < kMaxRounds; ++round) {
    const json* svc = env.store.get(scope, kServiceKind, service_arn);
    if (!svc || svc->value("status", "") == "INACTIVE") break;
    const bool active = svc->value("status", "") == "ACTIVE";
    const json& deployments = svc->at("deployments");
    const json primary = deployments.empty() ? json::object() : deployments[0];
    const std::string primary_id = primary.value("id", "");
    std::vector<LiveTask> live = live_tasks(env, scope, service_arn);

    // 1. Launch what the primary deployment lacks, within maximumPercent.
    std::vector<std::string> started;
    if (active) {
      const int desired = svc->value("desiredCount", 0);
      const int max_pct =
          svc->value("deploymentConfiguration", json::object()).value("maximumPercent", 200);
      const long in_primary = std::count_if(
          live.begin(), live.end(), [&](const LiveTask& t) { return t.deployment == primary_id; });
      const bool rolling = static_cast<long>(live.size()) > in_primary;
      const long cap =
          rolling ? desired * max_pct / 100 : std::max<long>(desired, desired * max_pct / 100);
      long to_start = std::min<long>(desired - in_primary, cap - static_cast<long>(live.size()));
      const std::string launch_type = primary.value("launchType", "");
      if (to_start > 0 && !launch_type.empty() && launch_type != "FARGATE") {
        // zonesim has no container instances: EC2 / EXTERNAL capacity never exists.
        json* s = env.store.get_mut(scope, kServiceKind, service_arn);
        std::string msg = label(*s) + " " + kNoContainerInstances;
        if ((*s)["events"].empty() || (*s)["events"][0].value("message", "") != msg)
          add_service_event(env, *s, msg);
        to_start = 0;
      }
      for (long i = 0; i < to_start; ++i) {
        svc = env.store.get(scope, kServiceKind, service_arn);
        TaskLaunch launch = launch_for(env, scope, *svc, primary);
        if (launch_type.empty()) {
          launch.capacity_provider = pick_capacity_provider(
              primary.value("capacityProviderStrategy", json::array()), live);
          launch.launch_type = "FARGATE";
        }
        std::vector<PlacedTask> placed;
        for (auto& t : live) placed.push_back({t.zone, t.subnet});
        auto subnet = choose_subnet(env, scope, subnets_of(primary), placed);
        std::string error;
        if (subnet) {
          launch.subnet_id = *subnet;
          try {
            std::string arn = create_task(env, scope, launch);
            started.push_back(arn);
            const json* t = env.store.get(scope, kTaskKind, arn);
            live.push_back({arn, primary_id, t->value("availabilityZone", ""), *subnet,
                            t->value("lastStatus", ""), launch.capacity_provider});
            drive_task(env, scope, arn);
            continue;
          } catch (const AwsError& e) {
            error = e.message();
          }
        } else {
          error = "No subnet of the service's network configuration exists.";
        }
        json* s = env.store.get_mut(scope, kServiceKind, service_arn);
        add_service_event(env, *s, label(*s) + " was unable to place a task. Reason: " + error);
        break;
      }
    }
    json* s = env.store.get_mut(scope, kServiceKind, service_arn);
    if (!started.empty()) {
      add_service_event(env, *s,
                        label(*s) + " has started " + std::to_string(started.size()) +
                            " tasks: " + task_list(started) + ".");
      result.started.insert(result.started.end(), started.begin(), started.end());
    }
    flush_notices(env, *s, result);

    // 2. Stop what is no longer wanted: everything when draining; the old deployments' tasks
    //    within minimumHealthyPercent; the primary's tasks above the desired count.
    live = live_tasks(env, scope, service_arn);
    std::vector<std::string> stopped;
    const std::string reason = scaling_reason(*s);
    auto stop = [&](std::size_t i) {
      stopped.push_back(live[i].arn);
      stop_task(env, scope, live[i].arn, "ServiceSchedulerInitiated", reason);
      live.erase(live.begin() + static_cast<long>(i));
    };
    if (!active) {
      while (!live.empty()) stop(0);
    } else {
      const int desired = s->value("desiredCount", 0);
      const int min_pct =
          s->value("deploymentConfiguration", json::object()).value("minimumHealthyPercent", 100);
      const long floor = (static_cast<long>(desired) * min_pct + 99) / 100;
      for (;;) {
        std::vector<std::size_t> old_idle, old_running;
        long running = 0;
        for (std::size_t i = 0; i < live.size(); ++i) {
          if (live[i].last_status == kRunning) ++running;
          if (live[i].deployment == primary_id) continue;
          (live[i].last_status == kRunning ? old_running : old_idle).push_back(i);
        }
        if (!old_idle.empty()) {
          stop(pick_to_stop(env, live, old_idle));
        } else if (!old_running.empty() && running - 1 >= floor) {
          stop(pick_to_stop(env, live, old_running));
        } else {
          break;
        }
      }
      for (;;) {
        std::vector<std::size_t> in_primary;
        for (std::size_t i = 0; i < live.size(); ++i)
          if (live[i].deployment == primary_id) in_primary.push_back(i);
        if (static_cast<long>(in_primary.size()) <= desired) break;
        stop(pick_to_stop(env, live, in_primary));
      }
    }
    s = env.store.get_mut(scope, kServiceKind, service_arn);
    if (!stopped.empty()) {
      add_service_event(env, *s,
                        label(*s) + " has stopped " + std::to_string(stopped.size()) +
                            " running tasks: " + task_list(stopped) + ".");
      result.stopped.insert(result.stopped.end(), stopped.begin(), stopped.end());
    }
    flush_notices(env, *s, result);
    if (!started.empty() || !stopped.empty()) {
      (*s)["_steady"] = false;
      if (!(*s)["deployments"].empty()) (*s)["deployments"][0]["updatedAt"] = env.clock.now();
    } else {
      break;
    }
  }

  json* s = env.store.get_mut(scope, kServiceKind, service_arn);
  if (!s) return result;
  const std::string status = s->value("status", "");
  if (status == "DRAINING") {
    // ECS: once every task is STOPPING or STOPPED the service becomes INACTIVE.
    if (live_tasks(env, scope, service_arn).empty() &&
        !has_stopping_tasks(env, scope, service_arn, kStopping))
      (*s)["status"] = "INACTIVE";
    return result;
  }
  if (status != "ACTIVE") return result;

  // Old deployments leave once their last task has stopped.
  json& deployments = (*s)["deployments"];
  std::vector<LiveTask> live = live_tasks(env, scope, service_arn);
  for (std::size_t i = deployments.size(); i-- > 1;) {
    std::string id = deployments[i].value("id", "");
    bool busy = std::any_of(live.begin(), live.end(),
                            [&](const LiveTask& t) { return t.deployment == id; });
    for (auto& [arn, t] : env.store.list(scope, kTaskKind))
      if (t->value("startedBy", "") == id && t->value("_service_arn", "") == service_arn &&
          t->value("lastStatus", "") != kStopped)
        busy = true;
    if (!busy) deployments.erase(deployments.begin() + static_cast<long>(i));
  }

  const int desired = s->value("desiredCount", 0);
  const long running = std::count_if(live.begin(), live.end(),
                                     [](const LiveTask& t) { return t.last_status == kRunning; });
  const bool steady = deployments.size() == 1 && running == desired &&
                      static_cast<long>(live.size()) == running &&
                      !has_stopping_tasks(env, scope, service_arn);
  if (!steady) {
    (*s)["_steady"] = false;
    return result;
  }
  if (s->value("_steady", false)) return result;
  (*s)["_steady"] = true;
  json& primary = deployments[0];
  if (primary.value("rolloutState", "") == "IN_PROGRESS") {
    const std::string id = primary.value("id", "");
    primary["rolloutState"] = "COMPLETED";
    primary["rolloutStateReason"] = "ECS deployment " + id + " completed.";
    primary["updatedAt"] = env.clock.now();
    add_service_event(env, *s, label(*s) + " (deployment " + id + ") deployment completed.");
  }
  add_service_event(env, *s, label(*s) + " has reached a steady state.");
  return result;
}

}  // namespace zonesim::ecs
