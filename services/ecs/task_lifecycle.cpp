#include "services/ecs/task_lifecycle.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <stdexcept>

#include "emulator/sim/timeline.hpp"
#include "emulator/sim/zones.hpp"
#include "services/ec2/network.hpp"
#include "services/ecs/common.hpp"
#include "services/ecs/scheduler.hpp"
#include "services/elbv2/targets.hpp"
#include "services/logs/logs.hpp"

// Internal fields of a task document, besides the Task members:
//   _cluster, _family, _eni, _ip, _mac, _subnet, _service_arn   where it runs, who started it
//   _targets        [{targetGroupArn, containerName, containerPort, registered, deregistered,
//                     health}]  its load balancer targets; `health` as the group last reported it
//   _drain_from     when its targets were deregistered (the drain poll grid starts there)
//   _step_at        when the current state's work is done (absent: at once)
//   _step_event     the clock event that drives the task next
//   _blocked        a step waits for the task's zone to be reachable again
//   _lost_at        its host died with the zone's power (ECS has not noticed yet)
//   _app            the app's state (absent = healthy); _crash_event its pending crash
//   _app_container  the container the app runs in; _ports [{container, port}] it listens on
//   _db_host        the RDS endpoint address the app depends on ("" = none)
//   _logs           [{container, scope, group, stream}] its awslogs streams

