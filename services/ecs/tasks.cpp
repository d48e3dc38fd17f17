// ECS tasks: RunTask, StartTask, StopTask, DescribeTasks, ListTasks.
#include <algorithm>

#include "services/ecs/common.hpp"
#include "services/ecs/placement.hpp"
#include "services/ecs/scheduler.hpp"
#include "services/ecs/task_lifecycle.hpp"

namespace zonesim::ecs {

namespace {

constexpr int kMaxRunTaskCount = 10;

json task_view(const json& task, bool include_tags) {
  json out = task;
  if (!include_tags) out.erase("tags");
  return out;
}

bool includes(const json& input, const char* what) {
  for (auto& i : input.value("include", json::array()))
    if (i == what) return true;
  return false;
}

json run_task(Call& c) {
  Env& env = c.env;
  const std::string scope = c.scope();
  const json& in = c.input;
  const json& cluster = active_cluster(env, scope, in.value("cluster", ""));
  const json& td = require_task_definition(env, scope, in["taskDefinition"].get<std::string>());
  const int count = in.value("count", 1);
  if (count < 1 || count > kMaxRunTaskCount)
    throw invalid_parameter("count must be between 1 and " + std::to_string(kMaxRunTaskCount) +
                            ".");
  Placement placement = resolve_placement(env, scope, cluster, td, in, nullptr);
  if (!placement.fargate())
    throw invalid_parameter("No Container Instances were found in your cluster.");
  if (in.contains("group") && in["group"].get<std::string>().empty())
    throw invalid_parameter("Group can not be empty.");
  json tags = in.value("tags", json::array());
  validate_tags(tags);
  if (in.value("propagateTags", "NONE") == "TASK_DEFINITION")
    tags = merge_tags(td.value("_tags", json::array()), tags);

  TaskLaunch launch;
  launch.cluster = cluster.value("clusterName", "");
  launch.task_definition_key =
      td.value("family", "") + ":" + std::to_string(td.value("revision", 0));
  launch.platform_version = placement.platform_version;
  const json& vpc = placement.network_configuration["awsvpcConfiguration"];
  for (auto& g : vpc.value("securityGroups", json::array())) launch.security_groups.push_back(g);
  launch.group = in.value("group", "family:" + td.value("family", ""));
  launch.started_by = in.value("startedBy", "");
  launch.tags = tags;
  launch.overrides = in.value("overrides", json::object());
  launch.enable_execute_command = in.value("enableExecuteCommand", false);

  std::vector<PlacedTask> placed;
  std::vector<std::string> arns;
  json failures = json::array();
  for (int i = 0; i < count; ++i) {
    SubnetChoice choice = choose_subnet(env, scope, vpc.value("subnets", json::array()), placed);
    if (!choice.subnet) {
      if (choice.failure != kCapacityUnavailable) throw invalid_parameter(choice.failure);
      // No zone of the subnets can take the task now: RunTask reports it as a failure.
      failures.push_back({{"reason", choice.failure}});
      continue;
    }
    const std::string subnet = *choice.subnet;
    launch.subnet_id = subnet;
    launch.launch_type = "FARGATE";
    launch.capacity_provider.clear();
    if (placement.launch_type.empty()) {
      // A strategy: providers' bases first, then by weight.
      const json& strategy = placement.capacity_provider_strategy;
      std::string chosen;
      for (auto& item : strategy)
        if (chosen.empty() && i < item.value("base", 0))
          chosen = item.value("capacityProvider", "");
      if (chosen.empty()) {
        int total = 0;
        for (auto& item : strategy) total += item.value("weight", 0);
        int ticket =
            total > 0 ? static_cast<int>(env.rng.below(static_cast<std::uint64_t>(total))) : 0;
        for (auto& item : strategy) {
          ticket -= item.value("weight", 0);
          if (ticket < 0 || total == 0) {
            chosen = item.value("capacityProvider", "");
            break;
          }
        }
      }
      launch.capacity_provider = chosen;
    }
    std::string arn = create_task(env, scope, launch);
    const json* t = env.store.get(scope, kTaskKind, arn);
    placed.push_back({t->value("availabilityZone", ""), subnet});
    arns.push_back(arn);
  }
  json out = {{"tasks", json::array()}, {"failures", failures}};
  for (auto& arn : arns) {
    drive_task(env, scope, arn);
    out["tasks"].push_back(task_view(*env.store.get(scope, kTaskKind, arn), true));
  }
  return out;
}

json start_task(Call& c) {
  active_cluster(c.env, c.scope(), c.input.value("cluster", ""));
  require_task_definition(c.env, c.scope(), c.input["taskDefinition"].get<std::string>());
  // StartTask places tasks on named container instances; Fargate-only zonesim has none.
  throw invalid_parameter("No Container Instances were found in your cluster.");
}

json stop_task_op(Call& c) {
  Env& env = c.env;
  const std::string scope = c.scope();
  const json& cluster = active_cluster(env, scope, c.input.value("cluster", ""));
  const std::string arn =
      task_key(scope, cluster.value("clusterName", ""), c.input["task"].get<std::string>());
  const json* task = env.store.get(scope, kTaskKind, arn);
  if (!task) throw invalid_parameter("The referenced task was not found.");
  std::string reason = c.input.value("reason", "");
  if (reason.empty()) reason = "Task stopped by user";
  const std::string service = task->value("_service_arn", "");
  stop_task(env, scope, arn, kUserInitiated, reason);
  // The service scheduler replaces a task that stopped under it.
  if (!service.empty()) reconcile_service(env, scope, service);
  return {{"task", task_view(*env.store.get(scope, kTaskKind, arn), true)}};
}

json describe_tasks(Call& c) {
  Env& env = c.env;
  const std::string scope = c.scope();
  const json& cluster = active_cluster(env, scope, c.input.value("cluster", ""));
  const bool tags = includes(c.input, "TAGS");
  json out = {{"tasks", json::array()}, {"failures", json::array()}};
  for (auto& id : c.input["tasks"]) {
    std::string arn = task_key(scope, cluster.value("clusterName", ""), id.get<std::string>());
    const json* t = env.store.get(scope, kTaskKind, arn);
    if (t && t->value("clusterArn", "") == cluster.value("clusterArn", ""))
      out["tasks"].push_back(task_view(*t, tags));
    else
      out["failures"].push_back({{"arn", arn}, {"reason", "MISSING"}});
  }
  return out;
}

json list_tasks(Call& c) {
  Env& env = c.env;
  const std::string scope = c.scope();
  const json& in = c.input;
  const json& cluster = active_cluster(env, scope, in.value("cluster", ""));
  const std::string carn = cluster.value("clusterArn", "");
  std::string service;
  if (in.contains("serviceName")) {
    service =
        service_key(scope, cluster.value("clusterName", ""), in["serviceName"].get<std::string>());
    if (!env.store.get(scope, kServiceKind, service)) throw service_not_found();
  }
  const std::string desired = in.value("desiredStatus", "RUNNING");
  std::vector<std::string> arns;
  // Fargate tasks run on no container instance.
  if (!in.contains("containerInstance")) {
    for (auto& [arn, t] : env.store.list(scope, kTaskKind)) {
      if (t->value("clusterArn", "") != carn) continue;
      if (t->value("desiredStatus", "") != desired) continue;
      if (!service.empty() && t->value("_service_arn", "") != service) continue;
      if (in.contains("family") && t->value("_family", "") != in["family"]) continue;
      if (in.contains("startedBy") && t->value("startedBy", "") != in["startedBy"]) continue;
      if (in.contains("launchType") && t->value("launchType", "") != in["launchType"]) continue;
      arns.push_back(arn);
    }
  }
  return paginate(arns, in, "taskArns", 100, 100);
}

}  // namespace

void register_tasks(Registry& r) {
  r.add("ecs", "RunTask", run_task);
  r.add("ecs", "StartTask", start_task);
  r.add("ecs", "StopTask", stop_task_op);
  r.add("ecs", "DescribeTasks", describe_tasks);
  r.add("ecs", "ListTasks", list_tasks);
}

}  // namespace zonesim::ecs
