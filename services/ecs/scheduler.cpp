#include "services/ecs/scheduler.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "emulator/sim/timeline.hpp"
#include "services/ec2/network.hpp"
#include "services/ecs/app.hpp"
#include "services/ecs/common.hpp"
#include "services/ecs/placement.hpp"
#include "services/ecs/task_lifecycle.hpp"
#include "services/elbv2/targets.hpp"

// Internal fields of a service document, besides the Service members:
//   _client_token, _request    CreateService idempotency
//   _steady                    the steady state was reported (reported once per steady period)
//   _notices                   target (de)registrations the lifecycle noted, for the events
//   _placement_retry_at, _placement_failures   the backoff after "unable to place a task"
//   _last_completed            the last deployment that COMPLETED (what a rollback returns to)
//   _rebalancing               an Availability Zone rebalancing is under way
//   _rebalance {task}          the task it started, waiting to be healthy before one stops
//   _tasks                     its tasks that have not reached STOPPED, in creation order
// A deployment's own internal fields: _taskDefinitionKey, _loadBalancers, _rollback.

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
  bool healthy = false;  // RUNNING, and healthy in its target groups (after fill_health)
};

// A service task's registered targets are all healthy in their groups (ECS's steady state and the
// minimum healthy percent count load balancer health). `groups`: the states of the target groups
// looked at so far.
bool targets_healthy(const Env& env, const std::string& scope, const json& task,
                     std::map<std::string, elbv2::TargetStates>& groups) {
  const std::string ip = task.value("_ip", "");
  auto it = task.find("_targets");
  if (it == task.end()) return true;
  for (auto& t : *it) {
    if (!t.value("registered", false)) continue;
    const std::string arn = t.value("targetGroupArn", "");
    auto g = groups.find(arn);
    if (g == groups.end()) g = groups.emplace(arn, elbv2::target_states(env, scope, arn)).first;
    auto s = g->second.find({ip, t.value("containerPort", 0)});
    if (s != g->second.end() && s->second && *s->second != "healthy") return false;
  }
  return true;
}

std::string label(const json& svc) {
  return "(service " + svc.value("serviceName", "") + ")";
}

std::string task_list(const std::vector<std::string>& arns) {
  std::string out;
  for (auto& a : arns)
    out += (out.empty() ? "" : " ") + std::string("(task ") + last_segment(a) + ")";
  return out;
}

// One pass over the scope's tasks for what the scheduler asks about a service (the scans run on
// every task state change, so each pass asks everything at once).
struct ServiceTasks {
  std::vector<LiveTask> live;  // desired RUNNING, in creation order
  bool stopping = false;       // some task asked to stop has not reached STOPPED
  bool deactivating = false;   // ... nor STOPPING
  std::set<std::string> busy;  // deployments with a task not STOPPED
};

ServiceTasks scan_tasks(const Env& env, const std::string& scope, const std::string& service_arn) {
  ServiceTasks out;
  const int stopping = task_state_rank(kStopping);
  auto visit = [&](const std::string& arn, const json& t) {
    const std::string& last = str_of(t, "lastStatus");
    if (last == kStopped) return;
    out.busy.insert(str_of(t, "startedBy"));
    if (str_of(t, "desiredStatus") == kRunning) {
      out.live.push_back({arn, str_of(t, "startedBy"), str_of(t, "availabilityZone"),
                          str_of(t, "_subnet"), last, str_of(t, "capacityProviderName")});
      return;
    }
    out.stopping = true;
    if (task_state_rank(last) < stopping) out.deactivating = true;
  };
  const json* svc = env.store.get(scope, kServiceKind, service_arn);
  if (svc && svc->contains("_tasks")) {
    for (auto& arn : (*svc)["_tasks"]) {
      const std::string& id = arn.get_ref<const std::string&>();
      if (const json* t = env.store.get(scope, kTaskKind, id)) visit(id, *t);
    }
  } else {
    // A service stored before it kept its task list.
    for (auto& [arn, t] : env.store.list(scope, kTaskKind))
      if (str_of(*t, "_service_arn") == service_arn) visit(arn, *t);
  }
  return out;
}

// The service's tasks whose desired status is RUNNING, in creation order.
std::vector<LiveTask> live_tasks(const Env& env, const std::string& scope,
                                 const std::string& service_arn) {
  return scan_tasks(env, scope, service_arn).live;
}