namespace zonesim::ecs {

namespace {

constexpr std::array<std::string_view, 8> kStates = {kProvisioning,   kPending,      kActivating,
                                                     kRunning,        kDeactivating, kStopping,
                                                     kDeprovisioning, kStopped};

constexpr std::string_view kRdsDomain = ".rds.amazonaws.com";

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

void record_change(Env& env, const json& task, std::string_view from, std::string_view to,
                   const std::string& reason, const char* layer = "ecs") {
  sim::record(env, sim::Change{task.value("availabilityZone", ""), layer, task.value("taskArn", ""),
                               std::string(from), std::string(to), reason});
}

// --- the app's containers and their logs ---------------------------------------------------------

json* container_named(json& task, const std::string& name) {
  for (auto& c : task["containers"])
    if (c.value("name", "") == name) return &c;
  return nullptr;
}
const json* container_named(const json& task, const std::string& name) {
  auto it = task.find("containers");
  if (it == task.end()) return nullptr;
  for (auto& c : *it)
    if (c.value("name", "") == name) return &c;
  return nullptr;
}

bool app_container_running(const json& task) {
  const json* c = container_named(task, task.value("_app_container", ""));
  return c && c->value("lastStatus", "") == kRunning;
}

// One line in the awslogs stream of `container` ("" = every container of the task), written only
// while the stream's log group exists (the awslogs driver cannot create groups on Fargate unless
// told to, and zonesim does not model awslogs-create-group).
void log_line(Env& env, const json& task, const std::string& container,
              const std::string& message) {
  auto it = task.find("_logs");
  if (it == task.end()) return;
  for (auto& l : *it) {
    if (!container.empty() && l.value("container", "") != container) continue;
    const std::string scope = l.value("scope", ""), group = l.value("group", "");
    if (!logs::log_group_exists(env, scope, group)) continue;
    logs::append_log_event(env, scope, group, l.value("stream", ""), env.clock.now(), message);
  }
}

std::string app_state_line(std::string_view state) {
  if (state == kAppUnhealthy) return "zonesim app: unhealthy, answering 500";
  if (state == kAppHung) return "zonesim app: hung, requests get no answer";
  if (state == kAppCrash) return "zonesim app: crashing";
  return "zonesim app: healthy";
}

// awslogs streams of the task's containers: <prefix>/<container>/<task-id> in the group's region.
json awslogs_streams(const std::string& scope, const json& td, const std::string& task_id) {
  json out = json::array();
  for (auto& cd : td["containerDefinitions"]) {
    auto lc = cd.find("logConfiguration");
    if (lc == cd.end() || lc->value("logDriver", "") != "awslogs") continue;
    json options = lc->value("options", json::object());
    const std::string group = options.value("awslogs-group", "");
    const std::string prefix = options.value("awslogs-stream-prefix", "");
    // Fargate requires the prefix; without one there is no stream name to write to.
    if (group.empty() || prefix.empty()) continue;
    const std::string region = options.value("awslogs-region", region_of(scope));
    const std::string name = cd.value("name", "");
    out.push_back({{"container", name},
                   {"scope", account_of(scope) + "/" + region},
                   {"group", group},
                   {"stream", prefix + "/" + name + "/" + task_id}});
  }
  return out;
}

// The app's container: the first one with a port mapping (what a load balancer targets), else the
// first essential one.
std::string app_container_of(const json& td) {
  for (auto& cd : td["containerDefinitions"])
    if (!cd.value("portMappings", json::array()).empty()) return cd.value("name", "");
  for (auto& cd : td["containerDefinitions"])
    if (cd.value("essential", true)) return cd.value("name", "");
  return "";
}

bool essential(const json& td, const std::string& container) {
  for (auto& cd : td["containerDefinitions"])
    if (cd.value("name", "") == container) return cd.value("essential", true);
  return false;
}

bool host_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-';
}

// The RDS instance the environment names: a value containing an instance's endpoint address (or,
// before the endpoint is published, an RDS DNS name in "host:port" form).
std::string database_host(const Env& env, const std::string& scope,
                          const std::vector<std::string>& values) {
  if (values.empty()) return "";
  for (auto& [id, db] : env.store.list(scope, "db-instance")) {
    auto ep = db->find("Endpoint");
    if (ep == db->end() || !ep->is_object()) continue;
    const std::string address = ep->value("Address", "");
    if (address.empty()) continue;
    for (auto& v : values)
      if (v.find(address) != std::string::npos) return address;
  }
  for (auto& v : values) {
    auto pos = v.find(kRdsDomain);
    if (pos == std::string::npos) continue;
    std::size_t start = pos;
    while (start > 0 && host_char(v[start - 1])) --start;
    if (start < pos) return v.substr(start, pos + kRdsDomain.size() - start);
  }
  return "";
}

// Every environment value of the task's containers, overrides included.
std::vector<std::string> environment_values(const json& td, const json& container_overrides) {
  std::vector<std::string> out;
  auto add = [&](const json& list) {
    for (auto& kv : list)
      if (kv.contains("value") && kv["value"].is_string()) out.push_back(kv["value"]);
  };
  for (auto& cd : td["containerDefinitions"]) add(cd.value("environment", json::array()));
  for (auto& co : container_overrides) add(co.value("environment", json::array()));
  return out;
}

// --- the IP index --------------------------------------------------------------------------------

void index_ip(Env& env, const std::string& scope, const std::string& ip, const std::string& arn) {
  if (json* d = env.store.get_mut(scope, kTaskIpKind, ip))
    (*d)["tasks"].push_back(arn);
  else
    env.store.put(scope, kTaskIpKind, ip, {{"tasks", json::array({arn})}});
}

void unindex_ip(Env& env, const std::string& scope, const std::string& ip, const std::string& arn) {
  json* d = env.store.get_mut(scope, kTaskIpKind, ip);
  if (!d) return;
  json& tasks = (*d)["tasks"];
  tasks.erase(std::remove(tasks.begin(), tasks.end(), arn), tasks.end());
  if (tasks.empty()) env.store.erase(scope, kTaskIpKind, ip);
}

// --- targets -------------------------------------------------------------------------------------

void register_targets(Env& env, const std::string& scope, json& task) {
  std::string ip = task.value("_ip", "");
  for (auto& t : task["_targets"]) {
    if (t.value("registered", false)) continue;
    std::string tg = t.value("targetGroupArn", "");
    try {
      elbv2::register_ip_target(env, scope, tg, ip, t.value("containerPort", 0));
      t["registered"] = true;
      t.erase("health");
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
    t["deregistered"] = true;
    task["_drain_from"] = env.clock.now();
    notify_service(env, scope, task, {{"kind", "deregistered"}, {"targetGroupArn", tg}});
  }
}

// When to look again at a DEACTIVATING task whose targets are still draining; nullopt once every
// target group has let go of them.
std::optional<sim::Millis> drain_poll_at(const Env& env, const std::string& scope,
                                         const json& task) {
  const std::string ip = task.value("_ip", "");
  bool draining = false;
  for (auto& t : task.value("_targets", json::array())) {
    if (!t.value("deregistered", false)) continue;
    auto s = elbv2::target_state(env, scope, t.value("targetGroupArn", ""), ip,
                                 t.value("containerPort", 0));
    if (s && *s == "draining") draining = true;
  }
  if (!draining) return std::nullopt;
  const sim::Millis now = env.clock.now();
  const sim::Millis from = task.value("_drain_from", now);
  return from + ((now - from) / kDrainPollMs + 1) * kDrainPollMs;
}

// Whether ECS's control plane reaches the task's host (not across a network partition).
bool host_reachable(const Env& env, const json& task) {
  return sim::zones_connected(env, "", task.value("availabilityZone", ""));
}

// Why a task enters a state, for the timeline.
std::string step_reason(const json& task, std::string_view to) {
  if (to == kPending) return "ENI " + task.value("_eni", "") + " attached";
  if (to == kActivating) return "image pulled, containers started";
  if (to == kRunning) return "task started";
  if (to == kStopping) return "containers signalled to stop";
  if (to == kDeprovisioning) return "containers stopped";
  if (to == kStopped) return task.value("stoppedReason", std::string("task stopped"));
  return task.value("stoppedReason", std::string());
}

void schedule_step(Env& env, const std::string& scope, const std::string& task_arn, sim::Millis at);

// --- crashes and lost hosts ----------------------------------------------------------------------

void crash_exit(Env& env, const std::string& scope, const std::string& task_arn) {
  json* t = env.store.get_mut(scope, kTaskKind, task_arn);
  if (!t) return;
  t->erase("_crash_event");
  if (app_state(*t) != kAppCrash || task_lost(*t) || !app_container_running(*t)) return;
  const std::string name = t->value("_app_container", "");
  json& c = *container_named(*t, name);
  c["lastStatus"] = kStopped;
  c["exitCode"] = kCrashExitCode;
  t->erase("_step_at");
  log_line(env, *t, name, "zonesim app: exited with code " + std::to_string(kCrashExitCode));
  // A non-essential container exiting leaves the task running (its ARN ends with family:rev).
  const json* td =
      env.store.get(scope, kTaskDefinitionKind, last_segment(t->value("taskDefinitionArn", "")));
  if (td && !essential(*td, name)) return;
  (*t)["executionStoppedAt"] = env.clock.now();
  const std::string service = t->value("_service_arn", "");
  stop_task(env, scope, task_arn, kEssentialContainerExited, kEssentialContainerExitedReason);
  if (!service.empty()) {
    note_task_failure(env, scope, service, task_arn);
    reconcile_service(env, scope, service);
  }
}

void arm_crash(Env& env, const std::string& scope, json& task) {
  if (task.contains("_crash_event")) return;
  const std::string arn = task.value("taskArn", "");
  const sim::Millis delay = env.timing.draw("ecs.failure.crash_exit", env.rng);
  task["_crash_event"] = env.clock.schedule_in(delay, "ecs app crash " + last_segment(arn),
                                               [&env, scope, arn] { crash_exit(env, scope, arn); });
}

void cancel_crash(Env& env, json& task) {
  if (!task.contains("_crash_event")) return;
  env.clock.cancel(task["_crash_event"].get<std::uint64_t>());
  task.erase("_crash_event");
}

std::string loss_reason(const json& task) {
  return "Task stopped due to an underlying infrastructure failure in Availability Zone " +
         task.value("availabilityZone", "") + " (host lost power).";
}

void detect_lost_task(Env& env, const std::string& scope, const std::string& task_arn) {
  const json* t = env.store.get(scope, kTaskKind, task_arn);
  if (!t || !task_lost(*t) || t->value("lastStatus", "") == kStopped) return;
  const std::string service = t->value("_service_arn", "");
  json& task = *env.store.get_mut(scope, kTaskKind, task_arn);
  if (task.value("desiredStatus", "") != kStopped)
    record_stop(task, env.clock.now(), kTerminationNotice, loss_reason(task));
  task["executionStoppedAt"] = task["_lost_at"];
  // ECS finds the host gone: the task is STOPPED at once, nothing is left to stop or deprovision.
  advance_task(env, scope, task_arn, kStopped);
  if (!service.empty()) reconcile_service(env, scope, service);
}

}  // namespace

int task_state_rank(std::string_view status) {
  for (std::size_t i = 0; i < kStates.size(); ++i)
    if (kStates[i] == status) return static_cast<int>(i);
  return -1;
}

std::string task_state_timing_key(std::string_view status) {
  if (status == kRunning || status == kStopped || task_state_rank(status) < 0) return "";
  std::string key = "ecs.task.";
  for (char c : status) key += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return key;
}

bool valid_app_state(std::string_view state) {
  return state == kAppHealthy || state == kAppUnhealthy || state == kAppHung || state == kAppCrash;
}

std::string app_state(const json& task) {
  return task.value("_app", std::string(kAppHealthy));
}

bool task_lost(const json& task) {
  return task.contains("_lost_at");
}

const json* task_arns_at_ip(const Env& env, const std::string& scope, const std::string& ip) {
  const json* d = env.store.get(scope, kTaskIpKind, ip);
  return d ? &(*d)["tasks"] : nullptr;
}

std::vector<std::string> tasks_at_ip(const Env& env, const std::string& scope,
                                     const std::string& ip) {
  std::vector<std::string> out;
  if (const json* arns = task_arns_at_ip(env, scope, ip))
    for (auto& a : *arns) out.push_back(a.get<std::string>());
  return out;
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
  json ports = json::array();
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
    for (auto& pm : cd.value("portMappings", json::array()))
      if (pm.contains("containerPort"))
        ports.push_back({{"container", name}, {"port", pm["containerPort"]}});
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
      {"_targets", targets},
      {"_app_container", app_container_of(*td)},
      {"_ports", ports},
      {"_db_host", database_host(env, scope, environment_values(*td, container_overrides))},
      {"_logs", awslogs_streams(scope, *td, task_id)}};
  if (launch.platform_version != "LATEST" && !launch.platform_version.empty())
    task["platformVersion"] = launch.platform_version;
  if (!launch.started_by.empty()) task["startedBy"] = launch.started_by;
  if (!launch.capacity_provider.empty()) task["capacityProviderName"] = launch.capacity_provider;
  if (!launch.service_arn.empty()) task["_service_arn"] = launch.service_arn;
  const std::string key = task_state_timing_key(kProvisioning);
  task["_step_at"] = now + env.timing.draw(key, env.rng);
  record_change(env, task, "", kProvisioning,
                "placed in " + launch.subnet_id + " (" + subnet->zone + ")");
  env.store.put(scope, kTaskKind, task_arn, std::move(task));
  index_ip(env, scope, eni.private_ip, task_arn);
  if (!launch.service_arn.empty())
    if (json* svc = env.store.get_mut(scope, kServiceKind, launch.service_arn))
      (*svc)["_tasks"].push_back(task_arn);
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
  const std::string from_status = task.value("lastStatus", "");
  const int from = task_state_rank(from_status);
  const int to = task_state_rank(to_status);
  if (to < 0 || to <= from)
    throw std::logic_error("advance_task: " + from_status + " -> " + std::string(to_status) +
                           " for " + task_arn);
  const sim::Millis now = env.clock.now();
  const int deactivating = task_state_rank(kDeactivating);
  const bool lost = task_lost(task);
  const std::string app = task.value("_app_container", "");

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
  const bool running = to == task_state_rank(kRunning);
  if (running) {
    task["startedAt"] = now;
    for (auto& c : task["containers"]) c["lastStatus"] = kRunning;
  }
  if (to >= deactivating) deregister_targets(env, scope, task);
  if (to == task_state_rank(kStopping) && !lost && app_container_running(task))
    log_line(env, task, "", "zonesim app: SIGTERM received, shutting down");
  if (to >= task_state_rank(kDeprovisioning)) {
    if (!task.contains("executionStoppedAt")) task["executionStoppedAt"] = now;
    for (auto& c : task["containers"]) {
      // A container that ran exits on SIGTERM; one that never started, or whose host died, has no
      // exit code.
      if (c.value("lastStatus", "") == kRunning && !lost) {
        c["exitCode"] = 0;
        log_line(env, task, c.value("name", ""), "zonesim app: exited with code 0");
      }
      c["lastStatus"] = kStopped;
    }
    eni_attachment(task)["status"] = "DETACHING";
  }
  const bool stopped = to == task_state_rank(kStopped);
  if (stopped) {
    task["stoppedAt"] = now;
    if (task.contains("pullStartedAt") && !task.contains("pullStoppedAt"))
      task["pullStoppedAt"] = now;
    eni_attachment(task)["status"] = "DELETED";
    ec2::delete_interface(env, scope, task.value("_eni", ""));
    cancel_crash(env, task);
  }
  task["lastStatus"] = to_status;
  task["version"] = task.value("version", 1) + 1;
  task.erase("_blocked");
  const std::string key = task_state_timing_key(to_status);
  if (key.empty())
    task.erase("_step_at");
  else
    task["_step_at"] = now + env.timing.draw(key, env.rng);
  record_change(env, task, from_status, to_status, step_reason(task, to_status));

