// ECS services: CreateService, UpdateService, DeleteService, DescribeServices, ListServices.
// The documents hold what DescribeServices returns; counts are derived from the tasks.
#include <algorithm>
#include <map>

#include "services/ecs/common.hpp"
#include "services/ecs/placement.hpp"
#include "services/ecs/scheduler.hpp"
#include "services/ecs/task_lifecycle.hpp"

namespace zonesim::ecs {

namespace {

constexpr int kDefaultMaximumPercent = 200;
constexpr int kDefaultMinimumHealthyPercent = 100;

// The service as DescribeServices reports it: the stored document without its bookkeeping ('_'
// members), with the counts derived from its tasks. With `may_borrow` the answer refers to the
// stored document and holds only what differs (emulator/core/json.hpp): DescribeServices is polled,
// and copying the whole service was a fifth of its cost.
json service_view(const Env& env, const std::string& scope, const json& svc, bool include_tags,
                  bool may_borrow = false) {
  json out = {{"_base", borrow(svc)}};
  const std::string& arn = str_of(svc, "serviceArn");
  std::map<std::string, std::pair<int, int>, std::less<>>
      by_deployment;  // id -> (running, pending)
  std::map<std::string, int, std::less<>> live_by_deployment;
  int running = 0, pending = 0;
  for (auto& [task_arn, t] : env.store.list(scope, kTaskKind)) {
    if (str_of(*t, "_service_arn") != arn) continue;
    const std::string& last = str_of(*t, "lastStatus");
    const std::string& dep = str_of(*t, "startedBy");
    const bool wanted = str_of(*t, "desiredStatus") == kRunning;
    if (wanted) ++live_by_deployment[dep];
    if (last == kRunning) {
      ++running;
      ++by_deployment[dep].first;
    } else if (wanted && task_state_rank(last) < task_state_rank(kRunning)) {
      ++pending;
      ++by_deployment[dep].second;
    }
  }
  out["runningCount"] = running;
  out["pendingCount"] = pending;
  json deployments = svc.contains("deployments") ? svc["deployments"] : json::array();
  bool first = true;
  for (auto& d : deployments) {
    const std::string id = d.value("id", "");
    d["desiredCount"] = first ? svc.value("desiredCount", 0) : live_by_deployment[id];
    d["runningCount"] = by_deployment[id].first;
    d["pendingCount"] = by_deployment[id].second;
    first = false;
  }
  if (svc.contains("deployments")) out["deployments"] = std::move(deployments);
  if (!include_tags) out["tags"] = nullptr;
  return may_borrow ? out : resolve_borrowed(out);
}

bool includes(const json& input, const char* what) {
  for (auto& i : input.value("include", json::array()))
    if (i == what) return true;
  return false;
}

// loadBalancers must name a container of the task definition and one of its container ports.
json validate_load_balancers(const json& td, const json& lbs) {
  json out = json::array();
  for (auto& lb : lbs) {
    if (lb.contains("loadBalancerName"))
      throw AwsError("UnsupportedFeatureException",
                     "Classic Load Balancers are not supported by zonesim; use a target group.");
    if (!lb.contains("targetGroupArn"))
      throw invalid_parameter("targetGroupArn must be specified for a load balancer.");
    std::string name = lb.value("containerName", "");
    int port = lb.value("containerPort", 0);
    const json* container = nullptr;
    for (auto& cd : td["containerDefinitions"])
      if (cd.value("name", "") == name) container = &cd;
    if (!container)
      throw invalid_parameter("The container " + name + " does not exist in the task definition.");
    bool has_port = false;
    for (auto& pm : container->value("portMappings", json::array()))
      if (pm.value("containerPort", -1) == port) has_port = true;
    if (!has_port)
      throw invalid_parameter("The container " + name + " did not have a container port " +
                              std::to_string(port) + " defined.");
    out.push_back(lb);
  }
  return out;
}

// Deployment settings ECS keeps per deployment, echoed as given.
const char* const kDeploymentExtras[] = {"serviceConnectConfiguration", "volumeConfigurations",
                                         "vpcLatticeConfigurations"};

json new_deployment(Env& env, const json& td, const Placement& p, const json& lbs,
                    const json& extras) {
  const std::string id = new_deployment_id(env);
  const sim::Millis now = env.clock.now();
  json d = {{"id", id},
            {"status", "PRIMARY"},
            {"taskDefinition", td["taskDefinitionArn"]},
            {"desiredCount", 0},
            {"pendingCount", 0},
            {"runningCount", 0},
            {"failedTasks", 0},
            {"createdAt", now},
            {"updatedAt", now},
            {"rolloutState", "IN_PROGRESS"},
            {"rolloutStateReason", "ECS deployment " + id + " in progress."},
            {"_taskDefinitionKey",
             td.value("family", "") + ":" + std::to_string(td.value("revision", 0))},
            {"_loadBalancers", lbs}};
  if (!p.launch_type.empty()) d["launchType"] = p.launch_type;
  if (!p.capacity_provider_strategy.empty())
    d["capacityProviderStrategy"] = p.capacity_provider_strategy;
  if (!p.platform_version.empty()) {
    d["platformVersion"] = p.platform_version;
    d["platformFamily"] = "Linux";
  }
  if (!p.network_configuration.is_null()) d["networkConfiguration"] = p.network_configuration;
  for (const char* k : kDeploymentExtras)
    if (extras.contains(k) && !(extras[k].is_array() && extras[k].empty())) d[k] = extras[k];
  return d;
}

Placement placement_of(const json& svc) {
  Placement p;
  p.launch_type = svc.value("launchType", "");
  p.capacity_provider_strategy = svc.value("capacityProviderStrategy", json::array());
  p.platform_version = svc.value("platformVersion", "");
  p.network_configuration = svc.value("networkConfiguration", json());
  return p;
}

void apply_placement(json& svc, const Placement& p) {
  svc.erase("launchType");
  svc.erase("platformVersion");
  svc.erase("platformFamily");
  svc.erase("networkConfiguration");
  if (!p.launch_type.empty()) svc["launchType"] = p.launch_type;
  svc["capacityProviderStrategy"] = p.capacity_provider_strategy;
  if (!p.platform_version.empty()) {
    svc["platformVersion"] = p.platform_version;
    svc["platformFamily"] = "Linux";
  }
  if (!p.network_configuration.is_null()) svc["networkConfiguration"] = p.network_configuration;
}

json deployment_configuration(const json& given, const json& current) {
  json dc = current.is_object()
                ? current
                : json{{"deploymentCircuitBreaker", {{"enable", false}, {"rollback", false}}},
                       {"maximumPercent", kDefaultMaximumPercent},
                       {"minimumHealthyPercent", kDefaultMinimumHealthyPercent}};
  if (given.is_object())
    for (auto& [k, v] : given.items()) dc[k] = v;
  return dc;
}

// The service a request names, in the cluster it names.
json* find_service(Env& env, const std::string& scope, const json& input, const char* member) {
  const json& cluster = active_cluster(env, scope, input.value("cluster", ""));
  std::string key =
      service_key(scope, cluster.value("clusterName", ""), input.value(member, std::string()));
  json* svc = env.store.get_mut(scope, kServiceKind, key);
  if (!svc) throw service_not_found();
  return svc;
}

// A launch that could not register its tasks in a target group fails the request, as ECS
// validates the target groups of a new service or deployment.
void check_target_errors(const ReconcileResult& r) {
  for (auto& e : r.target_errors)
    if (e.code == "TargetGroupNotFound")
      throw invalid_parameter(
          "Unable to assume role and validate the specified targetGroupArn. Please verify that "
          "the ECS service role being passed has the proper permissions.");
}

json create_service(Call& c) {
  Env& env = c.env;
  const std::string scope = c.scope();
  const json& in = c.input;
  const json& cluster = active_cluster(env, scope, in.value("cluster", ""));
  const std::string cluster_name = cluster.value("clusterName", "");
  const std::string name = in.value("serviceName", "");
  const std::string arn = service_arn(scope, cluster_name, name);

  json request = in;
  request.erase("clientToken");
  if (const json* existing = env.store.get(scope, kServiceKind, arn)) {
    const std::string status = existing->value("status", "");
    if (status == "ACTIVE") {
      if (in.contains("clientToken") &&
          existing->value("_client_token", "") == in["clientToken"].get<std::string>() &&
          existing->value("_request", json()) == request)
        return {{"service", service_view(env, scope, *existing, true)}};
      throw invalid_parameter("Creation of service was not idempotent.");
    }
    if (status == "DRAINING")
      throw invalid_parameter("Unable to Start a service that is still Draining.");
  }

  const std::string strategy = in.value("schedulingStrategy", "REPLICA");
  const std::string controller =
      in.value("deploymentController", json::object()).value("type", "ECS");
  if (controller != "ECS")
    throw AwsError("UnsupportedFeatureException",
                   "zonesim supports the ECS (rolling update) deployment controller only.");
  if (!in.contains("taskDefinition"))
    throw invalid_parameter("TaskDefinition must be specified for the ECS deployment controller.");
  const json& td = require_task_definition(env, scope, in["taskDefinition"].get<std::string>());
  Placement placement = resolve_placement(env, scope, cluster, td, in, nullptr);
  const bool fargate = placement.fargate();
  if (strategy == "DAEMON" && fargate)
    throw invalid_parameter("The DAEMON scheduling strategy is not supported with Fargate.");
  if (strategy == "DAEMON")
    throw AwsError("UnsupportedFeatureException",
                   "zonesim has no container instances for the DAEMON scheduling strategy.");

  json lbs = validate_load_balancers(td, in.value("loadBalancers", json::array()));
  const bool awsvpc = td.value("networkMode", "") == "awsvpc";
  if (in.contains("role")) {
    if (lbs.empty())
      throw invalid_parameter(
          "You cannot specify an IAM role for services that do not use a load balancer.");
    if (awsvpc)
      throw invalid_parameter(
          "You cannot specify an IAM role for services that require a service linked role.");
  }
  const int desired = in.value("desiredCount", 0);
  if (desired < 0) throw invalid_parameter("Desired count must be non-negative.");
  json dc = deployment_configuration(in.value("deploymentConfiguration", json()), json());
  json tags = in.value("tags", json::array());
  validate_tags(tags);

  const sim::Millis now = c.now();
  json svc = {{"serviceArn", arn},
              {"serviceName", name},
              {"clusterArn", cluster["clusterArn"]},
              {"loadBalancers", lbs},
              {"serviceRegistries", in.value("serviceRegistries", json::array())},
              {"status", "ACTIVE"},
              {"desiredCount", desired},
              {"runningCount", 0},
              {"pendingCount", 0},
              {"taskDefinition", td["taskDefinitionArn"]},
              {"deploymentConfiguration", dc},
              {"deployments", json::array({new_deployment(env, td, placement, lbs, in)})},
              {"events", json::array()},
              {"createdAt", now},
              {"placementConstraints", in.value("placementConstraints", json::array())},
              {"placementStrategy", in.value("placementStrategy", json::array())},
              {"schedulingStrategy", strategy},
              {"deploymentController", {{"type", controller}}},
              {"tags", tags},
              {"createdBy", "arn:aws:iam::" + c.account + ":root"},
              {"enableECSManagedTags", in.value("enableECSManagedTags", false)},
              {"propagateTags", in.value("propagateTags", "NONE")},
              {"enableExecuteCommand", in.value("enableExecuteCommand", false)},
              // ECS defaults rebalancing to ENABLED for new services (CreateService docs).
              {"availabilityZoneRebalancing", in.value("availabilityZoneRebalancing", "ENABLED")},
              {"_request", request},
              {"_steady", false},
              {"_tasks", json::array()}};
  apply_placement(svc, placement);
  if (in.contains("clientToken")) svc["_client_token"] = in["clientToken"];
  if (in.contains("healthCheckGracePeriodSeconds"))
    svc["healthCheckGracePeriodSeconds"] = in["healthCheckGracePeriodSeconds"];
  else if (!lbs.empty())
    svc["healthCheckGracePeriodSeconds"] = 0;
  if (!lbs.empty()) {
    std::string role = in.value("role", "");
    if (role.empty())
      role = "arn:aws:iam::" + c.account +
             ":role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS";
    else if (role.rfind("arn:", 0) != 0)
      role = "arn:aws:iam::" + c.account + ":role/" + (role[0] == '/' ? role.substr(1) : role);
    svc["roleArn"] = role;
  }
  env.store.put(scope, kServiceKind, arn, std::move(svc));

  check_target_errors(reconcile_service(env, scope, arn));
  return {{"service", service_view(env, scope, *env.store.get(scope, kServiceKind, arn), true)}};
}

json update_service(Call& c) {
  Env& env = c.env;
  const std::string scope = c.scope();
  const json& in = c.input;
  const json& cluster = active_cluster(env, scope, in.value("cluster", ""));
  json* svc = find_service(env, scope, in, "service");
  if (svc->value("status", "") != "ACTIVE") throw service_not_active();
  const std::string arn = svc->value("serviceArn", "");

  bool redeploy = in.value("forceNewDeployment", false);
  const json* td = find_task_definition(env, scope, svc->value("taskDefinition", ""));
  if (in.contains("taskDefinition")) {
    td = &require_task_definition(env, scope, in["taskDefinition"].get<std::string>());
    redeploy = redeploy || (*td)["taskDefinitionArn"] != (*svc)["taskDefinition"];
  }
  if (!td) throw client_exception("TaskDefinition not found.");
  Placement current = placement_of(*svc);
  Placement placement = resolve_placement(env, scope, cluster, *td, in, &current);
  redeploy = redeploy || placement.launch_type != current.launch_type ||
             placement.capacity_provider_strategy != current.capacity_provider_strategy ||
             placement.platform_version != current.platform_version ||
             placement.network_configuration != current.network_configuration;
  json lbs = (*svc)["loadBalancers"];
  if (in.contains("loadBalancers")) {
    lbs = in["loadBalancers"];
    redeploy = redeploy || lbs != (*svc)["loadBalancers"];
  }
  lbs = validate_load_balancers(*td, lbs);
  json extras = json::object();
  const json& primary = svc->at("deployments").at(0);
  for (const char* k : kDeploymentExtras) {
    if (primary.contains(k)) extras[k] = primary[k];
    if (in.contains(k)) {
      redeploy = redeploy || in[k] != primary.value(k, json::array());
      extras[k] = in[k];
    }
  }
  json dc = deployment_configuration(in.value("deploymentConfiguration", json()),
                                     (*svc)["deploymentConfiguration"]);
  if (in.contains("desiredCount") && in["desiredCount"].get<int>() < 0)
    throw invalid_parameter("Desired count must be non-negative.");

  svc = env.store.get_mut(scope, kServiceKind, arn);
  json& s = *svc;
  if (in.contains("desiredCount")) s["desiredCount"] = in["desiredCount"];
  s["deploymentConfiguration"] = dc;
  for (const char* k : {"healthCheckGracePeriodSeconds", "availabilityZoneRebalancing",
                        "enableExecuteCommand", "enableECSManagedTags", "propagateTags",
                        "placementConstraints", "placementStrategy", "serviceRegistries"})
    if (in.contains(k)) s[k] = in[k];
  if (redeploy) {
    for (auto& d : s["deployments"]) d["status"] = "ACTIVE";
    s["deployments"].insert(s["deployments"].begin(),
                            new_deployment(env, *td, placement, lbs, extras));
    s["taskDefinition"] = (*td)["taskDefinitionArn"];
    s["loadBalancers"] = lbs;
    apply_placement(s, placement);
    if (!lbs.empty() && !s.contains("healthCheckGracePeriodSeconds"))
      s["healthCheckGracePeriodSeconds"] = 0;
  }
  s["_steady"] = false;
  // A changed service is placed again at once, whatever backoff an earlier failure started.
  s.erase("_placement_retry_at");
  check_target_errors(reconcile_service(env, scope, arn));
  return {{"service", service_view(env, scope, *env.store.get(scope, kServiceKind, arn), true)}};
}

json delete_service(Call& c) {
  Env& env = c.env;
  const std::string scope = c.scope();
  json* svc = find_service(env, scope, c.input, "service");
  if (svc->value("status", "") != "ACTIVE") throw service_not_active();
  const bool force = c.input.value("force", false);
  if (!force && svc->value("schedulingStrategy", "REPLICA") == "REPLICA" &&
      svc->value("desiredCount", 0) > 0)
    throw invalid_parameter("The service cannot be stopped while it is scaled above 0.");
  const std::string arn = svc->value("serviceArn", "");
  (*svc)["status"] = "DRAINING";
  (*svc)["desiredCount"] = 0;
  reconcile_service(env, scope, arn);
  return {{"service", service_view(env, scope, *env.store.get(scope, kServiceKind, arn), true)}};
}

json describe_services(Call& c) {
  Env& env = c.env;
  const std::string scope = c.scope();
  const json& cluster = active_cluster(env, scope, c.input.value("cluster", ""));
  const bool tags = includes(c.input, "TAGS");
  json out = {{"services", json::array()}, {"failures", json::array()}};
  for (auto& s : c.input["services"]) {
    std::string key = service_key(scope, cluster.value("clusterName", ""), s.get<std::string>());
    if (const json* svc = env.store.get(scope, kServiceKind, key))
      out["services"].push_back(service_view(env, scope, *svc, tags, c.may_borrow));
    else
      out["failures"].push_back({{"arn", key}, {"reason", "MISSING"}});
  }
  return out;
}

json list_services(Call& c) {
  Env& env = c.env;
  const std::string scope = c.scope();
  const json& cluster = active_cluster(env, scope, c.input.value("cluster", ""));
  const std::string carn = cluster.value("clusterArn", "");
  std::vector<std::string> arns;
  for (auto& [arn, s] : env.store.list(scope, kServiceKind)) {
    if (s->value("clusterArn", "") != carn || s->value("status", "") != "ACTIVE") continue;
    if (c.input.contains("launchType") && s->value("launchType", "") != c.input["launchType"])
      continue;
    if (c.input.contains("schedulingStrategy") &&
        s->value("schedulingStrategy", "") != c.input["schedulingStrategy"])
      continue;
    arns.push_back(arn);
  }
  return paginate(arns, c.input, "serviceArns", 10, 100);
}

}  // namespace

void register_services(Registry& r) {
  r.add("ecs", "CreateService", create_service);
  r.add("ecs", "UpdateService", update_service);
  r.add("ecs", "DeleteService", delete_service);
  r.add("ecs", "DescribeServices", describe_services);
  r.add("ecs", "ListServices", list_services);
}

}  // namespace zonesim::ecs