// Looks up the load balancer health of the RUNNING ones (only where it matters: it costs a look
// into every target group of the tasks).
void fill_health(const Env& env, const std::string& scope, std::vector<LiveTask>& live) {
  std::map<std::string, elbv2::TargetStates> groups;
  for (auto& t : live) {
    const json* task = t.last_status == kRunning ? env.store.get(scope, kTaskKind, t.arn) : nullptr;
    t.healthy = task && targets_healthy(env, scope, *task, groups);
  }
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

json* deployment_mut(json& svc, const std::string& id) {
  for (auto& d : svc["deployments"])
    if (d.value("id", "") == id) return &d;
  return nullptr;
}

void schedule_placement_retry(Env& env, const std::string& scope, json& svc) {
  const int failures = std::min(svc.value("_placement_failures", 0), 8);
  const sim::Millis delay = std::min(kPlacementRetryBaseMs << failures, kPlacementRetryMaxMs);
  const sim::Millis at = env.clock.now() + delay;
  svc["_placement_failures"] = failures + 1;
  svc["_placement_retry_at"] = at;
  const std::string arn = svc.value("serviceArn", "");
  env.clock.schedule_at(at, "ecs service placement retry " + svc.value("serviceName", ""),
                        [&env, scope, arn, at] {
                          json* s = env.store.get_mut(scope, kServiceKind, arn);
                          if (!s || s->value("_placement_retry_at", sim::Millis{-1}) != at) return;
                          s->erase("_placement_retry_at");
                          reconcile_service(env, scope, arn);
                        });
}

// The zones of the primary deployment's subnets, sorted.
std::vector<std::string> service_zones(const Env& env, const std::string& scope,
                                       const json& deployment) {
  std::set<std::string> zones;
  for (auto& s : subnets_of(deployment))
    if (auto info = ec2::find_subnet(env, scope, s.get<std::string>())) zones.insert(info->zone);
  return {zones.begin(), zones.end()};
}

// "2 tasks in eu-central-1a and 0 tasks in eu-central-1b" (ECS's rebalancing events).
std::string zone_counts_text(const std::vector<std::pair<std::string, long>>& counts) {
  std::string out;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    if (i > 0) out += counts.size() == 2 ? " and " : (i + 1 == counts.size() ? ", and " : ", ");
    out += std::to_string(counts[i].second) + " tasks in " + counts[i].first;
  }
  return out;
}

// One RUNNING task of `zone` to stop (not `keep`), by the RNG among equals.
std::optional<std::string> running_task_in(Env& env, const std::vector<LiveTask>& live,
                                           const std::string& zone, const std::string& keep) {
  std::vector<std::string> options;
  for (auto& t : live)
    if (t.zone == zone && t.last_status == kRunning && t.arn != keep) options.push_back(t.arn);
  if (options.empty()) return std::nullopt;
  return pick(env, options);
}