  if (stopped) {
    unindex_ip(env, scope, task.value("_ip", ""), task_arn);
    if (json* svc = env.store.get_mut(scope, kServiceKind, str_of(task, "_service_arn")))
      if (svc->contains("_tasks")) {
        json& list = (*svc)["_tasks"];
        list.erase(std::remove(list.begin(), list.end(), task_arn), list.end());
      }
    env.clock.schedule_in(kStoppedTaskRetentionMs, "ecs task expires " + last_segment(task_arn),
                          [&env, scope, task_arn] {
                            const json* gone = env.store.get(scope, kTaskKind, task_arn);
                            if (gone && gone->value("lastStatus", "") == kStopped)
                              env.store.erase(scope, kTaskKind, task_arn);
                          });
  }
  if (running) {
    std::string image;
    if (const json* c = container_named(task, app)) image = c->value("image", "");
    std::string line = "zonesim app: started from " + image;
    for (auto& p : task["_ports"])
      if (p.value("container", "") == app)
        line += ", listening on port " + std::to_string(p.value("port", 0));
    if (!task.value("_db_host", "").empty()) line += ", database " + task.value("_db_host", "");
    log_line(env, task, app, line);
    if (app_state(task) != kAppHealthy) log_line(env, task, app, app_state_line(app_state(task)));
    if (app_state(task) == kAppCrash) arm_crash(env, scope, task);
    if (!task.value("_service_arn", "").empty()) on_service_task_running(env, scope, task_arn);
  }
}

