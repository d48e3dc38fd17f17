#include "services/ecs/task_lifecycle.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>

#include "services/ec2/network.hpp"
#include "services/ecs/common.hpp"
#include "services/ecs/scheduler.hpp"
#include "services/elbv2/targets.hpp"

namespace zonesim::ecs {

namespace {

constexpr std::array<std::string_view, 8> kStates = {kProvisioning,   kPending,      kActivating,
                                                     kRunning,        kDeactivating, kStopping,
                                                     kDeprovisioning, kStopped};

std::string private_dns_name(const std::string& ip, const std::string& region) {
  std::string host = "ip-" + ip;
  std::replace(host.begin(), host.end(), '.', '-');
  // us-east-1 keeps the historical ec2.internal domain.
  return host + (region == "us-east-1" ? ".ec2.internal" : "." + region + ".compute.internal");
}

json& eni_attachment(json& task) {
  for (auto& a : task["attachments"])
    if (a.value("type", "") == "ElasticNetworkInterface") return a;
  throw std::logic_error("ecs task without an ENI attachment: " + task.value("taskArn", ""));
}

// Remembers, on the service, a target (de)registration for the scheduler's next events.
void notify_service(Env& env, const std::string& scope, const json& task, json notice) {
  std::string svc_arn = task.value("_service_arn", "");
  if (svc_arn.empty()) return;
  json* svc = env.store.get_mut(scope, kServiceKind, svc_arn);
  if (!svc) return;
  (*svc)["_notices"].push_back(std::move(notice));
}

void record_stop(json& task, sim::Millis now, std::string_view stop_code, std::string_view reason) {
  task["desiredStatus"] = kStopped;
  task["stoppingAt"] = now;
  if (!stop_code.empty()) task["stopCode"] = stop_code;
  if (!reason.empty()) task["stoppedReason"] = reason;
  task["version"] = task.value("version", 1) + 1;
}

void register_targets(Env& env, const std::string& scope, json& task) {
  std::string ip = task.value("_ip", "");
  for (auto& t : task["_targets"]) {
    if (t.value("registered", false)) continue;
    std::string tg = t.value("targetGroupArn", "");
    try {
      elbv2::register_ip_target(env, scope, tg, ip, t.value("containerPort", 0));
      t["registered"] = true;
      notify_service(env, scope, task, {{"kind", "registered"}, {"targetGroupArn", tg}});
    } catch (const AwsError& e) {
      // ECS keeps the task and reports the failure in the service's events.
      notify_service(env, scope, task,
                     {{"kind", "register_failed"},
                      {"targetGroupArn", tg},
                      {"code", e.code()},
                      {"message", e.message()}});
    }
  }
}

void deregister_targets(Env& env, const std::string& scope, json& task) {
  std::string ip = task.value("_ip", "");
  for (auto& t : task["_targets"]) {
    if (!t.value("registered", false)) continue;
    std::string tg = t.value("targetGroupArn", "");
    try {
      elbv2::deregister_ip_target(env, scope, tg, ip, t.value("containerPort", 0));
    } catch (const AwsError&) {
      // The target group is gone: nothing left to deregister from.
    }
    t["registered"] = false;
    notify_service(env, scope, task, {{"kind", "deregistered"}, {"targetGroupArn", tg}});
  }
}

void schedule_step(Env& env, const std::string& scope, const std::string& task_arn);

}  // namespace

int task_state_rank(std::string_view status) {
  for (std::size_t i = 0; i < kStates.size(); ++i)
    if (kStates[i] == status) return static_cast<int>(i);
  return -1;
}

sim::Millis task_state_duration(std::string_view status) {
  // Typical Fargate timings: ENI provisioning, image pull, load balancer registration; on the way
  // down the container stop timeout and the ENI's release.
  if (status == kProvisioning) return 10'000;
  if (status == kPending) return 20'000;
  if (status == kActivating) return 5'000;
  if (status == kDeactivating) return 5'000;
  if (status == kStopping) return 5'000;
  if (status == kDeprovisioning) return 10'000;
  return 0;
}

std::string create_task(Env& env, const std::string& scope, const TaskLaunch& launch) {
  const json* td = env.store.get(scope, kTaskDefinitionKind, launch.task_definition_key);
  if (!td) throw std::logic_error("create_task: no task definition " + launch.task_definition_key);
  auto subnet = ec2::find_subnet(env, scope, launch.subnet_id);
  if (!subnet)
    throw invalid_parameter("Error retrieving subnet information for [" + launch.subnet_id +
                            "]: The subnet ID '" + launch.subnet_id + "' does not exist");

  const std::string task_id = env.rng.hex(32);
  const std::string task_arn = ecs_arn(scope, "task/" + launch.cluster + "/" + task_id);
  const std::string attachment_id = env.rng.uuid();
  ec2::Interface eni = ec2::create_interface(env, scope, launch.subnet_id, launch.security_groups,
                                             ecs_arn(scope, "attachment/" + attachment_id),
                                             "interface", "amazon-ecs");

  json overrides = launch.overrides.is_object() ? launch.overrides : json::object();
  json given = overrides.value("containerOverrides", json::array());
  json container_overrides = json::array();
  json containers = json::array();
  for (auto& cd : (*td)["containerDefinitions"]) {
    std::string name = cd.value("name", "");
    json co = {{"name", name}};
    for (auto& g : given)
      if (g.value("name", "") == name) co = g;
    container_overrides.push_back(co);
    json c = {{"containerArn", ecs_arn(scope, "container/" + launch.cluster + "/" + task_id + "/" +
                                                  env.rng.uuid())},
              {"taskArn", task_arn},
              {"name", name},
              {"image", cd.value("image", "")},
              {"lastStatus", kPending},
              {"networkInterfaces", json::array()},
              {"healthStatus", "UNKNOWN"},
              {"cpu", std::to_string(cd.value("cpu", 0))}};
    if (cd.contains("memory")) c["memory"] = std::to_string(cd["memory"].get<int>());
    if (cd.contains("memoryReservation"))
      c["memoryReservation"] = std::to_string(cd["memoryReservation"].get<int>());
    containers.push_back(std::move(c));
  }
  overrides["containerOverrides"] = container_overrides;
  if (!overrides.contains("inferenceAcceleratorOverrides"))
    overrides["inferenceAcceleratorOverrides"] = json::array();

  json targets = json::array();
  for (auto& lb : launch.load_balancers) {
    if (!lb.contains("targetGroupArn")) continue;
    targets.push_back({{"targetGroupArn", lb["targetGroupArn"]},
                       {"containerName", lb.value("containerName", "")},
                       {"containerPort", lb.value("containerPort", 0)},
                       {"registered", false}});
  }

  const sim::Millis now = env.clock.now();
  json task = {
      {"taskArn", task_arn},
      {"clusterArn", cluster_arn(scope, launch.cluster)},
      {"taskDefinitionArn", (*td)["taskDefinitionArn"]},
      {"overrides", overrides},
      {"lastStatus", kProvisioning},
      {"desiredStatus", kRunning},
      {"cpu", overrides.value("cpu", td->value("cpu", ""))},
      {"memory", overrides.value("memory", td->value("memory", ""))},
      {"containers", containers},
      {"version", 1},
      {"createdAt", now},
      {"group", launch.group},
      {"launchType", launch.launch_type},
      {"platformVersion", std::string(kLatestFargatePlatform)},
      {"platformFamily", "Linux"},
      {"availabilityZone", subnet->zone},
      {"attachments",
       json::array(
           {{{"id", attachment_id},
             {"type", "ElasticNetworkInterface"},
             {"status", "PRECREATED"},
             {"details", json::array({{{"name", "subnetId"}, {"value", launch.subnet_id}}})}}})},
      {"attributes", json::array({{{"name", "ecs.cpu-architecture"}, {"value", "x86_64"}}})},
      {"healthStatus", "UNKNOWN"},
      {"enableExecuteCommand", launch.enable_execute_command},
      {"ephemeralStorage", {{"sizeInGiB", 20}}},
      {"fargateEphemeralStorage", {{"sizeInGiB", 20}}},
      {"tags", launch.tags},
      {"_cluster", launch.cluster},
      {"_family", td->value("family", "")},
      {"_eni", eni.id},
      {"_ip", eni.private_ip},
      {"_mac", eni.mac},
      {"_subnet", launch.subnet_id},
      {"_targets", targets}};
  if (launch.platform_version != "LATEST" && !launch.platform_version.empty())
    task["platformVersion"] = launch.platform_version;
  if (!launch.started_by.empty()) task["startedBy"] = launch.started_by;
  if (!launch.capacity_provider.empty()) task["capacityProviderName"] = launch.capacity_provider;
  if (!launch.service_arn.empty()) task["_service_arn"] = launch.service_arn;
  env.store.put(scope, kTaskKind, task_arn, std::move(task));
  return task_arn;
}

std::optional<std::string> next_task_status(const json& task) {
  const std::string last = task.value("lastStatus", "");
  const int rank = task_state_rank(last);
  if (rank < 0 || last == kStopped) return std::nullopt;
  if (task.value("desiredStatus", "") != kStopped)
    return rank < task_state_rank(kRunning) ? std::optional<std::string>(kStates[rank + 1])
                                            : std::nullopt;
  // Stopping: skip what the task never reached. Without containers started there is nothing to
  // stop, and without an attached ENI nothing to deregister.
  if (last == kProvisioning) return std::string(kDeprovisioning);
  if (last == kPending) return std::string(kStopping);
  if (last == kActivating || last == kRunning) return std::string(kDeactivating);
  return std::string(kStates[rank + 1]);
}

void advance_task(Env& env, const std::string& scope, const std::string& task_arn,
                  std::string_view to_status, std::string_view stop_code, std::string_view reason) {
  json* t = env.store.get_mut(scope, kTaskKind, task_arn);
  if (!t) throw std::logic_error("advance_task: no task " + task_arn);
  json& task = *t;
  const int from = task_state_rank(task.value("lastStatus", ""));
  const int to = task_state_rank(to_status);
  if (to < 0 || to <= from)
    throw std::logic_error("advance_task: " + task.value("lastStatus", "") + " -> " +
                           std::string(to_status) + " for " + task_arn);
  const sim::Millis now = env.clock.now();
  const int deactivating = task_state_rank(kDeactivating);

  if (to >= deactivating && task.value("desiredStatus", "") != kStopped)
    record_stop(task, now, stop_code, reason);

  if (to == task_state_rank(kPending)) {
    json& att = eni_attachment(task);
    const std::string ip = task.value("_ip", "");
    att["status"] = "ATTACHED";
    att["details"] = json::array(
        {{{"name", "subnetId"}, {"value", task.value("_subnet", "")}},
         {{"name", "networkInterfaceId"}, {"value", task.value("_eni", "")}},
         {{"name", "macAddress"}, {"value", task.value("_mac", "")}},
         {{"name", "privateDnsName"}, {"value", private_dns_name(ip, region_of(scope))}},
         {{"name", "privateIPv4Address"}, {"value", ip}}});
    for (auto& c : task["containers"])
      c["networkInterfaces"] =
          json::array({{{"attachmentId", att["id"]}, {"privateIpv4Address", ip}}});
    task["connectivity"] = "CONNECTED";
    task["connectivityAt"] = now;
    task["pullStartedAt"] = now;
  }
  if (to == task_state_rank(kActivating)) {
    if (!task.contains("pullStartedAt")) task["pullStartedAt"] = now;
    task["pullStoppedAt"] = now;
    register_targets(env, scope, task);
  }
  if (to == task_state_rank(kRunning)) {
    task["startedAt"] = now;
    for (auto& c : task["containers"]) c["lastStatus"] = kRunning;
  }
  if (to >= deactivating) deregister_targets(env, scope, task);
  if (to >= task_state_rank(kDeprovisioning)) {
    if (!task.contains("executionStoppedAt")) task["executionStoppedAt"] = now;
    for (auto& c : task["containers"]) {
      // A container that ran exits on SIGTERM; one that never started has no exit code.
      if (c.value("lastStatus", "") == kRunning) c["exitCode"] = 0;
      c["lastStatus"] = kStopped;
    }
    eni_attachment(task)["status"] = "DETACHING";
  }
  if (to == task_state_rank(kStopped)) {
    task["stoppedAt"] = now;
    if (task.contains("pullStartedAt") && !task.contains("pullStoppedAt"))
      task["pullStoppedAt"] = now;
    eni_attachment(task)["status"] = "DELETED";
    ec2::delete_interface(env, scope, task.value("_eni", ""));
  }
  task["lastStatus"] = to_status;
  task["version"] = task.value("version", 1) + 1;
}

void stop_task(Env& env, const std::string& scope, const std::string& task_arn,
               std::string_view stop_code, std::string_view reason) {
  json* t = env.store.get_mut(scope, kTaskKind, task_arn);
  if (!t || t->value("desiredStatus", "") == kStopped) return;
  record_stop(*t, env.clock.now(), stop_code, reason);
  drive_task(env, scope, task_arn);
}

void drive_task(Env& env, const std::string& scope, const std::string& task_arn) {
  if (env.config.timing != "instant") {
    schedule_step(env, scope, task_arn);
    return;
  }
  while (const json* t = env.store.get(scope, kTaskKind, task_arn)) {
    auto next = next_task_status(*t);
    if (!next) break;
    advance_task(env, scope, task_arn, *next);
  }
}

namespace {

void schedule_step(Env& env, const std::string& scope, const std::string& task_arn) {
  json* t = env.store.get_mut(scope, kTaskKind, task_arn);
  if (!t) return;
  if (t->contains("_step_event")) {
    env.clock.cancel((*t)["_step_event"].get<std::uint64_t>());
    t->erase("_step_event");
  }
  auto next = next_task_status(*t);
  if (!next) return;
  const std::string from = t->value("lastStatus", "");
  std::uint64_t id = env.clock.schedule_in(
      task_state_duration(from), "ecs task " + last_segment(task_arn) + " " + from + " -> " + *next,
      [&env, scope, task_arn, from] {
        json* cur = env.store.get_mut(scope, kTaskKind, task_arn);
        if (!cur || cur->value("lastStatus", "") != from) return;
        cur->erase("_step_event");
        auto step = next_task_status(*cur);
        if (!step) return;
        const std::string service = cur->value("_service_arn", "");
        advance_task(env, scope, task_arn, *step);
        schedule_step(env, scope, task_arn);
        if (!service.empty()) reconcile_service(env, scope, service);
      });
  (*t)["_step_event"] = id;
}

}  // namespace

}  // namespace zonesim::ecs