// Stops and starts what the service's deployments call for, until nothing changes.
void launch_and_stop(Env& env, const std::string& scope, const std::string& service_arn,
                     ReconcileResult& result) {
  for (int round = 0; round < kMaxRounds; ++round) {
    const json* svc = env.store.get(scope, kServiceKind, service_arn);
    if (!svc || svc->value("status", "") == "INACTIVE") break;
    const bool active = svc->value("status", "") == "ACTIVE";
    const json& deployments = svc->at("deployments");
    const json primary = deployments.empty() ? json::object() : deployments[0];
    const std::string primary_id = primary.value("id", "");
    // A deployment the circuit breaker failed (without rollback) launches nothing more and leaves
    // the previous deployment's tasks in place.
    const bool failed = primary.value("rolloutState", "") == "FAILED";
    const bool backing_off = svc->value("_placement_retry_at", sim::Millis{-1}) > env.clock.now();
    const long extra = svc->contains("_rebalance") ? 1 : 0;
    std::vector<LiveTask> live = live_tasks(env, scope, service_arn);

    // 1. Launch what the primary deployment lacks, within maximumPercent.
    std::vector<std::string> started;
    if (active && !failed && !backing_off) {
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
        SubnetChoice choice = choose_subnet(env, scope, subnets_of(primary), placed);
        std::string error = choice.failure;
        if (choice.subnet) {
          launch.subnet_id = *choice.subnet;
          try {
            std::string arn = create_task(env, scope, launch);
            started.push_back(arn);
            const json* t = env.store.get(scope, kTaskKind, arn);
            live.push_back({arn, primary_id, t->value("availabilityZone", ""), *choice.subnet,
                            t->value("lastStatus", ""), launch.capacity_provider});
            if (svc->contains("_placement_failures"))
              env.store.get_mut(scope, kServiceKind, service_arn)->erase("_placement_failures");
            drive_task(env, scope, arn);
            continue;
          } catch (const AwsError& e) {
            error = e.message();
          }
        }
        json* s = env.store.get_mut(scope, kServiceKind, service_arn);
        add_service_event(env, *s, label(*s) + " was unable to place a task. Reason: " + error);
        if (error == kCapacityUnavailable) schedule_placement_retry(env, scope, *s);
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
    //    within minimumHealthyPercent; the primary's tasks above the desired count. The tasks
    //    just launched may have moved on (at once under instant timing).
    for (std::size_t i = live.size() - started.size(); i < live.size(); ++i)
      live[i].last_status = str_of(*env.store.get(scope, kTaskKind, live[i].arn), "lastStatus");
    // minimumHealthyPercent counts tasks that pass their load balancer health checks.
    if (std::any_of(live.begin(), live.end(),
                    [&](const LiveTask& t) { return t.deployment != primary_id; }))
      fill_health(env, scope, live);
    std::vector<std::string> stopped;
    const std::string reason = scaling_reason(*s);
    auto stop = [&](std::size_t i) {
      stopped.push_back(live[i].arn);
      stop_task(env, scope, live[i].arn, kServiceSchedulerInitiated, reason);
      live.erase(live.begin() + static_cast<long>(i));
    };
    if (!active) {
      while (!live.empty()) stop(0);
    } else {
      const int desired = s->value("desiredCount", 0);
      const int min_pct =
          s->value("deploymentConfiguration", json::object()).value("minimumHealthyPercent", 100);
      const long floor = (static_cast<long>(desired) * min_pct + 99) / 100;
      while (!failed) {
        std::vector<std::size_t> old_idle, old_running;
        long running = 0;
        for (std::size_t i = 0; i < live.size(); ++i) {
          if (live[i].healthy) ++running;
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
        if (static_cast<long>(in_primary.size()) <= desired + extra) break;
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
}

enum class Rebalance { idle, waiting, changed };

// Availability Zone rebalancing (availabilityZoneRebalancing ENABLED), once the service is
// steady: start a task in the available zone with the fewest tasks (when maximumPercent leaves
// room; otherwise stop first), and once it is healthy stop one in the zone with the most.
Rebalance rebalance(Env& env, const std::string& scope, const std::string& service_arn,
                    const std::vector<LiveTask>& live, bool counts_steady,
                    ReconcileResult& result) {
  json& s = *env.store.get_mut(scope, kServiceKind, service_arn);
  const std::string name = s.value("serviceName", "");
  if (s.contains("_rebalance")) {
    const std::string arn = s["_rebalance"].value("task", "");
    const json* t = env.store.get(scope, kTaskKind, arn);
    if (!t || t->value("desiredStatus", "") != kRunning) {
      s.erase("_rebalance");
      return Rebalance::changed;
    }
    std::map<std::string, elbv2::TargetStates> groups;
    if (t->value("lastStatus", "") != kRunning || !targets_healthy(env, scope, *t, groups))
      return Rebalance::waiting;
    std::map<std::string, long> counts;
    for (auto& l : live)
      if (l.last_status == kRunning) ++counts[l.zone];
    std::string busiest;
    for (auto& [zone, n] : counts)
      if (busiest.empty() || n > counts[busiest]) busiest = zone;
    s.erase("_rebalance");
    if (auto victim = running_task_in(env, live, busiest, arn)) {
      stop_task(env, scope, *victim, kServiceSchedulerInitiated, scaling_reason(s));
      json& s2 = *env.store.get_mut(scope, kServiceKind, service_arn);
      add_service_event(env, s2,
                        name + " has stopped 1 running tasks in " + busiest +
                            " due to AZ rebalancing: " + last_segment(*victim) + ".");
      result.stopped.push_back(*victim);
    }
    return Rebalance::changed;
  }
  if (!counts_steady || s.value("availabilityZoneRebalancing", "DISABLED") != "ENABLED")
    return Rebalance::idle;
  const json primary = s["deployments"][0];
  std::vector<std::pair<std::string, long>> counts;
  for (auto& zone : service_zones(env, scope, primary))
    counts.emplace_back(zone, std::count_if(live.begin(), live.end(),
                                            [&](const LiveTask& t) { return t.zone == zone; }));
  std::string busiest, emptiest;
  long most = -1, fewest = -1;
  for (auto& [zone, n] : counts) {
    if (n > most) busiest = zone, most = n;
    if (zone_available(env, zone) && (fewest < 0 || n < fewest)) emptiest = zone, fewest = n;
  }
  if (fewest < 0 || most - fewest <= 1) {
    if (s.value("_rebalancing", false)) {
      s.erase("_rebalancing");
      add_service_event(
          env, s, "service (" + name + ") is AZ balanced with " + zone_counts_text(counts) + ".");
    }
    return Rebalance::idle;
  }
  if (!s.value("_rebalancing", false)) {
    s["_rebalancing"] = true;
    add_service_event(env, s,
                      "service (" + name + ") is not AZ balanced with " + zone_counts_text(counts) +
                          ". AZ Rebalancing in progress.");
  }
  const int desired = s.value("desiredCount", 0);
  const int max_pct =
      s.value("deploymentConfiguration", json::object()).value("maximumPercent", 200);
  if (desired * max_pct / 100 > desired) {
    std::vector<PlacedTask> placed;
    for (auto& t : live) placed.push_back({t.zone, t.subnet});
    SubnetChoice choice = choose_subnet(env, scope, subnets_of(primary), placed);
    if (!choice.subnet) return Rebalance::idle;
    TaskLaunch launch = launch_for(env, scope, s, primary);
    if (primary.value("launchType", "").empty()) {
      launch.capacity_provider =
          pick_capacity_provider(primary.value("capacityProviderStrategy", json::array()), live);
      launch.launch_type = "FARGATE";
    }
    launch.subnet_id = *choice.subnet;
    std::string arn;
    try {
      arn = create_task(env, scope, launch);
    } catch (const AwsError&) {
      return Rebalance::idle;
    }
    json& s2 = *env.store.get_mut(scope, kServiceKind, service_arn);
    s2["_rebalance"] = {{"task", arn}};
    const std::string zone = env.store.get(scope, kTaskKind, arn)->value("availabilityZone", "");
    add_service_event(
        env, s2,
        name + " has started 1 tasks in " + zone + " to AZ Rebalance: " + last_segment(arn) + ".");
    result.started.push_back(arn);
    drive_task(env, scope, arn);
    return Rebalance::changed;
  }
  // maximumPercent 100: stop first; the scheduler places the replacement in the emptiest zone.
  auto victim = running_task_in(env, live, busiest, "");
  if (!victim) return Rebalance::idle;
  stop_task(env, scope, *victim, kServiceSchedulerInitiated, scaling_reason(s));
  json& s2 = *env.store.get_mut(scope, kServiceKind, service_arn);
  add_service_event(env, s2,
                    name + " has stopped 1 running tasks in " + busiest +
                        " due to AZ rebalancing: " + last_segment(*victim) + ".");
  result.stopped.push_back(*victim);
  return Rebalance::changed;
}

// After launching and stopping: the service's status, old deployments leaving, rebalancing and
// the steady state. True when it changed tasks and another pass is due.
bool settle(Env& env, const std::string& scope, const std::string& service_arn,
            ReconcileResult& result) {
  json* s = env.store.get_mut(scope, kServiceKind, service_arn);
  if (!s) return false;
  const std::string status = s->value("status", "");
  ServiceTasks tasks = scan_tasks(env, scope, service_arn);
  if (status == "DRAINING") {
    // ECS: once every task is STOPPING or STOPPED the service becomes INACTIVE.
    if (tasks.live.empty() && !tasks.deactivating) (*s)["status"] = "INACTIVE";
    return false;
  }
  if (status != "ACTIVE") return false;

  // Old deployments leave once their last task has stopped.
  json& deployments = (*s)["deployments"];
  for (std::size_t i = deployments.size(); i-- > 1;)
    if (!tasks.busy.count(deployments[i].value("id", "")))
      deployments.erase(deployments.begin() + static_cast<long>(i));

  std::vector<LiveTask>& live = tasks.live;
  const int desired = s->value("desiredCount", 0);
  const long running = std::count_if(live.begin(), live.end(),
                                     [](const LiveTask& t) { return t.last_status == kRunning; });
  const bool counts_steady = deployments.size() == 1 && running == desired &&
                             static_cast<long>(live.size()) == running && !tasks.stopping;
  switch (rebalance(env, scope, service_arn, live, counts_steady, result)) {
    case Rebalance::changed:
      env.store.get_mut(scope, kServiceKind, service_arn)->operator[]("_steady") = false;
      return true;
    case Rebalance::waiting:
      env.store.get_mut(scope, kServiceKind, service_arn)->operator[]("_steady") = false;
      return false;
    case Rebalance::idle:
      break;
  }
  s = env.store.get_mut(scope, kServiceKind, service_arn);
  if (counts_steady) fill_health(env, scope, live);
  const bool steady = counts_steady && std::all_of(live.begin(), live.end(),
                                                   [](const LiveTask& t) { return t.healthy; });
  if (!steady) {
    (*s)["_steady"] = false;
    return false;
  }
  if (s->value("_steady", false)) return false;
  (*s)["_steady"] = true;
  json& primary = (*s)["deployments"][0];
  if (primary.value("rolloutState", "") == "IN_PROGRESS") {
    const std::string id = primary.value("id", "");
    primary["rolloutState"] = "COMPLETED";
    primary["rolloutStateReason"] = "ECS deployment " + id + " completed.";
    primary["updatedAt"] = env.clock.now();
    (*s)["_last_completed"] = primary;
    add_service_event(env, *s, label(*s) + " (deployment " + id + ") deployment completed.");
    sim::record(env, sim::Change{"", "ecs", id, "IN_PROGRESS", "COMPLETED",
                                 label(*s) + " deployment completed"});
  }
  add_service_event(env, *s, label(*s) + " has reached a steady state.");
  return false;
}

// --- health --------------------------------------------------------------------------------------

// ECS's words for what the target group reported.
std::string unhealthy_reason(const Env& env, const std::string& scope, const json& task,
                             const json& target) {
  const std::string code = target.value("reason", "");
  if (code == "Target.Timeout") return "Request timed out";
  if (code == "Target.ResponseCodeMismatch") {
    AppAnswer a = app_answer(env, scope, task.value("_ip", ""), target.value("containerPort", 0),
                             task.value("availabilityZone", ""), "/");
    if (a.kind == AppAnswer::Kind::ok)
      return "Health checks failed with these codes: [" + std::to_string(a.status) + "]";
  }
  return "Health checks failed";
}

void replace_unhealthy(Env& env, const std::string& scope, const std::string& service_arn,
                       const std::string& task_arn, const json& task, const json& target) {
  const std::string tg = target.value("targetGroupArn", "");
  const std::string why = unhealthy_reason(env, scope, task, target);
  json* s = env.store.get_mut(scope, kServiceKind, service_arn);
  add_service_event(env, *s,
                    label(*s) + " (port " + std::to_string(target.value("containerPort", 0)) +
                        ") is unhealthy in (target-group " + tg + ") due to (reason " + why + ").");
  stop_task(env, scope, task_arn, kServiceSchedulerInitiated,
            "Task failed ELB health checks in (target-group " + tg + ")");
  s = env.store.get_mut(scope, kServiceKind, service_arn);
  add_service_event(
      env, *s, label(*s) + " has stopped 1 running tasks: (task " + last_segment(task_arn) + ").");
  (*s)["_steady"] = false;
  note_task_failure(env, scope, service_arn, task_arn);
}

// A task of the deployment started and is healthy: the circuit breaker counts consecutive
// failures, so the count starts over.
void note_task_success(Env& env, const std::string& scope, const std::string& service_arn,
                       const std::string& deployment_id) {
  const json* svc = env.store.get(scope, kServiceKind, service_arn);
  if (!svc) return;
  for (auto& d : svc->at("deployments")) {
    if (d.value("id", "") != deployment_id) continue;
    if (d.value("rolloutState", "") != "IN_PROGRESS" || d.value("failedTasks", 0) == 0) return;
    (*deployment_mut(*env.store.get_mut(scope, kServiceKind, service_arn),
                     deployment_id))["failedTasks"] = 0;
    return;
  }
}

// What the target groups last reported about a service task, acted on once the grace period is
// over: an unhealthy target gets the task replaced; healthy ones count as a started task.
void check_task_health(Env& env, const std::string& scope, const std::string& task_arn) {
  const json* t = env.store.get(scope, kTaskKind, task_arn);
  if (!t) return;
  const std::string service_arn = t->value("_service_arn", "");
  const json* svc = env.store.get(scope, kServiceKind, service_arn);
  if (!svc || svc->value("status", "") != "ACTIVE") return;
  if (t->value("desiredStatus", "") == kRunning && t->value("lastStatus", "") == kRunning &&
      t->contains("startedAt")) {
    const sim::Millis grace_end = (*t)["startedAt"].get<sim::Millis>() +
                                  svc->value("healthCheckGracePeriodSeconds", 0) * 1000;
    bool all_healthy = true, any = false;
    for (auto& target : (*t)["_targets"]) {
      if (!target.value("registered", false)) continue;
      any = true;
      const std::string health = target.value("health", "");
      all_healthy = all_healthy && health == "healthy";
      if (health == "unhealthy" && env.clock.now() >= grace_end) {
        const json task = *t, tgt = target;
        replace_unhealthy(env, scope, service_arn, task_arn, task, tgt);
        all_healthy = false;
        break;
      }
    }
    if (any && all_healthy) note_task_success(env, scope, service_arn, t->value("startedBy", ""));
  }
  reconcile_service(env, scope, service_arn);
}

void schedule_health_check(Env& env, const std::string& scope, const std::string& task_arn,
                           sim::Millis at) {
  env.clock.schedule_at(at, "ecs task health " + last_segment(task_arn),
                        [&env, scope, task_arn] { check_task_health(env, scope, task_arn); });
}

// The circuit breaker trips: the deployment FAILED; with rollback, a new deployment of the last
// completed one.
void fail_deployment(Env& env, const std::string& scope, const std::string& service_arn,
                     const std::string& deployment_id) {
  json& s = *env.store.get_mut(scope, kServiceKind, service_arn);
  json& d = *deployment_mut(s, deployment_id);
  const sim::Millis now = env.clock.now();
  d["rolloutState"] = "FAILED";
  d["rolloutStateReason"] = "ECS deployment circuit breaker: tasks failed to start.";
  d["updatedAt"] = now;
  const bool was_rollback = d.value("_rollback", false);
  add_service_event(
      env, s,
      label(s) + " (deployment " + deployment_id + ") deployment failed: tasks failed to start.");
  sim::record(env, sim::Change{"", "ecs", deployment_id, "IN_PROGRESS", "FAILED",
                               label(s) + " circuit breaker: " +
                                   std::to_string(d.value("failedTasks", 0)) + " tasks failed"});
  const json breaker = s["deploymentConfiguration"].value("deploymentCircuitBreaker", json());
  if (!breaker.is_object() || !breaker.value("rollback", false) || was_rollback ||
      !s.contains("_last_completed"))
    return;
  const json& last = s["_last_completed"];
  const std::string back_to = last.value("id", "");
  json nd = last;
  const std::string id = new_deployment_id(env);
  nd["id"] = id;
  nd["status"] = "PRIMARY";
  nd["rolloutState"] = "IN_PROGRESS";
  nd["rolloutStateReason"] =
      "ECS deployment circuit breaker: rolling back to deploymentId " + back_to + ".";
  nd["createdAt"] = now;
  nd["updatedAt"] = now;
  nd["failedTasks"] = 0;
  nd["_rollback"] = true;
  for (auto& other : s["deployments"]) other["status"] = "ACTIVE";
  s["deployments"].insert(s["deployments"].begin(), nd);
  // The service describes what it runs: the rolled-back deployment's definition and placement.
  s["taskDefinition"] = nd["taskDefinition"];
  s["loadBalancers"] = nd.value("_loadBalancers", json::array());
  for (const char* k : {"launchType", "platformVersion", "platformFamily", "networkConfiguration"})
    if (nd.contains(k))
      s[k] = nd[k];
    else
      s.erase(k);
  s["capacityProviderStrategy"] = nd.value("capacityProviderStrategy", json::array());
  s["_steady"] = false;
  add_service_event(env, s, label(s) + " rolling back to deployment " + back_to + ".");
  sim::record(env, sim::Change{"", "ecs", id, "", "IN_PROGRESS",
                               label(s) + " rollback to deployment " + back_to});
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

void flush_service_events(Env& env, const std::string& scope, const std::string& service_arn) {
  const json* svc = env.store.get(scope, kServiceKind, service_arn);
  if (!svc || !svc->contains("_notices")) return;
  ReconcileResult ignored;
  flush_notices(env, *env.store.get_mut(scope, kServiceKind, service_arn), ignored);
}

ReconcileResult reconcile_service(Env& env, const std::string& scope,
                                  const std::string& service_arn) {
  ReconcileResult result;
  for (int pass = 0; pass < kMaxRounds; ++pass) {
    launch_and_stop(env, scope, service_arn, result);
    if (!settle(env, scope, service_arn, result)) break;
  }
  return result;
}

int circuit_breaker_threshold(int desired_count) {
  const int half = (desired_count + 1) / 2;  // 0.5 x desired, rounded up
  return std::clamp(half, 3, 200);
}

void on_service_task_running(Env& env, const std::string& scope, const std::string& task_arn) {
  const json* t = env.store.get(scope, kTaskKind, task_arn);
  if (!t) return;
  const std::string service_arn = t->value("_service_arn", "");
  const json* svc = env.store.get(scope, kServiceKind, service_arn);
  if (!svc) return;
  bool registered = false;
  for (auto& target : (*t)["_targets"])
    registered = registered || target.value("registered", false);
  if (!registered) {
    // Without a load balancer, reaching RUNNING is all the health ECS knows of.
    note_task_success(env, scope, service_arn, t->value("startedBy", ""));
    return;
  }
  // What the groups report during the grace period is acted on when it ends.
  const sim::Millis at =
      env.clock.now() + svc->value("healthCheckGracePeriodSeconds", 0) * sim::Millis{1000};
  schedule_health_check(env, scope, task_arn, at);
}

void on_target_health(Env& env, const std::string& scope, const std::string& target_group_arn,
                      const std::string& ip, int port, const std::string& to,
                      const std::string& reason) {
  for (auto& arn : tasks_at_ip(env, scope, ip)) {
    const json* t = env.store.get(scope, kTaskKind, arn);
    if (!t) continue;
    const json& targets = (*t)["_targets"];
    for (std::size_t i = 0; i < targets.size(); ++i) {
      if (targets[i].value("targetGroupArn", "") != target_group_arn ||
          targets[i].value("containerPort", 0) != port)
        continue;
      json& target = (*env.store.get_mut(scope, kTaskKind, arn))["_targets"][i];
      target["health"] = to;
      target["reason"] = reason;
      // Acted on from the clock, never inside the caller (the hook may fire while ECS itself is
      // registering or deregistering the target).
      if (!t->value("_service_arn", "").empty() && (to == "unhealthy" || to == "healthy"))
        schedule_health_check(env, scope, arn, env.clock.now());
    }
  }
}

void note_task_failure(Env& env, const std::string& scope, const std::string& service_arn,
                       const std::string& task_arn) {
  const json* t = env.store.get(scope, kTaskKind, task_arn);
  json* s = env.store.get_mut(scope, kServiceKind, service_arn);
  if (!t || !s || (*s)["deployments"].empty()) return;
  const std::string id = t->value("startedBy", "");
  json& primary = (*s)["deployments"][0];
  if (primary.value("id", "") != id || primary.value("rolloutState", "") != "IN_PROGRESS") return;
  const int failed = primary.value("failedTasks", 0) + 1;
  primary["failedTasks"] = failed;
  const json breaker =
      (*s)["deploymentConfiguration"].value("deploymentCircuitBreaker", json::object());
  if (!breaker.is_object() || !breaker.value("enable", false)) return;
  if (failed < circuit_breaker_threshold(s->value("desiredCount", 0))) return;
  fail_deployment(env, scope, service_arn, id);
}

}  // namespace zonesim::ecs