void stop_task(Env& env, const std::string& scope, const std::string& task_arn,
               std::string_view stop_code, std::string_view reason) {
  json* t = env.store.get_mut(scope, kTaskKind, task_arn);
  if (!t || t->value("desiredStatus", "") == kStopped) return;
  record_stop(*t, env.clock.now(), stop_code, reason);
  drive_task(env, scope, task_arn);
}

void drive_task(Env& env, const std::string& scope, const std::string& task_arn) {
  // Each pass takes one step; the lifecycle has eight states.
  for (std::size_t pass = 0; pass < kStates.size(); ++pass) {
    const json* t = env.store.get(scope, kTaskKind, task_arn);
    if (!t) return;
    auto next = next_task_status(*t);
    if (!next) return;
    // A lost host makes no progress; only the control plane's deregistration still happens.
    if (task_lost(*t) && *next != kDeactivating) return;
    const sim::Millis now = env.clock.now();
    const sim::Millis due = t->value("_step_at", now);
    if (due > now) return schedule_step(env, scope, task_arn, due);
    if (t->value("lastStatus", "") == kDeactivating)
      if (auto poll = drain_poll_at(env, scope, *t))
        return schedule_step(env, scope, task_arn, *poll);
    // Deregistration is the control plane's business; every other step needs the task's host.
    if (*next != kDeactivating && !host_reachable(env, *t)) {
      if (!t->value("_blocked", false))
        (*env.store.get_mut(scope, kTaskKind, task_arn))["_blocked"] = true;
      return;
    }
    advance_task(env, scope, task_arn, *next);
  }
}

void set_app_state(Env& env, const std::string& scope, const std::string& task_arn,
                   std::string_view state) {
  json* t = env.store.get_mut(scope, kTaskKind, task_arn);
  if (!t) throw std::logic_error("set_app_state: no task " + task_arn);
  const std::string from = app_state(*t);
  if (state == kAppHealthy)
    t->erase("_app");
  else
    (*t)["_app"] = state;
  if (state != kAppCrash) cancel_crash(env, *t);
  if (from == state) return;
  record_change(env, *t, from, state, "app-state fault", "app");
  if (task_lost(*t) || !app_container_running(*t)) return;
  log_line(env, *t, t->value("_app_container", ""), app_state_line(state));
  if (state == kAppCrash) arm_crash(env, scope, *t);
}

void lose_task(Env& env, const std::string& scope, const std::string& task_arn) {
  json* t = env.store.get_mut(scope, kTaskKind, task_arn);
  if (!t || task_lost(*t) || t->value("lastStatus", "") == kStopped) return;
  (*t)["_lost_at"] = env.clock.now();
  t->erase("_blocked");
  cancel_crash(env, *t);
  if (t->contains("_step_event")) {
    env.clock.cancel((*t)["_step_event"].get<std::uint64_t>());
    t->erase("_step_event");
    t->erase("_step_event_at");
  }
  const sim::Millis detection = env.timing.draw("ecs.failure.task_loss_detection", env.rng);
  env.clock.schedule_in(detection, "ecs task lost " + last_segment(task_arn),
                        [&env, scope, task_arn] { detect_lost_task(env, scope, task_arn); });
}

namespace {

void on_step_event(Env& env, const std::string& scope, const std::string& task_arn) {
  json* t = env.store.get_mut(scope, kTaskKind, task_arn);
  if (!t) return;
  t->erase("_step_event");
  t->erase("_step_event_at");
  const std::string before = t->value("lastStatus", "");
  const std::string service = t->value("_service_arn", "");
  drive_task(env, scope, task_arn);
  const json* after = env.store.get(scope, kTaskKind, task_arn);
  if (service.empty() || !after) return;
  const std::string& now_status = str_of(*after, "lastStatus");
  if (now_status == before) return;
  // Entering PENDING or DEPROVISIONING changes nothing the scheduler decides on; ACTIVATING
  // only has target registrations to report.
  if (now_status == kPending || now_status == kDeprovisioning) return;
  if (now_status == kActivating) return flush_service_events(env, scope, service);
  reconcile_service(env, scope, service);
}

void schedule_step(Env& env, const std::string& scope, const std::string& task_arn,
                   sim::Millis at) {
  json* t = env.store.get_mut(scope, kTaskKind, task_arn);
  if (!t) return;
  if (t->contains("_step_event")) {
    if (t->value("_step_event_at", sim::Millis{-1}) == at) return;
    env.clock.cancel((*t)["_step_event"].get<std::uint64_t>());
  }
  const std::string label = "ecs task " + last_segment(task_arn) + " " + t->value("lastStatus", "");
  (*t)["_step_event"] = env.clock.schedule_at(
      at, label, [&env, scope, task_arn] { on_step_event(env, scope, task_arn); });
  (*t)["_step_event_at"] = at;
}

}  // namespace

}  // namespace zonesim::ecs
